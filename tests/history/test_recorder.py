"""The record tells the truth: an internal fault is ``error``, never ``passed``; an unwritable
store stops the run before its first step."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import runbookkit
from runbookkit.errors import ConfigError
from runbookkit.execute.events import (
    Event,
    RunFinished,
    RunStatus,
    StepFinished,
    StepOutput,
    StepStarted,
)
from runbookkit.execute.runner import Runner, RunOptions
from runbookkit.execute.session import Sessions, ShellSession
from runbookkit.execute.ssh import Connections, Link
from runbookkit.history import HistoryRecorder, open_store
from runbookkit.planning import plan
from runbookkit.publish.runs import run_section
from tests.conftest import ROOT, run_cli
from tests.history.test_reliability import unprivileged
from tests.support.runbooks import write_runbook

FAULT = KeyError("proxycommand")


class FaultySessions(Sessions):
    """Sessions whose target resolution fails as an ssh_config with ProxyCommand once did."""

    def get(self, target: object) -> ShellSession:
        raise FAULT


def fault_at_start(event: Event) -> None:
    """A listener that fails inside the step: when step 2 starts."""
    if isinstance(event, StepStarted) and event.number == 2:
        raise FAULT


def with_fault(view: Callable[[Event], None]) -> Callable[[Event], None]:
    """The command line's view, faulting as :func:`fault_at_start` does once it has shown it."""

    def listener(event: Event) -> None:
        view(event)
        fault_at_start(event)

    return listener


def three_steps(tmp_path: Path) -> Path:
    marks = tmp_path / "marks"
    marks.mkdir()
    body = (
        f"# Step 1: First\ntouch {marks}/1\n\n# Step 2: Second\ntouch {marks}/2\n\n"
        f"# Step 3: Third\ntouch {marks}/3"
    )
    return write_runbook(tmp_path, body)


def test_a_fault_in_target_resolution_records_the_run_as_error(tmp_path: Path) -> None:
    store_path = tmp_path / "history.sqlite"
    parsed = runbookkit.parse_file(three_steps(tmp_path))
    recorder = HistoryRecorder(open_store(store_path, readonly=False), close_store=True)
    options = RunOptions()
    sessions = FaultySessions(Connections(options.ssh, lambda message: None))
    runner = Runner(plan(parsed, "fix"), options, listeners=[recorder], sessions=sessions)
    outcome = runner.run()
    recorder.close()
    assert (outcome.status, outcome.exit_code) == (RunStatus.error, 70)
    assert outcome.fault is FAULT
    assert outcome.error == "step 1 (First): internal error: KeyError: 'proxycommand'"
    with open_store(store_path) as store:
        (run,) = store.list_runs()
        recorded = store.get_run(run.id)
    assert (recorded.status, recorded.exit_code, recorded.failed_step) == ("error", 70, 1)
    assert recorded.error == outcome.error
    (step,) = recorded.steps
    assert (step.status, step.error) == ("error", "internal error: KeyError: 'proxycommand'")
    assert not (tmp_path / "marks" / "1").exists()


class FaultyConnections(Connections):
    """Connections whose ssh_config lookup fails before the run starts."""

    def resolve(self, target: object) -> Link:
        raise ValueError("could not convert string to float: '5s'")


def test_a_fault_before_the_first_step_records_the_run_as_error(tmp_path: Path) -> None:
    store_path = tmp_path / "history.sqlite"
    mark = tmp_path / "mark"
    path = write_runbook(
        tmp_path, f"# Step 1: Here\ntouch {mark}\n\n# Step 2: There\nssh web1 true"
    )
    recorder = HistoryRecorder(open_store(store_path, readonly=False), close_store=True)
    options = RunOptions()
    connections = FaultyConnections(options.ssh, lambda message: None)
    runner = Runner(
        plan(runbookkit.parse_file(path), "fix"),
        options,
        listeners=[recorder],
        connections=connections,
    )
    runner.prepare()
    outcome = runner.run()
    recorder.close()
    assert (outcome.status, outcome.exit_code) == (RunStatus.error, 70)
    assert outcome.error == "internal error: ValueError: could not convert string to float: '5s'"
    assert not mark.exists()
    with open_store(store_path) as store:
        (run,) = store.list_runs()
    assert (run.status, run.exit_code, run.error) == ("error", 70, outcome.error)


def test_bad_input_found_inside_a_step_fails_it_without_calling_it_internal(
    tmp_path: Path,
) -> None:
    class BadConfig(Sessions):
        def get(self, target: object) -> ShellSession:
            raise ConfigError("bad ssh option", path="ssh_config", line=3)

    options = RunOptions()
    sessions = BadConfig(Connections(options.ssh, lambda message: None))
    parsed = runbookkit.parse_file(three_steps(tmp_path))
    outcome = Runner(plan(parsed, "fix"), options, sessions=sessions).run()
    assert (outcome.status, outcome.exit_code, outcome.fault) == (RunStatus.failed, 1, None)
    assert outcome.error == "step 1 (First): ssh_config:3: bad ssh option"


def test_a_fault_while_output_streams_ends_the_step_as_error(tmp_path: Path) -> None:
    store_path = tmp_path / "history.sqlite"
    path = write_runbook(tmp_path, "# Step 1: Talk\necho some output\n\n# Step 2: After\necho no")

    def fault_on_output(event: Event) -> None:
        if isinstance(event, StepOutput | StepFinished | RunFinished):
            raise ValueError("the view broke")

    recorder = HistoryRecorder(open_store(store_path, readonly=False), close_store=True)
    outcome = runbookkit.run(
        path, "fix", RunOptions(timeout=20), listeners=[fault_on_output, recorder]
    )
    recorder.close()
    assert (outcome.status, outcome.exit_code) == (RunStatus.error, 70)
    assert str(outcome.fault) == "the view broke"
    with open_store(store_path) as store:  # the view's faults kept no event from the record
        recorded = store.get_run(store.list_runs()[0].id)
    assert recorded.status == "error"
    assert [(s.number, s.status) for s in recorded.steps] == [(1, "error")]
    assert recorded.steps[0].error == "internal error: ValueError: the view broke"
    assert recorded.steps[0].duration < 10  # not a timeout: the fault ended the step at once


def run_with_fault(*args: str) -> subprocess.CompletedProcess[str]:
    """The real command line with its view faulting as :func:`with_fault` says."""
    code = (
        "import sys; from runbookkit.cli import main, run; "
        "from tests.history.test_recorder import with_fault; shown = run._view; "
        "run._view = lambda flags: with_fault(shown(flags)); main(sys.argv[1:])"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "PYTHONPATH": str(ROOT)},
    )


def test_a_fault_inside_a_step_is_exit_70_recorded_and_published_as_error(tmp_path: Path) -> None:
    runbook = three_steps(tmp_path)
    store = tmp_path / "history.sqlite"
    done = run_with_fault("run", str(runbook), "-s", "fix", "--history", str(store))
    assert done.returncode == 70, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"{runbook}:9: error: step 2 (Second): internal error: KeyError: 'proxycommand'"
    ]
    assert (tmp_path / "marks" / "1").exists() and not (tmp_path / "marks" / "2").exists()
    assert not (tmp_path / "marks" / "3").exists()
    listed = run_cli("history", "--history", str(store), "--json")
    assert '"status": "error"' in listed.stdout and '"exit_code": 70' in listed.stdout
    with open_store(store) as opened:
        run = opened.get_run(opened.list_runs()[0].id)
    assert [(s.number, s.status) for s in run.steps] == [(1, "passed"), (2, "error")]
    shown = run_cli("history", "show", run.id, "--history", str(store)).stdout
    assert "  status    error (exit 70)" in shown
    assert "internal error: KeyError: 'proxycommand'" in shown
    page = run_section(run, on_page=(), sha256=None)
    assert ">error<" in page and "passed</span> exit" not in page
    assert "internal error: KeyError: &#x27;proxycommand&#x27;" in page


@pytest.mark.parametrize("kind", ["read-only file", "read-only directory", "directory"])
def test_a_store_that_cannot_be_written_stops_the_run_before_its_first_step(
    tmp_path: Path, kind: str
) -> None:
    mark = tmp_path / "mark"
    runbook = write_runbook(tmp_path, f"# Step 1: Mark\ntouch {mark}")
    folder = tmp_path / "store"
    store = folder / "history.sqlite"
    if kind == "directory":
        store.mkdir(parents=True)
    else:
        open_store(store, readonly=False).close()
    if kind == "read-only file":
        store.chmod(0o444)
    if kind == "read-only directory":
        (folder / "history.sqlite-wal").unlink(missing_ok=True)
        store.unlink()
        folder.chmod(0o555)
    code = "import sys; from runbookkit.cli import main; main(sys.argv[1:])"
    args = ["run", str(runbook), "-s", "fix", "--history", str(store)]
    try:
        done = subprocess.run(
            [*unprivileged(), sys.executable, "-c", code, *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        folder.chmod(0o755)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith(f"{store}: ") and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert not mark.exists()
    assert done.stdout == ""
