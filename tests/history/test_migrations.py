"""A store written by any earlier schema version is migrated on open without losing rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from runbookkit.errors import HistoryError
from runbookkit.execute.events import RunStatus
from runbookkit.history import open_store
from runbookkit.history.migrations import MIGRATIONS, SCHEMA_VERSION

RUN = {
    "id": "old-1",
    "runbook_id": "redis-down",
    "runbook_title": "Redis down",
    "runbook_sha256": "cd" * 32,
    "section": "fix",
    "operator": "ops@box",
    "targets": '["local"]',
    "version": "0.0.9",
    "started_at": "2025-05-01T10:00:00.000000+00:00",
    "finished_at": "2025-05-01T10:00:07.500000+00:00",
    "status": "failed",
    "exit_code": 1,
    "failed_step": 2,
}
STEP = {
    "run_id": "old-1",
    "number": 1,
    "title": "ping",
    "target": "local",
    "commands": '["redis-cli ping"]',
    "status": "passed",
    "exit_code": 0,
    "duration": 0.5,
    "stdout": "PONG\n",
    "stderr": "",
    "attempts": 1,
    "line": 12,
}


def old_store(path: Path, version: int) -> None:
    """A store as runbookkit at schema ``version`` left it, holding one run of two steps."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    for migration in MIGRATIONS[:version]:
        for statement in migration.statements:
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    columns = ", ".join(RUN)
    conn.execute(
        f"INSERT INTO runs ({columns}) VALUES ({', '.join('?' * len(RUN))})", list(RUN.values())
    )
    for seq in (1, 2):
        step = {**STEP, "seq": seq, "number": seq}
        names = ", ".join(step)
        conn.execute(
            f"INSERT INTO steps ({names}) VALUES ({', '.join('?' * len(step))})",
            list(step.values()),
        )
    conn.commit()
    conn.close()


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
@pytest.mark.parametrize("readonly", [False, True])
def test_every_earlier_version_is_migrated(tmp_path: Path, version: int, readonly: bool) -> None:
    path = tmp_path / "history.sqlite"
    old_store(path, version)
    store = open_store(path, readonly=readonly)
    run = store.get_run("old-1")
    store.close()
    assert (run.status, run.failed_step, run.exit_code, run.duration) == (
        RunStatus.failed,
        2,
        1,
        7.5,
    )
    assert [s.seq for s in run.steps] == [1, 2] and run.steps[0].stdout == "PONG\n"
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_the_migrated_store_records_new_runs(tmp_path: Path) -> None:
    from runbookkit.history import HistoryRecorder
    from tests.history.conftest import run_events

    path = tmp_path / "history.sqlite"
    old_store(path, 1)
    store = open_store(path, readonly=False)
    recorder = HistoryRecorder(store, heartbeat=0)
    for event in run_events("new-1"):
        recorder(event)
    assert [r.id for r in store.list_runs()] == ["new-1", "old-1"]
    store.close()


def test_versions_are_numbered_one_by_one() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))


def test_a_newer_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    old_store(path, SCHEMA_VERSION)
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(HistoryError, match="newer runbookkit"):
        open_store(path, readonly=False)


def test_another_applications_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "app.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE users (name TEXT)")
    with pytest.raises(HistoryError, match="not a runbookkit history store"):
        open_store(path, readonly=False)


@pytest.mark.parametrize("version", range(1, 5))
def test_an_aborted_run_of_an_older_store_reads_as_declined(tmp_path: Path, version: int) -> None:
    path = tmp_path / "history.sqlite"
    old_store(path, version)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE runs SET status = 'aborted', exit_code = 3")
    with open_store(path) as store:
        (run,) = store.list_runs(status="declined")
        assert (run.status, run.exit_code, run.error) == (RunStatus.declined, 3, None)


def test_an_export_of_an_aborted_run_imports_as_declined() -> None:
    from runbookkit.history.records import from_json

    run = from_json({**RUN, "targets": ["local"], "status": "aborted"})
    assert run.status is RunStatus.declined
