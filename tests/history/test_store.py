"""Both stores (SQLite, PostgreSQL) record runs step by step and read them back the way every
reader needs: the shared suite, each test run on each backend."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from runbookkit.errors import HistoryError, NotFoundError
from runbookkit.execute.events import TAIL_BYTES, RunFinished, RunStatus, StepFinished, StepStatus
from runbookkit.history import HistoryRecorder, SQLiteStore, Store, open_store
from runbookkit.history.recorder import step_record
from runbookkit.history.records import from_json, to_json
from tests.history.conftest import T0, result, run_events, started


def record(store: Store, *runs: list) -> None:
    recorder = HistoryRecorder(store, heartbeat=0)
    for events in runs:
        for event in events:
            recorder(event)
    assert recorder.failures == []


def test_a_run_reads_back_whole(store: Store) -> None:
    record(store, run_events("r1", fail_at=2))
    run = store.get_run("r1")
    assert (run.runbook_id, run.section, run.operator, run.status) == (
        "redis-down",
        "fix",
        "ops@box",
        RunStatus.failed,
    )
    assert run.started_at == T0 and run.duration == 3.0
    assert (run.failed_step, run.failed_title, run.exit_code) == (2, "step 2", 1)
    assert [(s.number, s.status, s.matched) for s in run.steps] == [
        (1, StepStatus.passed, True),
        (2, StepStatus.failed, False),
    ]
    assert run.steps[0].commands == ["echo step 1"] and run.steps[0].stdout == "step 1\n"


def test_the_store_is_sqlite_in_wal_mode(sqlite_store: SQLiteStore, store_path: Path) -> None:
    record(sqlite_store, run_events("r1"))
    with sqlite3.connect(store_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT count(*) FROM steps").fetchone()[0] == 3


def test_each_step_is_committed_as_it_finishes(store: Store, store_location: str) -> None:
    events = run_events("r1", steps=3)
    recorder = HistoryRecorder(store, heartbeat=0)
    other = open_store(store_location)  # another reader's view of the store, read-only
    for seen, event in enumerate(events[:3]):
        recorder(event)
        assert len(other.get_run("r1").steps) == seen
    assert other.list_runs()[0].status == RunStatus.running
    other.close()


@pytest.mark.parametrize(("prefix", "found"), [("r-10", "r-10"), ("r-2", "r-2"), ("r-", "r-2")])
def test_a_run_is_found_by_a_unique_prefix(store: Store, prefix: str, found: str) -> None:
    record(store, run_events("r-10"), run_events("r-2"))
    if prefix == "r-":
        with pytest.raises(HistoryError, match="'r-' is ambiguous: r-10, r-2"):
            store.get_run(prefix)
    else:
        assert store.get_run(prefix).id == found


@pytest.mark.parametrize("run_id", ["nope", "r-3", "r-10x"])
def test_a_missing_run_is_not_found(store: Store, run_id: str) -> None:
    record(store, run_events("r-10"))
    with pytest.raises(NotFoundError, match=f"no run '{run_id}'"):
        store.get_run(run_id)


def test_list_newest_first_with_filters(store: Store) -> None:
    for i in range(6):
        runbook = "redis-down" if i % 2 else "disk-full"
        at = T0 + dt.timedelta(hours=i)
        record(store, run_events(f"r{i}", runbook, at=at, fail_at=1 if i == 5 else None))
    assert [r.id for r in store.list_runs()] == ["r5", "r4", "r3", "r2", "r1", "r0"]
    assert [r.id for r in store.list_runs(runbook="redis-down", limit=2)] == ["r5", "r3"]
    assert [r.id for r in store.list_runs(status="failed")] == ["r5"]
    assert [r.id for r in store.list_runs(since=T0 + dt.timedelta(hours=4))] == ["r5", "r4"]
    assert store.list_runs(section="nosuch") == []
    assert store.list_runs()[0].steps == []  # lists come without steps


def test_runs_by_runbook_keeps_the_latest_of_each(store: Store) -> None:
    for i in range(5):
        for runbook in ("a", "b"):
            record(store, run_events(f"{runbook}{i}", runbook, at=T0 + dt.timedelta(minutes=i)))
    grouped = store.runs_by_runbook(limit_per_runbook=2)
    assert {k: [r.id for r in v] for k, v in grouped.items()} == {
        "a": ["a4", "a3"],
        "b": ["b4", "b3"],
    }
    assert all(len(run.steps) == 3 for runs in grouped.values() for run in runs)
    assert sum(map(len, store.runs_by_runbook(limit_per_runbook=None).values())) == 10
    assert store.run_counts() == {"a": 5, "b": 5}
    assert store.run_counts(since=T0 + dt.timedelta(minutes=3)) == {"a": 2, "b": 2}


def test_runs_by_runbook_without_steps_and_the_steps_apart(store: Store) -> None:
    for i in range(3):
        record(store, run_events(f"a{i}", "a", at=T0 + dt.timedelta(minutes=i), steps=i + 1))
    grouped = store.runs_by_runbook(limit_per_runbook=2, steps=False)
    assert [r.id for r in grouped["a"]] == ["a2", "a1"]
    assert all(run.steps == [] for run in grouped["a"])
    steps = store.steps_of(["a2", "a0", "nosuch"])
    assert {k: [s.number for s in v] for k, v in steps.items()} == {"a2": [1, 2, 3], "a0": [1]}
    assert steps["a2"] == store.get_run("a2").steps
    assert store.steps_of([]) == {}


def test_host_outcomes_of_fleet_runs(store: Store) -> None:
    record(store, run_events("single"))
    events: list = [started("fleet")]
    for host, number, status in [
        ("web-2", 1, StepStatus.passed),
        ("web-1", 1, StepStatus.passed),
        ("web-2", 2, StepStatus.failed),
        ("web-3", 1, StepStatus.skipped),
    ]:
        events.append(StepFinished("fleet", result(number, host=host, status=status)))
    events.append(RunFinished("fleet", RunStatus.failed, 1, T0, failed_step=2))
    record(store, events)
    outcomes = store.host_outcomes(["fleet", "single"])
    assert list(outcomes) == ["fleet"]  # a run on no host has no entry
    assert list(outcomes["fleet"].items()) == [("web-2", True), ("web-1", False), ("web-3", False)]


def test_outputs_keep_only_their_last_4_kib(store: Store) -> None:
    long = "".join(f"line {i}\n" for i in range(2000))
    events = run_events("r1", steps=1)
    events[1] = StepFinished("r1", result(1, stdout=long, stderr="é" * 5000))
    record(store, events)
    step = store.get_run("r1").steps[0]
    assert long.endswith(step.stdout) and len(step.stdout.encode()) == TAIL_BYTES
    assert set(step.stderr) == {"é"} and len(step.stderr.encode()) <= TAIL_BYTES


def test_export_then_import_is_idempotent(store: Store, new_location) -> None:
    for i in range(3):
        record(store, run_events(f"r{i}", at=T0 + dt.timedelta(days=i), fail_at=2 if i else None))
    lines = [json.dumps(to_json(run)) for run in store.export_runs()]
    since = [run.id for run in store.export_runs(since=T0 + dt.timedelta(days=1))]
    assert since == ["r1", "r2"]
    other = open_store(new_location(), readonly=False)
    runs = [from_json(json.loads(line)) for line in lines]
    assert other.import_runs(runs) == (3, 0)
    assert other.import_runs(runs) == (0, 3)
    assert [json.dumps(to_json(run)) for run in other.export_runs()] == lines
    other.close()


def test_a_running_run_imported_reads_as_interrupted(store: Store, new_location) -> None:
    run = from_json(to_json(store_run_running(store)))
    fresh = open_store(new_location(), readonly=False)
    fresh.import_runs([run])
    assert fresh.get_run(run.id).status == RunStatus.interrupted
    fresh.close()


def store_run_running(store: Store):
    record(store, run_events("r1")[:2])
    return store.get_run("r1")


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({}, "id: Field required"),
        ({"id": "x"}, "runbook_id: Field required"),
    ],
)
def test_a_bad_export_line_names_its_field(store: Store, data: dict, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        from_json(data)


def test_reading_an_absent_store_says_so(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="no run history here"):
        open_store(tmp_path / "none.sqlite")


def test_steps_reported_from_many_threads_are_all_recorded(store: Store) -> None:
    import threading

    recorder = HistoryRecorder(store, heartbeat=0)
    events = run_events("fleet", steps=1)
    recorder(events[0])

    def host(name: str) -> None:
        for number in range(1, 21):
            recorder(StepFinished("fleet", result(number, host=name)))

    threads = [threading.Thread(target=host, args=(f"web-{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    recorder(events[-1])
    assert recorder.failures == []
    steps = store.get_run("fleet").steps
    assert [s.seq for s in steps] == list(range(1, 81))
    assert {s.host for s in steps} == {"web-0", "web-1", "web-2", "web-3"}


def test_a_rollback_run_is_linked_both_ways(store: Store) -> None:
    from runbookkit.display.history import describe
    from runbookkit.execute.events import RunFinished
    from tests.history.conftest import started

    failed = run_events("main", fail_at=1)
    failed[-1] = RunFinished("main", RunStatus.failed, 1, T0, failed_step=1, rollback_run="back")
    rollback = run_events("back", steps=2, at=T0 + dt.timedelta(seconds=5))
    rollback[0] = started("back", at=T0 + dt.timedelta(seconds=5), steps=2, rollback_of="main")
    record(store, failed + rollback)  # the rollback runs inside the failed run's listeners
    parent, child = store.get_run("main"), store.get_run("back")
    assert (parent.rollback_run, child.rollback_of, child.status) == ("back", "main", "passed")
    assert "  rolled back by run back" in describe(parent)
    assert "  rolls back run main" in describe(child)


def test_merging_a_run_adds_only_the_steps_and_ending_it_lacks(store: Store) -> None:
    whole = run_events("r1", steps=3)
    record(store, whole[:3])  # started and two steps: the run is still going
    spooled = from_json(to_json(store.get_run("r1")))
    spooled.steps.append(step_record(whole[3].result, 3))  # type: ignore[attr-defined]
    end = whole[-1]
    spooled.status, spooled.exit_code = RunStatus.passed, 0
    spooled.finished_at = end.finished_at  # type: ignore[attr-defined]
    assert store.merge_run(spooled) is False
    assert store.merge_run(spooled) is False  # again: nothing doubled
    run = store.get_run("r1")
    assert [s.seq for s in run.steps] == [1, 2, 3] and run.status == RunStatus.passed
    assert store.merge_run(from_json({**to_json(run), "id": "r2"})) is True
    assert sorted(r.id for r in store.list_runs()) == ["r1", "r2"]
    assert len(store.get_run("r2").steps) == 3
