"""``runbookkit history``: list, show, export and import through the real command line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from runbookkit.history import HistoryRecorder, open_store
from tests.conftest import run_cli
from tests.history.conftest import T0, run_events
from tests.history.test_secrets import store_bytes


@pytest.fixture
def filled(store_path: Path) -> Path:
    """A store of five runs of two runbooks, one failed, one day apart."""
    with open_store(store_path, readonly=False) as store:
        recorder = HistoryRecorder(store, heartbeat=0)
        for i in range(5):
            runbook = "redis-down" if i % 2 == 0 else "disk-full"
            at = T0 + dt.timedelta(days=i)
            for event in run_events(f"run-{i}", runbook, at=at, fail_at=2 if i == 4 else None):
                recorder(event)
    return store_path


def history(store: Path, *args: str, **kw: object):
    return run_cli("history", *args, "--history", str(store), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("args", "ids"),
    [
        ((), ["run-4", "run-3", "run-2", "run-1", "run-0"]),
        (("redis-down",), ["run-4", "run-2", "run-0"]),
        (("list", "redis-down", "--limit", "2"), ["run-4", "run-2"]),
        (("--status", "failed"), ["run-4"]),
        (("--section", "fix", "-n", "1"), ["run-4"]),
        (("disk-full", "--status", "failed"), []),  # recorded, none of them failed
    ],
)
def test_list_filters(filled: Path, args: tuple[str, ...], ids: list[str]) -> None:
    done = history(filled, *args, "--json")
    assert done.returncode == 0, done.stderr
    assert [run["id"] for run in json.loads(done.stdout)] == ids


def test_list_table_shows_who_when_status_and_failing_step(filled: Path) -> None:
    done = history(filled)
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if "run-4" in line)
    for text in (
        "2026-01-06 03:04:05",
        "ops@box",
        "redis-down",
        "fix",
        "failed",
        "3.00s",
        "2 step 2",
    ):
        assert text in row


def test_list_of_an_empty_place_says_so(tmp_path: Path) -> None:
    done = history(tmp_path / "none.sqlite")
    assert done.returncode == 0 and "no runs recorded yet" in done.stdout


def test_show_prints_every_step_with_its_output(filled: Path) -> None:
    done = history(filled, "show", "run-4")
    assert done.returncode == 0, done.stderr
    assert "status    failed (exit 1)" in done.stdout
    assert "step 2: step 2  (failed, exit 1" in done.stdout
    assert "  $ echo step 2" in done.stdout and "    step 2" in done.stdout


def test_show_names_the_incident_a_run_was_linked_to(filled: Path) -> None:
    from runbookkit.history.incidents import link_run, record_alert
    from tests.history.test_incidents import alert

    with open_store(filled, readonly=False) as store:
        incident = record_alert(store, alert(), "redis-down")
        link_run(store, incident.id, "run-4")
    done = history(filled, "show", "run-4")
    assert (
        f"  incident  {incident.id} (RedisDown, open; instance=cache-1, job=redis)" in done.stdout
    )
    shown = json.loads(history(filled, "show", "run-4", "--json").stdout)
    assert shown["incidents"] == [incident.id]
    assert json.loads(history(filled, "show", "run-3", "--json").stdout)["incidents"] == []


@pytest.mark.parametrize(
    ("run_id", "message"),
    [("run-", "is ambiguous: run-0, run-1"), ("nope", "no run 'nope' in the run history")],
)
def test_show_of_an_unknown_or_ambiguous_id_is_one_line(
    filled: Path, run_id: str, message: str
) -> None:
    done = history(filled, "show", run_id)
    assert done.returncode == 2
    assert message in done.stderr and done.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("which", "shown"),
    [
        ("last", "run-4"),
        ("redis-down", "run-4"),
        ("disk-full", "run-3"),
        ("run-1", "run-1"),
        ("01JD3", "01JD3ZQ8"),  # a unique prefix
    ],
)
def test_show_finds_the_latest_run_a_runbook_s_latest_or_a_run_by_id(
    filled: Path, which: str, shown: str
) -> None:
    with open_store(filled, readonly=False) as store:
        recorder = HistoryRecorder(store, heartbeat=0)
        for event in run_events("01JD3ZQ8", "disk-full", at=T0 - dt.timedelta(days=1)):
            recorder(event)
    done = history(filled, "show", which, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["id"] == shown


def runbooks_dir(tmp_path: Path) -> Path:
    """A runbooks directory holding ``known`` (and ``nested`` in a folder of its own)."""
    directory = tmp_path / "runbooks"
    (directory / "db").mkdir(parents=True)
    for path in (directory / "known.md", directory / "db" / "nested.md"):
        path.write_text("# Known\n\n## Fix\n\n```bash\necho hi\n```\n", encoding="utf-8")
    return directory


def test_show_of_a_runbook_without_runs_says_so(filled: Path, tmp_path: Path) -> None:
    done = history(filled, "show", "known", "--runbooks-dir", str(runbooks_dir(tmp_path)))
    assert done.returncode == 2
    assert done.stderr == f"{filled}: runbook 'known' has no runs in the run history\n"


@pytest.mark.parametrize("present", [True, False], ids=["store", "no-store"])
@pytest.mark.parametrize("as_json", [(), ("--json",)], ids=["table", "json"])
def test_history_of_an_unknown_runbook_is_one_line_and_exit_2(
    filled: Path, tmp_path: Path, present: bool, as_json: tuple[str, ...]
) -> None:
    store = filled if present else tmp_path / "none.sqlite"
    where = ("--runbooks-dir", str(runbooks_dir(tmp_path)))
    done = history(store, "UNKNOWN", *as_json, *where)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "no such runbook 'UNKNOWN'\n"


@pytest.mark.parametrize("name", ["known", "nested"])
def test_history_of_a_runbook_without_runs_says_it_has_none(
    filled: Path, tmp_path: Path, name: str
) -> None:
    where = ("--runbooks-dir", str(runbooks_dir(tmp_path)))
    done = history(filled, name, *where)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"no runs of {name!r} recorded in {filled}\n"
    listed = history(filled, name, "--json", *where)
    assert (listed.returncode, json.loads(listed.stdout)) == (0, [])
    absent = history(tmp_path / "none.sqlite", name, *where)
    assert absent.returncode == 0 and "no runs recorded yet" in absent.stdout


def test_export_then_import_round_trips_and_is_idempotent(filled: Path, tmp_path: Path) -> None:
    exported = history(filled, "export", "--since", "2026-01-04")
    assert exported.returncode == 0, exported.stderr
    lines = exported.stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["run-2", "run-3", "run-4"]
    target = tmp_path / "copy.sqlite"
    first = history(target, "import", input=exported.stdout)
    again = history(target, "import", input=exported.stdout)
    assert "imported 3 runs (0 already there)" in first.stdout, first.stderr
    assert "imported 0 runs (3 already there)" in again.stdout
    assert history(target, "export").stdout.splitlines() == lines


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "<stdin>:2: not JSON"),
        ('{"id": "x"}', "<stdin>:2: runbook_id: Field required"),
        ('{"id": 3}', "<stdin>:2: id: Input should be a valid string"),
    ],
)
def test_a_bad_import_line_is_one_line_and_imports_nothing(
    filled: Path, tmp_path: Path, line: str, message: str
) -> None:
    good = history(filled, "export").stdout.splitlines()[0]
    target = tmp_path / "copy.sqlite"
    done = history(target, "import", input=f"{good}\n{line}\n")
    assert done.returncode == 2
    assert done.stderr.startswith(message) and done.stderr.count("\n") == 1
    assert not target.exists() or json.loads(history(target, "--json").stdout) == []


def test_import_masks_secrets_of_a_foreign_export(filled: Path, tmp_path: Path) -> None:
    run = json.loads(history(filled, "export").stdout.splitlines()[0])
    run["steps"][0]["commands"] = ["mysql --password=hunter2xyz -e 1"]
    target = tmp_path / "copy.sqlite"
    assert history(target, "import", input=json.dumps(run)).returncode == 0
    assert b"hunter2xyz" not in store_bytes(target)
    assert "--password=***" in history(target, "show", run["id"]).stdout


@pytest.mark.parametrize(
    "args", [("--limit", "0"), ("--status", "bogus"), ("export", "--since", "soon")]
)
def test_bad_options_are_usage_errors(filled: Path, args: tuple[str, ...]) -> None:
    assert history(filled, *args).returncode == 2


def test_history_copy_moves_every_run_once(filled: Path, new_location, backend: str) -> None:
    target = new_location()
    first = run_cli("history", "copy", str(filled), target)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("copied 5 runs (0 already there)")
    again = run_cli("history", "copy", str(filled), target)
    assert again.stdout.startswith("copied 0 runs (5 already there)")
    with open_store(filled) as origin, open_store(target) as copied:
        assert list(copied.export_runs()) == list(origin.export_runs())
    back = run_cli("history", "list", "--history", target, "--json")
    assert len(json.loads(back.stdout)) == 5, back.stderr


def test_history_copy_moves_incidents_with_their_runs(
    filled: Path, new_location, backend: str
) -> None:
    from runbookkit.history.incidents import link_run, list_incidents, record_alert, resolve
    from tests.history.test_incidents import alert

    with open_store(filled, readonly=False) as store:
        done = record_alert(store, alert(key="a"), "redis-down")
        link_run(store, done.id, "run-0")
        resolve(store, done.id, "ops")
        record_alert(store, alert(key="b"), "redis-down")
    target = new_location()
    first = run_cli("history", "copy", str(filled), target)
    assert first.returncode == 0, first.stderr
    assert "and 2 incidents (0 already there)" in first.stdout
    again = run_cli("history", "copy", str(filled), target)
    assert "and 0 incidents (2 already there)" in again.stdout
    with open_store(filled) as origin, open_store(target) as copied:
        assert list_incidents(copied) == list_incidents(origin)
        assert [r.run_id for r in list_incidents(copied, open_only=False)[1].runs] == ["run-0"]


def test_history_lists_a_postgresql_store_without_its_password(pg_url: str) -> None:
    from tests.support.postgres import PASSWORD

    with open_store(pg_url, readonly=False) as store:
        recorder = HistoryRecorder(store, heartbeat=0)
        for event in run_events("pg-run"):
            recorder(event)
    listed = run_cli("history", "--history", pg_url)
    assert listed.returncode == 0, listed.stderr
    assert "pg-run" in listed.stdout and PASSWORD not in listed.stdout
    shown = run_cli("history", "show", "pg-", "--history", pg_url)
    assert "step 3: step 3" in shown.stdout
