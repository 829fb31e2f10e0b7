"""The SQLite store: one file, WAL mode, each write its own short transaction.

Writers take the write lock up front (``BEGIN IMMEDIATE``) and wait for it up to a busy timeout,
so two runs recording into one store at once both get through. A run still marked ``running``
whose process is gone reads as ``interrupted`` (see :mod:`runbookkit.history.liveness`).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from runbookkit.errors import HistoryError
from runbookkit.execute.events import RunFinished, RunStatus
from runbookkit.history import liveness, migrations, queries
from runbookkit.history.records import RunRecord, StepRecord, timestamp
from runbookkit.history.store import (
    Row,
    Transaction,
    by_id_or_prefix,
    by_runbook,
    export_batches,
    with_steps,
)

BUSY_TIMEOUT = 30.0  # seconds a writer waits for another one before giving up


class SQLiteStore:
    """Run history in one SQLite file (see :class:`runbookkit.history.store.Store`)."""

    def __init__(self, conn: sqlite3.Connection, path: str, readonly: bool) -> None:
        self.path = path
        self.readonly = readonly
        self._conn = conn
        self._lock = threading.Lock()  # the heartbeat thread shares the connection

    @classmethod
    def open(cls, path: str | Path, *, readonly: bool = False) -> SQLiteStore:
        """Open (or, unless ``readonly``, create) the store at ``path``, migrated and checked.

        A writable store is proved writable here, before a run starts. Raises:
            HistoryError: the file cannot be created, read or written, or is not a store.
        """
        where = str(path)
        try:
            if readonly:
                conn = _connect_readonly(Path(path), where)
            else:
                conn = _connect_writable(Path(path), where)
        except sqlite3.Error as exc:
            raise HistoryError(_explain(exc, readonly), path=where) from None
        store = cls(conn, where, readonly)
        if not readonly:
            store.reap()
        return store

    def close(self) -> None:
        """Close the connection (the last one to close folds the WAL back into the file)."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -----------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise HistoryError(f"cannot write run history: {exc}", path=self.path) from None

    def begin_run(self, run: RunRecord) -> None:
        """Record that ``run`` started, and which process records it."""
        me = liveness.current()
        row = queries.run_row(run)
        row.update(machine=me.machine, pid=me.pid, process=me.token, heartbeat_at=_now())
        with self._write() as conn:
            conn.execute(queries.INSERT_RUN, row)

    def record_step(self, run_id: str, step: StepRecord) -> None:
        """Record one finished step in its own transaction."""
        row = queries.step_row(run_id, step)
        with self._write() as conn:
            conn.execute(queries.INSERT_STEP, row)
            conn.execute("UPDATE runs SET heartbeat_at = ? WHERE id = ?", (_now(), run_id))

    def heartbeat(self, run_id: str) -> None:
        """Note that the run is still going."""
        with self._write() as conn:
            conn.execute("UPDATE runs SET heartbeat_at = ? WHERE id = ?", (_now(), run_id))

    def finish_run(self, end: RunFinished) -> None:
        """Record how a run ended."""
        with self._write() as conn:
            conn.execute(queries.FINISH_RUN, queries.finish_values(end))

    def reap(self) -> int:
        """Mark runs whose recording process died as ``interrupted``; returns how many."""
        dead = self._dead_runs()
        if dead:
            with self._write() as conn:
                conn.execute(queries.REAP, {"dead": json.dumps(dead)})
        return len(dead)

    def import_runs(self, runs: Iterable[RunRecord]) -> tuple[int, int]:
        """Add the runs whose id is not in the store yet; returns (added, already there)."""
        added = present = 0
        for run in runs:
            row = queries.run_row(run)
            if run.status == RunStatus.running:
                # Nobody will ever finish it here: its recording process writes elsewhere.
                row["status"] = str(RunStatus.interrupted)
            with self._write() as conn:
                if conn.execute(queries.INSERT_RUN_IF_NEW, row).rowcount == 0:
                    present += 1
                    continue
                conn.executemany(
                    queries.INSERT_STEP, [queries.step_row(run.id, s) for s in run.steps]
                )
                added += 1
        return added, present

    def merge_run(self, run: RunRecord) -> bool:
        """Add ``run``, or the steps and the ending the store lacks; True if it was new."""
        row = queries.run_row(run)
        with self._write() as conn:
            new = conn.execute(queries.INSERT_RUN_IF_NEW, row).rowcount == 1
            if not new:
                conn.execute(queries.MERGE_END, row)
            conn.executemany(
                queries.INSERT_STEP_IF_NEW, [queries.step_row(run.id, s) for s in run.steps]
            )
        return new

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Transaction]:
        """A transaction on the store: written (``BEGIN IMMEDIATE``) or only read."""
        if write:
            with self._write() as conn:
                yield _Transaction(conn)
            return
        with self._lock:
            try:
                yield _Transaction(self._conn)
            except sqlite3.Error as exc:
                raise HistoryError(f"cannot read run history: {exc}", path=self.path) from None

    def forget(self, run_ids: Iterable[str]) -> None:
        """Delete runs with their steps (a spool, once they are sent)."""
        with self._write() as conn:
            conn.executemany(queries.DELETE_RUN, [(run_id,) for run_id in run_ids])

    # -- reading -----------------------------------------------------------------------------

    def _read(self, sql: str, params: dict[str, Any] | tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise HistoryError(f"cannot read run history: {exc}", path=self.path) from None

    def _dead_runs(self) -> list[str]:
        return liveness.dead_runs(self._read(queries.RUNNING))

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
        params: dict[str, Any] = {"dead": json.dumps(self._dead_runs()), "limit": limit or -1}
        sql = queries.list_runs(runbook=runbook, section=section, status=status, since=since)
        params.update(runbook=runbook, section=section, status=status)
        params["since"] = timestamp(since) if since else None
        return [queries.run_from_row(row) for row in self._read(sql, params)]

    def get_run(self, run_id: str) -> RunRecord:
        """One run with its steps, by id or a unique prefix of it."""
        dead = json.dumps(self._dead_runs())
        rows = self._read(queries.RUN_BY_PREFIX, {"dead": dead, "id": run_id})
        row = by_id_or_prefix(rows, run_id, "run", self.path)
        return self._with_steps([queries.run_from_row(row)])[0]

    def runs_by_runbook(
        self, limit_per_runbook: int | None = 20, *, steps: bool = True
    ) -> dict[str, list[RunRecord]]:
        """The latest runs of every runbook, newest first, keyed by runbook id.

        Each run comes with its steps unless ``steps`` is false.
        """
        params = {"dead": json.dumps(self._dead_runs()), "limit": limit_per_runbook or -1}
        runs = [queries.run_from_row(row) for row in self._read(queries.LATEST_PER_RUNBOOK, params)]
        return by_runbook(self._with_steps(runs) if steps else runs)

    def steps_of(
        self, run_ids: Sequence[str], *, failed: bool = False
    ) -> dict[str, list[StepRecord]]:
        """The steps of the given runs in recording order, keyed by run id (a run without any
        is left out); with ``failed``, only the steps that failed or hit an error."""
        sql = queries.FAILED_STEPS_OF_RUNS if failed else queries.STEPS_OF_RUNS
        found: dict[str, list[StepRecord]] = {}
        for batch in _batches(run_ids):
            for row in self._read(sql, {"ids": batch}):
                found.setdefault(row["run_id"], []).append(queries.step_from_row(row))
        return found

    def host_outcomes(self, run_ids: Sequence[str]) -> dict[str, dict[str, bool]]:
        """For each fleet run among ``run_ids``: its hosts in recording order, each with
        whether a step failed there."""
        found: dict[str, dict[str, bool]] = {}
        for batch in _batches(run_ids):
            for row in self._read(queries.HOSTS_OF_RUNS, {"ids": batch}):
                found.setdefault(row["run_id"], {})[row["host"]] = bool(row["failed"])
        return found

    def run_counts(self, since: dt.datetime | None = None) -> dict[str, int]:
        """How many runs each runbook has had (started at or after ``since``)."""
        rows = self._read(queries.RUN_COUNTS, {"since": timestamp(since) if since else ""})
        return {row[0]: row[1] for row in rows}

    def export_runs(self, since: dt.datetime | None = None) -> Iterator[RunRecord]:
        """Every run (with steps) started at or after ``since``, oldest first, in batches."""
        dead = json.dumps(self._dead_runs())

        def batch(at: str, after: str) -> list[RunRecord]:
            params = {"dead": dead, "at": at, "id": after, "batch": 500}
            return [queries.run_from_row(row) for row in self._read(queries.EXPORT_BATCH, params)]

        for runs in export_batches(batch, since):
            yield from self._with_steps(runs)

    def _with_steps(self, runs: list[RunRecord]) -> list[RunRecord]:
        return with_steps(runs, self.steps_of([run.id for run in runs]))


class _Transaction:
    """Statements on an SQLite connection inside a transaction (see ``Store.transaction``)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def one(self, sql: str, params: Mapping[str, Any]) -> Row | None:
        row = self._conn.execute(sql, params).fetchone()
        return None if row is None else dict(row)

    def all(self, sql: str, params: Mapping[str, Any]) -> list[Row]:
        return [dict(row) for row in self._conn.execute(sql, params).fetchall()]

    def execute(self, sql: str, params: Mapping[str, Any]) -> int:
        return self._conn.execute(sql, params).rowcount


def _batches(run_ids: Sequence[str], size: int = 5000) -> Iterator[str]:
    """``run_ids`` as JSON lists of at most ``size`` ids, for the ``json_each`` queries."""
    for start in range(0, len(run_ids), size):
        yield json.dumps(list(run_ids[start : start + size]))


def _now() -> str:
    return timestamp(dt.datetime.now(dt.UTC))


def _configure(conn: sqlite3.Connection) -> sqlite3.Connection:
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _connect_writable(path: Path, where: str) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HistoryError(
            f"cannot create the directory of the run history: {exc.strerror}", path=where
        ) from None
    if path.exists() and not path.is_file():
        raise HistoryError("not a file; the run history must be an SQLite file", path=where)
    # Switching a new file to WAL, or recovering its WAL index, can report "database is locked"
    # at once, without waiting on the busy timeout, while another process opens the same store.
    # Every step below is idempotent, so a locked open is simply tried again until the timeout.
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            return _open_writable(path, where)
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _open_writable(path: Path, where: str) -> sqlite3.Connection:
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
    )
    try:
        _configure(conn)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")  # durable across a crash of the process
        migrations.migrate(conn, where)
        _prove_writable(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def _prove_writable(conn: sqlite3.Connection) -> None:
    """Prove now, not mid-run, that the store may be written: write to it, then roll back.

    ``BEGIN IMMEDIATE`` alone is not enough: SQLite opens a read-only file read-only without a
    word, and takes that lock on it all the same.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(f"PRAGMA user_version = {migrations.version(conn)}")
    finally:
        conn.execute("ROLLBACK")


def _connect_readonly(path: Path, where: str) -> sqlite3.Connection:
    if not path.is_file():
        raise HistoryError("no run history here (nothing has been recorded yet)", path=where)
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        conn, found = _connect_uri(uri)
    except sqlite3.OperationalError:
        if Path(f"{path}-wal").exists():
            raise
        # A WAL store in a directory we may not write to: without a -wal file to read, it can
        # be read as a plain immutable file (the -shm index it would need cannot be created).
        conn, found = _connect_uri(f"{uri}&immutable=1")
    if found == migrations.SCHEMA_VERSION:
        return conn
    conn.close()
    # An older store is brought up to date once by a writable connection, then read.
    _connect_writable(path, where).close()
    return _connect_readonly(path, where)


def _connect_uri(uri: str) -> tuple[sqlite3.Connection, int]:
    conn = sqlite3.connect(
        uri, uri=True, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
    )
    try:
        _configure(conn)
        return conn, migrations.version(conn)
    except BaseException:
        conn.close()
        raise


def _explain(exc: sqlite3.Error, readonly: bool) -> str:
    text = str(exc)
    if "not a database" in text:
        return f"not an SQLite database ({text}); choose another store file"
    if readonly:
        return f"cannot read the run history ({text})"
    return (
        f"cannot write the run history ({text}); fix the permissions of the file and its "
        "directory or choose another store file"
    )
