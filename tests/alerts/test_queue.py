"""The alert queue in the history store: dedup, states, claims, restarts; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from runbookkit.alerts.event import AlertEvent, AlertSource, AlertState
from runbookkit.alerts.queue import AlertQueue
from runbookkit.history import open_store


def event(key: str, **labels: str) -> AlertEvent:
    return AlertEvent(
        source=AlertSource.alertmanager,
        state=AlertState.firing,
        key=key,
        name="RedisDown",
        received_at=dt.datetime.now(dt.UTC),
        starts_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        labels=labels,
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "history.sqlite")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def queue(location: str) -> Iterator[AlertQueue]:
    opened = AlertQueue.open(location)
    yield opened
    opened.close()


def test_a_repeat_is_counted_not_queued_again(queue: AlertQueue) -> None:
    first, new = queue.offer(event("fp1", job="redis"), "redis-down", section="diagnosis")
    assert new and first.state == "queued" and first.labels == {"job": "redis"}
    again, new = queue.offer(event("fp1", job="redis"), "redis-down", section="diagnosis")
    assert not new and (again.id, again.repeats) == (first.id, 1)
    other, new = queue.offer(event("fp1"), "other-runbook")
    assert new and other.id != first.id
    assert queue.counts()["queued"] == 2


def test_claim_run_finish_and_resolve(queue: AlertQueue) -> None:
    job, _ = queue.offer(event("fp1"), "redis-down", section="diagnosis", host="127.0.0.1")
    claimed = queue.claim()
    assert claimed is not None and (claimed.id, claimed.state, claimed.host) == (
        job.id,
        "running",
        "127.0.0.1",
    )
    assert queue.claim() is None
    queue.started(job.id, "run-1")
    queue.finish(job.id, "passed")
    [done] = queue.jobs(state="done")
    assert (done.run_id, done.outcome, done.closed_at) == ("run-1", "passed", None)
    _, new = queue.offer(event("fp1"), "redis-down")
    assert not new  # still firing: its diagnosis is done, it is not run again
    [closed] = queue.resolve("fp1")
    assert closed.closed_at is not None
    _, new = queue.offer(event("fp1"), "redis-down")
    assert new  # it fires again after resolving: a new row and a new run


def test_a_done_row_is_run_again_after_the_dedup_window(queue: AlertQueue) -> None:
    job, _ = queue.offer(event("fp1"), "redis-down")
    assert queue.claim() is not None
    queue.finish(job.id, "passed")
    _, new = queue.offer(event("fp1"), "redis-down", window=dt.timedelta(0))
    assert new


def test_resolved_before_it_ran(queue: AlertQueue) -> None:
    queue.offer(event("fp1"), "redis-down")
    [closed] = queue.resolve("fp1")
    assert (closed.state, closed.outcome) == ("done", "resolved before it ran")
    assert queue.claim() is None


def test_unrouted_alerts_are_recorded(queue: AlertQueue) -> None:
    job, new = queue.offer(event("fp9"), None)
    assert new and (job.state, job.runbook_id) == ("unrouted", "")
    assert queue.claim() is None
    assert queue.counts()["unrouted"] == 1


def test_claims_from_threads_take_each_row_once(queue: AlertQueue) -> None:
    for n in range(40):
        queue.offer(event(f"fp{n}"), "redis-down")
    taken: list[int] = []

    def work() -> None:
        while (job := queue.claim()) is not None:
            taken.append(job.id)

    workers = [threading.Thread(target=work) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(taken) == sorted(set(taken)) and len(taken) == 40


def test_a_row_whose_process_died_is_queued_again(queue: AlertQueue, location: str) -> None:
    queue.offer(event("fp1"), "redis-down")
    queue.offer(event("fp2"), "redis-down")
    code = (
        "import sys; from runbookkit.alerts.queue import AlertQueue; "
        "q = AlertQueue.open(sys.argv[1]); print(q.claim().id)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, location], capture_output=True, text=True, check=True
    )
    dead_claim = int(out.stdout)
    mine = queue.claim()
    assert mine is not None and mine.id != dead_claim
    assert queue.requeue_dead() == 1  # the other process exited; this one's claim stays
    again = queue.claim()
    assert again is not None and again.id == dead_claim
    assert queue.requeue_dead() == 0


def test_the_queue_lives_in_the_history_store(location: str, queue: AlertQueue) -> None:
    with open_store(location, readonly=True) as store:
        assert store.list_runs() == []  # the same store, migrated: runs and the queue beside it
    queue.offer(event("fp1"), "redis-down")
    reopened = AlertQueue.open(location)
    try:
        assert reopened.counts()["queued"] == 1
    finally:
        reopened.close()


def test_repeats_do_not_hold_off_the_next_run(queue: AlertQueue) -> None:
    job, _ = queue.offer(event("fp1"), "redis-down")
    assert queue.claim() is not None
    queue.finish(job.id, "passed")
    time.sleep(0.2)
    assert not queue.offer(event("fp1"), "redis-down", window=dt.timedelta(hours=1))[1]
    # A repeat came just now; the window counts from the finish all the same.
    _, new = queue.offer(event("fp1"), "redis-down", window=dt.timedelta(seconds=0.15))
    assert new
