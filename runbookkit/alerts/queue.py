"""The alert queue: a table of the history store, so a burst loses nothing and a restart resumes.

One row per (alert key, runbook) while the alert is open: a repeat of an open alert is counted
(``repeats``), not run again; the row closes when the alert resolves (or, once its run is done,
when a repeat comes after the dedup window). States: ``queued`` → ``running`` (claimed by one
process, stamped with its machine, PID and process token) → ``done``; ``unrouted`` for an alert
no runbook answers. A ``running`` row whose process died goes back to ``queued``
(:meth:`AlertQueue.requeue_dead`). The same SQL serves SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runbookkit.alerts.event import AlertEvent
from runbookkit.errors import HistoryError
from runbookkit.history import process
from runbookkit.history.records import parse_timestamp, timestamp

STATES = ("unrouted", "queued", "running", "done")
DEDUP_WINDOW = dt.timedelta(hours=1)
_COLUMNS = (
    "id, alert_key, runbook_id, section, rule, source, name, labels, host, state, repeats, "
    "received_at, starts_at, run_id, outcome, closed_at"
)
_OFFER = f"""
INSERT INTO alert_queue (alert_key, runbook_id, section, rule, source, name, labels, host, state,
    received_at, starts_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (alert_key, runbook_id) WHERE closed_at IS NULL
DO UPDATE SET repeats = alert_queue.repeats + 1
RETURNING {_COLUMNS}"""
_CLAIM = f"""
UPDATE alert_queue SET state = 'running', machine = ?, pid = ?, process = ?, heartbeat_at = ?,
    updated_at = ?
WHERE id = (SELECT id FROM alert_queue WHERE state = 'queued' ORDER BY id LIMIT 1{{lock}})
RETURNING {_COLUMNS}"""


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
    """The queue in the history store at ``location`` (a path or a ``postgresql://`` URL)."""

    def __init__(self, conn: Any, backend: str, where: str) -> None:
        self._conn = conn
        self.backend = backend
        self.path = where
        self._lock = threading.Lock()

    @classmethod
    def open(cls, location: str | Path) -> AlertQueue:
        """Open (creating and migrating) the store at ``location`` and its queue.

        Raises:
            HistoryError: the store cannot be opened or written (see ``open_store``).
        """
        from runbookkit.history import open_store
        from runbookkit.history.location import parse

        where = parse(location)
        open_store(location, readonly=False).close()  # creates it, migrates it, reaps dead runs
        if where.backend == "postgresql":
            from runbookkit.history.postgres import connect

            return cls(connect(where.target), "postgresql", where.shown)
        import sqlite3

        from runbookkit.history.sqlite import BUSY_TIMEOUT

        conn = sqlite3.connect(
            where.path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
        )
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA synchronous = NORMAL")  # as the store: durable across a crash
        return cls(conn, "sqlite", where.shown)

    def close(self) -> None:
        """Close the queue's connection."""
        with self._lock:
            self._conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        """Run statements as one transaction, holding the write lock (SQLite) from the start."""
        with self._lock:
            try:
                if self.backend == "postgresql":
                    with self._conn.transaction():
                        yield self._conn
                    return
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                    self._conn.execute("COMMIT")
                except BaseException:
                    if self._conn.in_transaction:
                        self._conn.execute("ROLLBACK")
                    raise
            except HistoryError:
                raise
            except Exception as exc:  # sqlite3.Error or psycopg.Error
                raise HistoryError(f"alert queue: {exc}", path=self.path) from None

    def _sql(self, text: str) -> str:
        return text.replace("?", "%s") if self.backend == "postgresql" else text

    def _all(self, conn: Any, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        return list(conn.execute(self._sql(sql), params).fetchall())

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
        now = timestamp(dt.datetime.now(dt.UTC))
        stale = timestamp(dt.datetime.now(dt.UTC) - window)
        runbook = runbook_id or ""
        state = "queued" if runbook_id else "unrouted"
        labels = json.dumps(event.labels, sort_keys=True)
        starts = timestamp(event.starts_at) if event.starts_at else None
        received = timestamp(event.received_at)
        with self._transaction() as conn:
            conn.execute(
                self._sql(
                    "UPDATE alert_queue SET closed_at = ? WHERE alert_key = ? AND runbook_id = ? "
                    "AND closed_at IS NULL AND state IN ('done', 'unrouted') AND updated_at < ?"
                ),
                (now, event.key, runbook, stale),
            )
            [row] = self._all(
                conn,
                _OFFER,
                (
                    event.key,
                    runbook,
                    section,
                    rule,
                    str(event.source),
                    event.name,
                    labels,
                    host,
                    state,
                    received,
                    starts,
                    now,
                ),
            )
        job = Job.from_row(row)
        return job, job.repeats == 0

    def resolve(self, key: str) -> list[Job]:
        """Close the open rows of alert ``key`` (it resolved); a row still queued is done
        without a run. Returns the rows closed."""
        now = timestamp(dt.datetime.now(dt.UTC))
        with self._transaction() as conn:
            rows = self._all(
                conn,
                "UPDATE alert_queue SET closed_at = ?, updated_at = ?, "
                "outcome = CASE WHEN state = 'queued' THEN 'resolved before it ran' "
                "ELSE outcome END, "
                "state = CASE WHEN state = 'queued' THEN 'done' ELSE state END "
                f"WHERE alert_key = ? AND closed_at IS NULL RETURNING {_COLUMNS}",
                (now, now, key),
            )
        return [Job.from_row(row) for row in rows]

    def claim(self) -> Job | None:
        """Take the oldest queued row for this process (None: nothing is queued)."""
        me = process.current()
        now = timestamp(dt.datetime.now(dt.UTC))
        lock = " FOR UPDATE SKIP LOCKED" if self.backend == "postgresql" else ""
        with self._transaction() as conn:
            rows = self._all(
                conn, _CLAIM.format(lock=lock), (me.machine, me.pid, me.token, now, now)
            )
        return Job.from_row(rows[0]) if rows else None

    def started(self, job_id: int, run_id: str) -> None:
        """Note the run a claimed row started."""
        with self._transaction() as conn:
            conn.execute(
                self._sql("UPDATE alert_queue SET run_id = ? WHERE id = ?"), (run_id, job_id)
            )

    def finish(self, job_id: int, outcome: str, run_id: str | None = None) -> None:
        """Mark a claimed row done, with how its run ended (``passed``, ``incomplete: …``)."""
        now = timestamp(dt.datetime.now(dt.UTC))
        with self._transaction() as conn:
            conn.execute(
                self._sql(
                    "UPDATE alert_queue SET state = 'done', outcome = ?, "
                    "run_id = COALESCE(?, run_id), updated_at = ? WHERE id = ?"
                ),
                (outcome, run_id, now, job_id),
            )

    def heartbeat(self) -> None:
        """Note that this process's running rows are still being worked on."""
        me = process.current()
        now = timestamp(dt.datetime.now(dt.UTC))
        with self._transaction() as conn:
            conn.execute(
                self._sql(
                    "UPDATE alert_queue SET heartbeat_at = ? WHERE state = 'running' "
                    "AND machine = ? AND pid = ?"
                ),
                (now, me.machine, me.pid),
            )

    def requeue_dead(self) -> int:
        """Put the running rows whose process is gone back in the queue; returns how many."""
        now = timestamp(dt.datetime.now(dt.UTC))
        with self._transaction() as conn:
            rows = self._all(
                conn,
                "SELECT id, machine, pid, process, heartbeat_at FROM alert_queue "
                "WHERE state = 'running'",
            )
            dead = process.dead_runs(rows)
            for job_id in dead:
                conn.execute(
                    self._sql(
                        "UPDATE alert_queue SET state = 'queued', machine = NULL, pid = NULL, "
                        "process = NULL, heartbeat_at = NULL, run_id = NULL, updated_at = ? "
                        "WHERE id = ? AND state = 'running'"
                    ),
                    (now, job_id),
                )
        return len(dead)

    def counts(self) -> dict[str, int]:
        """How many rows are in each state (open or not)."""
        with self._transaction() as conn:
            rows = self._all(conn, "SELECT state, count(*) AS n FROM alert_queue GROUP BY state")
        found = dict.fromkeys(STATES, 0)
        found.update({row["state"]: int(row["n"]) for row in rows})
        return found

    def jobs(self, *, state: str | None = None, limit: int = 100) -> list[Job]:
        """Rows newest first (of one state, when given)."""
        where = "WHERE state = ? " if state else ""
        params: tuple[Any, ...] = (state, limit) if state else (limit,)
        with self._transaction() as conn:
            rows = self._all(
                conn, f"SELECT {_COLUMNS} FROM alert_queue {where}ORDER BY id DESC LIMIT ?", params
            )
        return [Job.from_row(row) for row in rows]
