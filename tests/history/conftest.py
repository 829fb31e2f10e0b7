"""Helpers for the history tests: synthetic run event sequences and a fresh store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from runbookkit.execute.events import (
    Event,
    RunFinished,
    RunStarted,
    RunStatus,
    StepFinished,
    StepResult,
    StepStatus,
)
from runbookkit.history import SQLiteStore, Store, open_store

T0 = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def started(
    run_id: str, runbook: str = "redis-down", *, at: dt.datetime = T0, **kw: object
) -> RunStarted:
    """The start of a synthetic run."""
    values: dict[str, object] = {
        "run_id": run_id,
        "runbook_id": runbook,
        "runbook_title": f"Title of {runbook}",
        "runbook_sha256": "ab" * 32,
        "section": "fix",
        "operator": "ops@box",
        "targets": ["local"],
        "steps": 3,
        "started_at": at,
        "version": "0.1.0",
    }
    values.update(kw)
    return RunStarted(**values)  # type: ignore[arg-type]


def result(number: int, *, status: StepStatus = StepStatus.passed, **kw: object) -> StepResult:
    """A synthetic step result."""
    values: dict[str, object] = {
        "number": number,
        "title": f"step {number}",
        "target": "local",
        "commands": [f"echo step {number}"],
        "status": status,
        "exit_code": 0 if status == StepStatus.passed else 1,
        "duration": 0.25 * number,
        "expected": f"step {number}",
        "matched": status == StepStatus.passed,
        "stdout": f"step {number}\n",
        "stderr": "",
        "line": 10 * number,
    }
    values.update(kw)
    return StepResult(**values)  # type: ignore[arg-type]


def run_events(
    run_id: str,
    runbook: str = "redis-down",
    *,
    steps: int = 3,
    fail_at: int | None = None,
    at: dt.datetime = T0,
) -> list[Event]:
    """A whole synthetic run: start, ``steps`` steps (failing at ``fail_at``), finish."""
    events: list[Event] = [started(run_id, runbook, at=at, steps=steps)]
    for number in range(1, steps + 1):
        failed = number == fail_at
        status = StepStatus.failed if failed else StepStatus.passed
        events.append(StepFinished(run_id, result(number, status=status)))
        if failed:
            break
    status = RunStatus.failed if fail_at else RunStatus.passed
    end = at + dt.timedelta(seconds=steps)
    events.append(RunFinished(run_id, status, 1 if fail_at else 0, end, failed_step=fail_at))
    return events


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """Where a test's store lives."""
    return tmp_path / ".runbookkit" / "history.sqlite"


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Each backend in turn: the shared store suite runs on both."""
    return str(request.param)


@pytest.fixture
def new_location(backend: str, request: pytest.FixtureRequest, tmp_path: Path):
    """Make the location of another fresh store of ``backend``: ``new_location()``."""
    made: list[str] = []

    def make() -> str:
        made.append("x")
        if backend == "sqlite":
            return str(tmp_path / f"store-{len(made)}" / "history.sqlite")
        cluster = request.getfixturevalue("pg_cluster")
        return str(cluster.create_database(f"s{len(cluster.databases)}"))

    return make


@pytest.fixture
def store_location(backend: str, store_path: Path, new_location) -> str:
    """Where the test's store is: the SQLite file of ``store_path``, or a new database."""
    return str(store_path) if backend == "sqlite" else new_location()


@pytest.fixture
def store(store_location: str) -> Iterator[Store]:
    """A fresh writable store of each backend."""
    opened = open_store(store_location, readonly=False)
    assert isinstance(opened, SQLiteStore) == store_location.endswith(".sqlite")
    yield opened
    opened.close()


@pytest.fixture
def sqlite_store(store_path: Path) -> Iterator[SQLiteStore]:
    """A fresh writable SQLite store."""
    opened = SQLiteStore.open(store_path, readonly=False)
    yield opened
    opened.close()
