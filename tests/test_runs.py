"""The library's run API: a section run and recorded from Python, as the command line does it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import runbookkit
from runbookkit import runs
from runbookkit.errors import ConfigError, HistoryError
from runbookkit.execute.events import (
    Recorder,
    RunFinished,
    RunStarted,
    RunStatus,
    StepFinished,
    StepOutput,
)
from runbookkit.execute.needs import MissingValues
from runbookkit.execute.operator import Unattended
from runbookkit.execute.runner import Runner, RunOptions, RunOutcome
from runbookkit.execute.ssh import SshOptions
from runbookkit.fleet.run import FleetOutcome
from runbookkit.fleet.strategy import Strategy
from runbookkit.history import HistoryRecorder, open_store
from runbookkit.history import recorder as history_recorder
from runbookkit.secrets import Redactor
from runbookkit.settings import Settings
from tests.conftest import ROOT, run_cli
from tests.fleet.conftest import fleet_servers  # noqa: F401  (the fleet tests' sshd servers)
from tests.support.fleet_servers import FleetServers
from tests.support.runbooks import write_runbook

SECRET = "hunter2-s3cret"
TWO_STEPS = """
# Step 1: Greet
echo "hello $WHO"

# Step 2: Use the token
echo "token is $TOKEN"
"""


def test_a_run_from_python_is_recorded_in_a_real_store(tmp_path: Path) -> None:
    path = write_runbook(tmp_path, TWO_STEPS)
    store = tmp_path / "history.sqlite"
    options = RunOptions(variables={"WHO": "ops"}, operator="alice")
    outcome = runbookkit.run(path, "fix", options, secrets={"TOKEN": SECRET}, history=store)
    assert isinstance(outcome, RunOutcome)
    assert (outcome.status, outcome.exit_code, outcome.warnings) == (RunStatus.passed, 0, [])
    with open_store(store) as opened:
        recorded = opened.get_run(outcome.run_id)
    assert (recorded.status, recorded.operator, recorded.dry_run) == ("passed", "alice", False)
    assert [(s.number, s.status) for s in recorded.steps] == [(1, "passed"), (2, "passed")]
    assert recorded.steps[0].stdout == "hello ops\n"
    assert recorded.steps[1].stdout == "token is ***\n"
    assert SECRET not in store.read_bytes().decode("utf-8", "replace")


def test_the_outcome_and_the_listeners_get_the_secret_masked(tmp_path: Path) -> None:
    path = write_runbook(tmp_path, f"echo {SECRET}\nfalse")
    seen = Recorder()
    outcome = runbookkit.run(path, "fix", secrets={"TOKEN": SECRET}, listeners=[seen])
    assert isinstance(outcome, RunOutcome)
    assert outcome.status is RunStatus.failed
    assert outcome.results[0].stdout == "***\n"
    assert SECRET not in repr(seen.events) and SECRET not in repr(outcome)


def test_the_runner_and_the_recorder_mask_with_the_one_redactor_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: dict[str, object] = {}

    def keep(name: str, make: Any) -> Any:
        def build(*args: object, **kwargs: object) -> object:
            built[name] = made = make(*args, **kwargs)
            return made

        return build

    monkeypatch.setattr(runs, "Runner", keep("runner", Runner))
    monkeypatch.setattr(history_recorder, "HistoryRecorder", keep("recorder", HistoryRecorder))
    given = Redactor()
    path = write_runbook(tmp_path, 'echo "$TOKEN"')
    store = tmp_path / "history.sqlite"
    runs.run(path, "fix", secrets={"TOKEN": SECRET}, history=store, redactor=given)
    runner, recorder = built["runner"], built["recorder"]
    assert isinstance(runner, Runner)
    assert isinstance(recorder, HistoryRecorder)
    assert runner.redactor is recorder.redactor is given
    assert given.values == (SECRET,)  # the run taught it its secret


class _Answers(Unattended):
    """Answers every variable the run asks for with ``value``."""

    def __init__(self, value: str) -> None:
        self.value = value

    def variable(self, name: str, where: str) -> str | None:
        return self.value


def test_a_secret_asked_for_during_the_run_is_masked_alike_on_screen_and_in_the_store(
    tmp_path: Path,
) -> None:
    asked = "asked-s3cret-value"
    body = 'echo "pw=$DB_PW"; echo "$DB_PW" >&2; exit 3'
    path = write_runbook(tmp_path, body, front="secrets: [DB_PW]\n")
    store = tmp_path / "history.sqlite"
    seen = Recorder()
    given = runs.run_redactor(RunOptions())
    outcome = runs.run(
        path, "fix", history=store, listeners=[seen], operator=_Answers(asked), redactor=given
    )
    assert isinstance(outcome, RunOutcome)
    assert asked in given.values
    shown = "".join(e.text for e in seen.events if isinstance(e, StepOutput))
    assert shown == "pw=***\n***\n"
    on_screen = next(e.result for e in seen.events if isinstance(e, StepFinished))
    with open_store(store) as opened:
        kept = opened.get_run(outcome.run_id).steps[0]
    assert (kept.stdout, kept.stderr, kept.error) == ("pw=***\n", "***\n", "exit 3: ***")
    assert (kept.stdout, kept.stderr, kept.error) == (
        on_screen.stdout,
        on_screen.stderr,
        on_screen.error,
    )
    assert asked not in repr(seen.events) + repr(outcome)
    assert asked not in store.read_bytes().decode("utf-8", "replace")


def test_a_dry_run_is_recorded_as_its_plan_and_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = write_runbook(tmp_path, f"# Step 1: Touch\ntouch {marker}\n\n# Step 2: Say\necho $TOKEN")
    store = tmp_path / "history.sqlite"
    outcome = runs.run(path, "fix", secrets={"TOKEN": SECRET}, history=store, dry_run=True)
    assert (outcome.status, outcome.exit_code) == (RunStatus.passed, 0)
    assert not marker.exists()
    with open_store(store) as opened:
        recorded = opened.get_run(outcome.run_id)
    assert recorded.dry_run and recorded.status == "passed"
    assert [(s.number, s.status, s.commands) for s in recorded.steps] == [
        (1, "skipped", [f"touch {marker}"]),
        (2, "skipped", ["echo $TOKEN"]),
    ]


def test_a_runbook_by_name_is_found_in_the_settings_directory(tmp_path: Path) -> None:
    books = tmp_path / "books"
    books.mkdir()
    write_runbook(books, "echo found", name="by-name")
    outcome = runs.run("by-name", "fix", settings=Settings(runbooks_dir=books))
    assert isinstance(outcome, RunOutcome)
    assert outcome.results[0].stdout == "found\n"
    with pytest.raises(runbookkit.NotFoundError, match="no runbook named 'nope'"):
        runs.run("nope", "fix", settings=Settings(runbooks_dir=books))


def test_two_runs_in_one_process_keep_apart(tmp_path: Path) -> None:
    path = write_runbook(tmp_path, 'echo "$TOKEN"')
    store = tmp_path / "history.sqlite"
    first = runs.run(path, "fix", secrets={"TOKEN": "first-secret"}, history=store)
    second = runs.run(path, "fix", secrets={"TOKEN": "second-secret"}, history=store)
    assert first.run_id != second.run_id
    with open_store(store) as opened:
        steps = [opened.get_run(run.run_id).steps[0] for run in (first, second)]
    assert [step.stdout for step in steps] == ["***\n", "***\n"]
    text = store.read_bytes().decode("utf-8", "replace")
    assert "first-secret" not in text and "second-secret" not in text


def test_a_store_that_cannot_be_opened_stops_the_run_before_any_step(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = write_runbook(tmp_path, f"touch {marker}")
    (tmp_path / "not-a-store").write_text("plain text, not SQLite\n")
    with pytest.raises(HistoryError) as raised:
        runs.run(path, "fix", history=tmp_path / "not-a-store")
    assert not marker.exists()
    assert "--" not in raised.value.message  # the library names no command-line flag


def test_fleet_options_without_a_fleet_are_refused_without_naming_flags(tmp_path: Path) -> None:
    path = write_runbook(tmp_path, "echo one")
    with pytest.raises(ConfigError) as raised:
        runs.run(path, "fix", strategy=Strategy(parallel=1))
    assert "--" not in raised.value.message


def test_the_api_imports_nothing_heavy() -> None:
    code = (
        "import sys, runbookkit.runs\n"
        "print(sorted({'paramiko', 'pydantic', 'rich', 'click', 'fabric'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_no_click_outside_the_command_line() -> None:
    importing = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "runbookkit").rglob("*.py")
        if "cli" not in path.parts
        and "display" not in path.parts  # what the command line prints (click.style colours)
        and re.search(r"^\s*(import click|from click)", path.read_text(), re.M)
    ]
    assert importing == []


@pytest.mark.ssh
def test_a_fleet_run_through_the_api_is_one_recorded_run(
    fleet_servers: FleetServers,  # noqa: F811
    tmp_path: Path,
) -> None:
    path = write_runbook(tmp_path, 'echo "on $(hostname) with $TOKEN"')
    inventory = fleet_servers.inventory(tmp_path / "inventory.yaml")
    store = tmp_path / "history.sqlite"
    seen = Recorder()
    outcome = runs.run(
        path,
        "fix",
        RunOptions(ssh=_ssh(fleet_servers)),
        secrets={"TOKEN": SECRET},
        fleet=f"@{inventory}",
        strategy=Strategy(parallel=4),
        history=store,
        listeners=[seen],
    )
    assert isinstance(outcome, FleetOutcome)
    assert (outcome.status, outcome.exit_code, outcome.failed()) == (RunStatus.passed, 0, [])
    assert [run.host.name for run in outcome.hosts] == fleet_servers.names()
    assert [type(e) for e in seen.events].count(RunStarted) == 1
    assert isinstance(seen.events[-1], RunFinished)
    with open_store(store) as opened:
        recorded = opened.get_run(outcome.run_id)
    assert recorded.status == "passed"
    assert sorted({step.host for step in recorded.steps}) == fleet_servers.names()
    assert all(step.stdout.endswith("with ***\n") for step in recorded.steps)
    assert SECRET not in store.read_bytes().decode("utf-8", "replace")


def _ssh(fleet: FleetServers) -> SshOptions:
    return SshOptions(ssh_config=fleet.ssh_config)


def readme_snippet() -> str:
    """The Python block of the README's "Python API" section, exactly as written."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_readme_snippet_runs_and_records_a_section(tmp_path: Path) -> None:
    snippet = readme_snippet()
    assert len(snippet.strip().splitlines()) <= 10
    (tmp_path / "runbooks").mkdir()
    (tmp_path / "runbooks" / "disk-full.md").write_text(
        textwrap.dedent(
            """\
            # Disk full

            ## Diagnosis

            ```bash
            # Step 1: How full
            df -h "$MOUNT" > /dev/null && echo "checked $MOUNT"

            # Step 2: Ask the API
            echo "calling with $API_TOKEN"
            ```
            """
        )
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", snippet],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "passed 0"
    assert lines[1] == "['echo \"calling with $API_TOKEN\"'] calling with ***"
    stored = (tmp_path / "runs.sqlite").read_bytes()
    assert b"s3cret" not in stored


def test_a_missing_value_is_said_without_flags_and_the_command_line_names_them(
    tmp_path: Path,
) -> None:
    path = write_runbook(tmp_path, "# Step 1: Port\necho $PORT")
    with pytest.raises(MissingValues) as raised:
        runs.run(path, "fix")
    assert raised.value.names == ["PORT"]
    assert raised.value.message == (
        "step 1 (Port) needs a value for PORT: give it as a variable or secret"
    )
    done = run_cli("run", str(path), "-s", "fix")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"{path}:7: step 1 (Port) needs a value for PORT: give it with --var PORT=VALUE"
    )


def test_a_fleet_dry_run_is_recorded_with_its_hosts(tmp_path: Path) -> None:
    path = write_runbook(tmp_path, "echo one")
    store, config = tmp_path / "history.sqlite", tmp_path / "ssh_config"
    config.write_text("")  # no Host entries: the hosts stay as given
    options = RunOptions(ssh=SshOptions(ssh_config=config))
    outcome = runs.run(path, "fix", options, fleet="ops@h1:2201,h2", dry_run=True, history=store)
    assert isinstance(outcome, FleetOutcome)
    assert [(run.host.name, run.status) for run in outcome.hosts] == [
        ("ops@h1:2201", "not started"),
        ("h2", "not started"),
    ]
    with open_store(store) as opened:
        recorded = opened.get_run(outcome.run_id)
    assert recorded.dry_run and recorded.targets == ["ops@h1:2201", "h2"]


def test_the_package_run_is_the_run_api() -> None:
    assert runbookkit.run is runs.run
