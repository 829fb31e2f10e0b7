"""The PostgreSQL store: a team's shared history on the database server it already runs.

Needs psycopg 3 (``pip install 'runbookkit[postgres]'``). One connection in autocommit mode;
each write is one statement (one round trip) or one short transaction. A broken connection is
opened again on the next call, so a server that comes back is used again. Messages name the
store by its URL without the password (see :mod:`runbookkit.history.location`).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from runbookkit.errors import HistoryError
from runbookkit.execute.events import RunFinished, RunStatus
from runbookkit.history import liveness, migrations, pg_queries, queries
from runbookkit.history.location import shown
from runbookkit.history.records import RunRecord, StepRecord, timestamp
from runbookkit.history.store import (
    Row,
    StoreUnavailable,
    Transaction,
    by_id_or_prefix,
    by_runbook,
    export_batches,
    with_steps,
)

if TYPE_CHECKING:
    import psycopg

EXTRA = "runbookkit[postgres]"
CONNECT_TIMEOUT = 5  # seconds, unless the URL sets connect_timeout
# Milliseconds a write may stay unacknowledged before the connection counts as lost (a server
# gone without a word), unless the URL sets tcp_user_timeout: the run then spools.
TCP_USER_TIMEOUT = 10_000
# SQLSTATE classes of a store that is wrongly set up, not one that is away for now:
# 28 (authorization: a wrong password, an unknown user), 3D (no such database).
_MISCONFIGURED = ("28", "3D")
_AWAY = ("08", "57")


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise HistoryError(
            f"a PostgreSQL history store needs psycopg: pip install '{EXTRA}'"
        ) from None
    return psycopg


class PostgresStore:
    """Run history in a PostgreSQL database (see :class:`runbookkit.history.store.Store`)."""

    def __init__(self, url: str, conn: psycopg.Connection[Any], readonly: bool) -> None:
        self.url = url
        self.path = shown(url)
        self.readonly = readonly
        self._conn = conn
        self._lock = threading.Lock()  # the heartbeat thread shares the connection

    @classmethod
    def open(cls, url: str, *, readonly: bool = False) -> PostgresStore:
        """Connect, migrate and check the store at ``url``; unless ``readonly``, reap dead runs.

        Raises:
            StoreUnavailable: the server cannot be reached now.
            HistoryError: psycopg is missing, the login or database is wrong, or the database
                holds a newer runbookkit's store.
        """
        conn = _connect(url)
        store = cls(url, conn, readonly)
        try:
            with store._lock:
                store._guard(lambda: migrations.migrate_postgres(conn, store.path), "open")
            if not readonly:
                store.reap()
        except BaseException:
            conn.close()
            raise
        return store

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the connection ----------------------------------------------------------------------

    def _guard(self, work: Any, doing: str) -> Any:
        """Run ``work()`` (holding the lock), its psycopg errors turned into store errors."""
        pg = _psycopg()
        if self._conn.closed or self._conn.broken:
            self._conn = _connect(self.url)
        try:
            return work()
        except pg.Error as exc:
            raise _error(exc, doing, self.path) from None

    def _exec(self, sql: str, params: Any = None) -> None:
        with self._lock:
            self._guard(lambda: self._conn.execute(sql, params), "write")

    def _read(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        with self._lock:
            rows: list[dict[str, Any]] = self._guard(
                lambda: self._conn.execute(sql, params).fetchall(), "read"
            )
            return rows

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Transaction]:
        """A transaction on the store: written (committed at the end) or only read."""
        pg = _psycopg()
        with self._lock:
            if self._conn.closed or self._conn.broken:
                self._conn = _connect(self.url)
            try:
                if write:
                    with self._conn.transaction(), self._conn.cursor() as cur:
                        yield _Transaction(cur)
                else:
                    with self._conn.cursor() as cur:
                        yield _Transaction(cur)
            except pg.Error as exc:
                raise _error(exc, "write" if write else "read", self.path) from None

    # -- writing -----------------------------------------------------------------------------

    def begin_run(self, run: RunRecord) -> None:
        """Record that ``run`` started, and which process records it."""
        me = liveness.current()
        row = queries.run_row(run)
        row.update(machine=me.machine, pid=me.pid, process=me.token, heartbeat_at=_now())
        self._exec(pg_queries.INSERT_RUN, row)

    def record_step(self, run_id: str, step: StepRecord) -> None:
        """Record one finished step and the run's heartbeat, in one statement."""
        self._exec(pg_queries.RECORD_STEP, (*queries.step_row(run_id, step), _now(), run_id))

    def heartbeat(self, run_id: str) -> None:
        """Note that the run is still going."""
        self._exec(pg_queries.HEARTBEAT, (_now(), run_id))

    def finish_run(self, end: RunFinished) -> None:
        """Record how a run ended."""
        self._exec(pg_queries.FINISH_RUN, queries.finish_values(end))

    def reap(self) -> int:
        """Mark runs whose recording process died as ``interrupted``; returns how many."""
        dead = self._dead_runs()
        if dead:
            self._exec(pg_queries.REAP, {"dead": dead})
        return len(dead)

    def import_runs(self, runs: Iterable[RunRecord]) -> tuple[int, int]:
        """Add the runs whose id is not in the store yet; returns (added, already there)."""
        added = present = 0
        for run in runs:
            row = queries.run_row(run)
            if run.status == RunStatus.running:
                row["status"] = str(RunStatus.interrupted)
            if self._transaction(row, run, merge=False):
                added += 1
            else:
                present += 1
        return added, present

    def merge_run(self, run: RunRecord) -> bool:
        """Add ``run``, or the steps and the ending the store lacks; True if it was new."""
        return self._transaction(queries.run_row(run), run, merge=True)

    def _transaction(self, row: dict[str, Any], run: RunRecord, *, merge: bool) -> bool:
        steps = [queries.step_row(run.id, step) for step in run.steps]

        def work() -> bool:
            with self._conn.transaction(), self._conn.cursor() as cur:
                cur.execute(pg_queries.INSERT_RUN_IF_NEW, row)
                new = cur.rowcount == 1
                if not new and not merge:
                    return False
                if not new:
                    cur.execute(pg_queries.MERGE_END, row)
                if steps:
                    cur.executemany(pg_queries.INSERT_STEP_IF_NEW, steps)
                return new

        with self._lock:
            new: bool = self._guard(work, "write")
            return new

    # -- reading -----------------------------------------------------------------------------

    def _dead_runs(self) -> list[str]:
        return liveness.dead_runs(self._read(pg_queries.RUNNING))

    def list_runs(
        self,
        *,
        runbook: str | None = None,
        section: str | None = None,
        status: str | None = None,
        since: dt.datetime | None = None,
        limit: int | None = 20,
    ) -> list[RunRecord]:
        """Runs newest first, without their steps, filtered by the arguments that are given."""
        sql = pg_queries.list_runs(runbook=runbook, section=section, status=status, since=since)
        params: dict[str, Any] = {"dead": self._dead_runs(), "limit": limit}
        params.update(runbook=runbook, section=section, status=status)
        params["since"] = timestamp(since) if since else None
        return [queries.run_from_row(row) for row in self._read(sql, params)]

    def get_run(self, run_id: str) -> RunRecord:
        """One run with its steps, by id or a unique prefix of it."""
        rows = self._read(pg_queries.RUN_BY_PREFIX, {"dead": self._dead_runs(), "id": run_id})
        row = by_id_or_prefix(rows, run_id, "run", self.path)
        return self._with_steps([queries.run_from_row(row)])[0]

    def runs_by_runbook(
        self, limit_per_runbook: int | None = 20, *, steps: bool = True
    ) -> dict[str, list[RunRecord]]:
        """The latest runs of every runbook, newest first, keyed by runbook id."""
        params = {"dead": self._dead_runs(), "limit": limit_per_runbook}
        rows = self._read(pg_queries.LATEST_PER_RUNBOOK, params)
        runs = [queries.run_from_row(row) for row in rows]
        return by_runbook(self._with_steps(runs) if steps else runs)

    def steps_of(
        self, run_ids: Sequence[str], *, failed: bool = False
    ) -> dict[str, list[StepRecord]]:
        """The steps of the given runs in recording order, keyed by run id; with ``failed``,
        only the steps that failed or hit an error."""
        sql = pg_queries.FAILED_STEPS_OF_RUNS if failed else pg_queries.STEPS_OF_RUNS
        found: dict[str, list[StepRecord]] = {}
        for row in self._read(sql, {"ids": list(run_ids)}):
            found.setdefault(row["run_id"], []).append(queries.step_from_row(row))
        return found

    def host_outcomes(self, run_ids: Sequence[str]) -> dict[str, dict[str, bool]]:
        """For each fleet run among ``run_ids``: its hosts, each with whether a step failed."""
        found: dict[str, dict[str, bool]] = {}
        for row in self._read(pg_queries.HOSTS_OF_RUNS, {"ids": list(run_ids)}):
            found.setdefault(row["run_id"], {})[row["host"]] = bool(row["failed"])
        return found

    def run_counts(self, since: dt.datetime | None = None) -> dict[str, int]:
        """How many runs each runbook has had (started at or after ``since``)."""
        rows = self._read(pg_queries.RUN_COUNTS, {"since": timestamp(since) if since else ""})
        return {row["runbook_id"]: int(row["n"]) for row in rows}

    def export_runs(self, since: dt.datetime | None = None) -> Iterator[RunRecord]:
        """Every run (with steps) started at or after ``since``, oldest first, in batches."""
        dead = self._dead_runs()

        def batch(at: str, after: str) -> list[RunRecord]:
            params = {"dead": dead, "at": at, "id": after, "batch": 500}
            rows = self._read(pg_queries.EXPORT_BATCH, params)
            return [queries.run_from_row(row) for row in rows]

        for runs in export_batches(batch, since):
            yield from self._with_steps(runs)

    def _with_steps(self, runs: list[RunRecord]) -> list[RunRecord]:
        return with_steps(runs, self.steps_of([run.id for run in runs]))


class _Transaction:
    """Statements on a PostgreSQL cursor inside a transaction (see ``Store.transaction``)."""

    def __init__(self, cur: psycopg.Cursor[Any]) -> None:
        self._cur = cur

    def one(self, sql: str, params: Mapping[str, Any]) -> Row | None:
        row: Row | None = self._cur.execute(pg_queries.named(sql), params).fetchone()
        return row

    def all(self, sql: str, params: Mapping[str, Any]) -> list[Row]:
        return list(self._cur.execute(pg_queries.named(sql), params).fetchall())

    def execute(self, sql: str, params: Mapping[str, Any]) -> int:
        return self._cur.execute(pg_queries.named(sql), params).rowcount


def _connect(url: str) -> psycopg.Connection[Any]:
    pg = _psycopg()
    from psycopg.rows import dict_row

    options: dict[str, Any] = {"autocommit": True, "row_factory": dict_row}
    if "connect_timeout" not in url:
        options["connect_timeout"] = CONNECT_TIMEOUT
    if "tcp_user_timeout" not in url:
        options["tcp_user_timeout"] = TCP_USER_TIMEOUT
    try:
        conn: psycopg.Connection[Any] = pg.connect(url, **options)
    except pg.Error as exc:
        raise _error(exc, "connect", shown(url)) from None
    return conn


def _error(exc: Exception, doing: str, where: str) -> HistoryError:
    """A store error for a psycopg one, in one line, without the password (libpq never says it)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = "; ".join(dict.fromkeys(lines)) or type(exc).__name__
    state = getattr(exc, "sqlstate", None) or ""
    if "password authentication failed" in text or state[:2] in _MISCONFIGURED:
        return HistoryError(f"cannot log in to the PostgreSQL history ({text})", path=where)
    conn = getattr(exc, "conn", None)
    lost = doing == "connect" or conn is None or conn.broken or conn.closed
    # 08: connection exceptions; 57: the server shutting down, crashed or not yet up.
    away = state[:2] in _AWAY or (
        lost and type(exc).__name__ in ("OperationalError", "InterfaceError")
    )
    what = {"connect": "connect to", "open": "open", "read": "read", "write": "write"}[doing]
    if away:
        return StoreUnavailable(f"cannot {what} the PostgreSQL history ({text})", path=where)
    return HistoryError(f"cannot {what} the PostgreSQL history ({text})", path=where)


def _now() -> str:
    return timestamp(dt.datetime.now(dt.UTC))
