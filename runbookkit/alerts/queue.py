"""The alert queue: a table of the history store, so a burst loses nothing and a restart resumes.

One row per (alert key, runbook) while the alert is open: a repeat of an open alert is counted
(``repeats``), not run again; the row closes when the alert resolves (or, once its run is done,
when a repeat comes after the dedup window). States: ``queued`` → ``running`` (claimed by one
process, stamped with its machine, PID and process token) → ``done``; ``unrouted`` for an alert
no runbook answers. A ``running`` row whose process died goes back to ``queued``
(:meth:`AlertQueue.requeue_dead`). The same SQL serves SQLite and PostgreSQL, through the
store's own transactions (so the queue and the runs share one connection and one write lock).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runbookkit.alerts.event import AlertEvent
from runbookkit.history import liveness
from runbookkit.history.location import parse
from runbookkit.history.records import parse_timestamp, timestamp
from runbookkit.history.store import Transactional

STATES = ("unrouted", "queued", "running", "done")
DEDUP_WINDOW = dt.timedelta(hours=1)
_COLUMNS = (
    "id, alert_key, runbook_id, section, rule, source, name, labels, host, state, repeats, "
    "received_at, starts_at, run_id, outcome, closed_at"
)
_OFFER = f"""
INSERT INTO alert_queue (alert_key, runbook_id, section, rule, source, name, labels, host, state,
    received_at, starts_at, updated_at)
VALUES (:key, :runbook, :section, :rule, :source, :name, :labels, :host, :state, :received,
    :starts, :now)
ON CONFLICT (alert_key, runbook_id) WHERE closed_at IS NULL
DO UPDATE SET repeats = alert_queue.repeats + 1
RETURNING {_COLUMNS}"""
_CLOSE_STALE = """
UPDATE alert_queue SET closed_at = :now WHERE alert_key = :key AND runbook_id = :runbook
    AND closed_at IS NULL AND state IN ('done', 'unrouted') AND updated_at < :stale"""
_CLAIM = f"""
UPDATE alert_queue SET state = 'running', machine = :machine, pid = :pid, process = :process,
    heartbeat_at = :now, updated_at = :now
WHERE id = (SELECT id FROM alert_queue WHERE state = 'queued' ORDER BY id LIMIT 1{{lock}})
RETURNING {_COLUMNS}"""
_RESOLVE = f"""
UPDATE alert_queue SET closed_at = :now, updated_at = :now,
    outcome = CASE WHEN state = 'queued' THEN 'resolved before it ran' ELSE outcome END,
    state = CASE WHEN state = 'queued' THEN 'done' ELSE state END
WHERE alert_key = :key AND closed_at IS NULL RETURNING {_COLUMNS}"""
_STARTED = "UPDATE alert_queue SET run_id = :run WHERE id = :id"
_FINISH = """
UPDATE alert_queue SET state = 'done', outcome = :outcome, run_id = COALESCE(:run, run_id),
    updated_at = :now WHERE id = :id"""
_BEAT = """
UPDATE alert_queue SET heartbeat_at = :now WHERE state = 'running' AND machine = :machine
    AND pid = :pid"""
_RUNNING = "SELECT id, machine, pid, process, heartbeat_at FROM alert_queue WHERE state = 'running'"
_REQUEUE = """
UPDATE alert_queue SET state = 'queued', machine = NULL, pid = NULL, process = NULL,
    heartbeat_at = NULL, run_id = NULL, updated_at = :now WHERE id = :id AND state = 'running'"""
_COUNTS = "SELECT state, count(*) AS n FROM alert_queue GROUP BY state"


@dataclass(frozen=True)
class Job:
    """One row of the queue: an open alert and the runbook (and section) it runs."""

    id: int
    alert_key: str
    runbook_id: str  # '' when unrouted
    section: str | None
    rule: str | None
    source: str
    name: str
    labels: dict[str, str]
    host: str | None
    state: str
    repeats: int
    received_at: dt.datetime
    starts_at: dt.datetime | None
    run_id: str | None
    outcome: str | None
    closed_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: Any) -> Job:
        """A job from a row of :data:`_COLUMNS`."""
        data = dict(row)
        for name in ("received_at", "starts_at", "closed_at"):
            data[name] = parse_timestamp(data[name]) if data[name] else None
        data["labels"] = json.loads(data["labels"])
        return cls(**data)


class AlertQueue:
    """The queue in a history store (a path or ``postgresql://`` URL, or an open store), read
    and written through the store's own transactions."""

    def __init__(self, store: Transactional, *, owned: bool = False) -> None:
        self.store = store
        self.path = store.path
        self.backend = parse(store.path).backend  # "postgresql" for its URL, else "sqlite"
        self._owned = owned

    @classmethod
    def open(cls, location: str | Path) -> AlertQueue:
        """Open (creating and migrating) the store at ``location`` and its queue; closing the
        queue closes the store.

        Raises:
            HistoryError: the store cannot be opened or written (see ``open_store``).
        """
        from runbookkit.history import open_store

        store = open_store(location, readonly=False)
        assert isinstance(store, Transactional)
        return cls(store, owned=True)

    def close(self) -> None:
        """Close the store, when the queue opened it."""
        if self._owned:
            self.store.close()  # type: ignore[attr-defined]

    def offer(
        self,
        event: AlertEvent,
        runbook_id: str | None,
        *,
        section: str | None = None,
        rule: str | None = None,
        host: str | None = None,
        window: dt.timedelta = DEDUP_WINDOW,
    ) -> tuple[Job, bool]:
        """Queue a firing alert's run (``runbook_id`` None: record it as unrouted).

        Returns the alert's open row and whether it is new; an alert already open is counted
        as a repeat and not queued again, unless its run finished (or it was recorded unrouted)
        more than ``window`` ago: then it is closed and a new run queued. Repeats do not move
        that time, so an alert that keeps firing is diagnosed again once per ``window``.
        """
        now = dt.datetime.now(dt.UTC)
        params = {
            "key": event.key,
            "runbook": runbook_id or "",
            "section": section,
            "rule": rule,
            "source": str(event.source),
            "name": event.name,
            "labels": json.dumps(event.labels, sort_keys=True),
            "host": host,
            "state": "queued" if runbook_id else "unrouted",
            "received": timestamp(event.received_at),
            "starts": timestamp(event.starts_at) if event.starts_at else None,
            "now": timestamp(now),
            "stale": timestamp(now - window),
        }
        with self.store.transaction() as tx:
            tx.execute(_CLOSE_STALE, params)
            [row] = tx.all(_OFFER, params)
        job = Job.from_row(row)
        return job, job.repeats == 0

    def resolve(self, key: str) -> list[Job]:
        """Close the open rows of alert ``key`` (it resolved); a row still queued is done
        without a run. Returns the rows closed."""
        with self.store.transaction() as tx:
            rows = tx.all(_RESOLVE, {"now": _now(), "key": key})
        return [Job.from_row(row) for row in rows]

    def claim(self) -> Job | None:
        """Take the oldest queued row for this process (None: nothing is queued)."""
        me = liveness.current()
        lock = " FOR UPDATE SKIP LOCKED" if self.backend == "postgresql" else ""
        params = {"machine": me.machine, "pid": me.pid, "process": me.token, "now": _now()}
        with self.store.transaction() as tx:
            rows = tx.all(_CLAIM.format(lock=lock), params)
        return Job.from_row(rows[0]) if rows else None

    def started(self, job_id: int, run_id: str) -> None:
        """Note the run a claimed row started."""
        with self.store.transaction() as tx:
            tx.execute(_STARTED, {"run": run_id, "id": job_id})

    def finish(self, job_id: int, outcome: str, run_id: str | None = None) -> None:
        """Mark a claimed row done, with how its run ended (``passed``, ``incomplete: …``)."""
        with self.store.transaction() as tx:
            tx.execute(_FINISH, {"outcome": outcome, "run": run_id, "now": _now(), "id": job_id})

    def heartbeat(self) -> None:
        """Note that this process's running rows are still being worked on."""
        me = liveness.current()
        with self.store.transaction() as tx:
            tx.execute(_BEAT, {"now": _now(), "machine": me.machine, "pid": me.pid})

    def requeue_dead(self) -> int:
        """Put the running rows whose process is gone back in the queue; returns how many."""
        with self.store.transaction() as tx:
            dead = liveness.dead_runs(tx.all(_RUNNING, {}))
            for job_id in dead:
                tx.execute(_REQUEUE, {"now": _now(), "id": job_id})
        return len(dead)

    def counts(self) -> dict[str, int]:
        """How many rows are in each state (open or not)."""
        with self.store.transaction(write=False) as tx:
            rows = tx.all(_COUNTS, {})
        found = dict.fromkeys(STATES, 0)
        found.update({row["state"]: int(row["n"]) for row in rows})
        return found

    def jobs(self, *, state: str | None = None, limit: int = 100) -> list[Job]:
        """Rows newest first (of one state, when given)."""
        where = "WHERE state = :state " if state else ""
        sql = f"SELECT {_COLUMNS} FROM alert_queue {where}ORDER BY id DESC LIMIT :limit"
        with self.store.transaction(write=False) as tx:
            rows = tx.all(sql, {"state": state, "limit": limit})
        return [Job.from_row(row) for row in rows]


def _now() -> str:
    return timestamp(dt.datetime.now(dt.UTC))
