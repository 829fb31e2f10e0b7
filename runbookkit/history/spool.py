"""The local spool of a database server store: where a run records while the server is away.

A run that cannot reach its PostgreSQL store at the start, or loses it mid-run, goes on: from
then on its records go to an SQLite store beside the runbooks (``.runbookkit/spool.sqlite``),
and the run says so. The spooled runs are sent when the server is back, by ``runbookkit history
push`` or at the start of the next run that reaches it; the server keeps what it already has of
a run (by run id and step number) and takes only the rest, so nothing is sent twice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from runbookkit.errors import HistoryError
from runbookkit.execute.events import RunFinished, RunStatus
from runbookkit.history.location import parse
from runbookkit.history.records import RunRecord, StepRecord
from runbookkit.history.sqlite import SQLiteStore
from runbookkit.history.store import RunWriter, Store, StoreUnavailable, Transaction


class SpoolingStore:
    """Records into ``primary`` until it fails, then (for each run it failed) into the spool.

    ``notices`` collects what the operator is told: that a run went to the spool, and why.
    """

    def __init__(self, primary: Store | None, spool: Path, shown: str) -> None:
        self.primary = primary
        self.spool_path = spool
        self.path = shown
        self.notices: list[str] = []
        self._spool: SQLiteStore | None = None
        self._runs: dict[str, RunRecord] = {}  # the start of each run, to begin it in the spool
        self._spooled: set[str] = set()
        self._in_spool: set[str] = set()  # runs begun in the spool
        self._lock = threading.RLock()  # the heartbeat thread writes too

    def begin_run(self, run: RunRecord) -> None:
        """Record the start of ``run`` in the store, or else in the spool."""
        self._runs[run.id] = run
        self._write(run.id, lambda store: store.begin_run(run), begun=False)

    def record_step(self, run_id: str, step: StepRecord) -> None:
        """Record one finished step where the run records."""
        self._write(run_id, lambda store: store.record_step(run_id, step))

    def heartbeat(self, run_id: str) -> None:
        """Note that the run is still going, where it records."""
        self._write(run_id, lambda store: store.heartbeat(run_id))

    def finish_run(self, end: RunFinished) -> None:
        """Record how a run ended, where it records."""
        self._write(end.run_id, lambda store: store.finish_run(end))

    def transaction(self, *, write: bool = True) -> AbstractContextManager[Transaction]:
        """A transaction on the store (incidents are kept on the server only, never spooled).

        Raises:
            StoreUnavailable: the server was away when the run started.
        """
        if self.primary is None:
            raise StoreUnavailable(
                "the PostgreSQL history was away when the run started; incidents were not updated",
                path=self.path,
            )
        return self.primary.transaction(write=write)

    def close(self) -> None:
        """Close the store and the spool."""
        if self.primary is not None:
            self.primary.close()
        if self._spool is not None:
            self._spool.close()

    def _write(self, run_id: str, work: Callable[[RunWriter], None], *, begun: bool = True) -> None:
        if run_id not in self._spooled and self.primary is not None:
            try:
                work(self.primary)
                return
            except HistoryError as exc:  # whatever the cause, the record is kept
                self._spooled.add(run_id)
                self.notices.append(f"{exc}; {self._spooling(run_id)}")
        elif run_id not in self._spooled:
            self._spooled.add(run_id)
            self.notices.append(self._spooling(run_id))
        spool = self._open_spool()
        if begun and run_id in self._runs and run_id not in self._in_spool:
            spool.begin_run(self._runs[run_id])
        self._in_spool.add(run_id)
        work(spool)

    def _spooling(self, run_id: str) -> str:
        return (
            f"run {run_id} records to the local spool {self.spool_path} from here on; "
            f"`runbookkit history push` sends it to {self.path} (so does the next run)"
        )

    def _open_spool(self) -> SQLiteStore:
        if self._spool is None:
            self._spool = SQLiteStore.open(self.spool_path, readonly=False)
        return self._spool


def open_for_run(location: str | Path, spool: Path) -> tuple[RunWriter, list[str]]:
    """The store a run records into, and what to tell the operator before it starts.

    An SQLite store is opened as it is. A database server store that cannot be reached records
    to ``spool`` instead; one that can first gets the runs waiting in the spool. Raises:
        HistoryError: the store cannot be used (a wrong login, a newer runbookkit's, …).
    """
    from runbookkit.history import open_store

    where = parse(location)
    if where.backend == "sqlite":
        return SQLiteStore.open(where.path, readonly=False), []
    try:
        primary = open_store(where.target, readonly=False)
    except StoreUnavailable as exc:
        writer = SpoolingStore(None, spool, where.shown)
        return writer, [f"{exc}; the run records to the local spool {spool} and says so at the end"]
    notes: list[str] = []
    if spool.is_file():
        try:
            sent, left = push(spool, primary)
        except HistoryError as exc:
            notes.append(f"the runs in the local spool {spool} were not sent yet: {exc}")
        else:
            if sent:
                notes.append(f"sent {sent} spooled run(s) from {spool} to {where.shown}")
            if left:
                notes.append(f"{left} run(s) still recording into {spool} stay there for now")
    return SpoolingStore(primary, spool, where.shown), notes


def push(spool: Path, target: Store) -> tuple[int, int]:
    """Send every finished run of ``spool`` to ``target``, then drop it from the spool.

    A run the target has in part gets only its missing steps and its ending. Returns (runs
    sent, runs left because they are still recording).
    """
    if not spool.is_file():
        return 0, 0
    with SQLiteStore.open(spool, readonly=False) as local:  # reaps runs whose process died
        runs = list(local.export_runs())
        done = [run for run in runs if run.status != RunStatus.running]
        for run in done:
            target.merge_run(run)
        local.forget(run.id for run in done)
    return len(done), len(runs) - len(done)
