"""The store interface: record a run, record a step, finish, query.

Two stores implement it: SQLite (:mod:`runbookkit.history.sqlite`, the embedded default) and
PostgreSQL (:mod:`runbookkit.history.postgres`, a team's shared history). :func:`open_store`
(in :mod:`runbookkit.history`) opens either from a path or URL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, Self, runtime_checkable

from runbookkit.errors import HistoryError, NotFoundError
from runbookkit.execute.events import RunFinished
from runbookkit.history.records import RunRecord, StepRecord, timestamp


class StoreUnavailable(HistoryError):
    """The store's server cannot be reached now (it may be later: a run spools meanwhile)."""


Row = Mapping[str, Any]  # a row of a query, by column name


def by_id_or_prefix(rows: Sequence[Any], key: str, what: str, where: str) -> Any:
    """Of ``rows`` (those whose ``id`` starts with ``key``; SQLite or PostgreSQL rows), the one
    ``key`` names: the row with exactly that id, else the only one.

    Raises:
        NotFoundError: no row (``no run 'x' in the run history``; ``what`` is ``run``…).
        HistoryError: several rows, none with exactly that id: the prefix is ambiguous.
    """
    exact = [row for row in rows if row["id"] == key]
    rows = exact or rows
    if not rows:
        raise NotFoundError(f"no {what} {key!r} in the run history", path=where)
    if len(rows) > 1:
        ids = ", ".join(row["id"] for row in rows)
        raise HistoryError(f"{what} id prefix {key!r} is ambiguous: {ids}", path=where)
    return rows[0]


def with_steps(runs: list[RunRecord], steps: Mapping[str, Sequence[StepRecord]]) -> list[RunRecord]:
    """``runs``, each given its steps from ``steps`` (by run id, as ``Store.steps_of`` gives)."""
    for run in runs:
        run.steps.extend(steps.get(run.id, ()))
    return runs


def by_runbook(runs: Iterable[RunRecord]) -> dict[str, list[RunRecord]]:
    """``runs`` keyed by runbook id, each runbook's in the order they come."""
    grouped: dict[str, list[RunRecord]] = {}
    for run in runs:
        grouped.setdefault(run.runbook_id, []).append(run)
    return grouped


def export_batches(
    batch: Callable[[str, str], list[RunRecord]], since: dt.datetime | None
) -> Iterator[list[RunRecord]]:
    """The runs started at or after ``since``, oldest first, batch by batch: ``batch(at, id)``
    reads the next runs after the one that started at ``at`` with ``id`` (``""`` to begin)."""
    after = (timestamp(since) if since else "", "")
    while True:
        runs = batch(*after)
        if not runs:
            return
        yield runs
        after = (timestamp(runs[-1].started_at), runs[-1].id)


class Transaction(Protocol):
    """Statements in one transaction of a store, with ``:name`` parameters on every backend."""

    def one(self, sql: str, params: Mapping[str, Any]) -> Row | None:
        """The first row of a query, or None."""
        ...

    def all(self, sql: str, params: Mapping[str, Any]) -> list[Row]:
        """Every row of a query."""
        ...

    def execute(self, sql: str, params: Mapping[str, Any]) -> int:
        """Run a statement; returns how many rows it changed."""
        ...


@runtime_checkable
class Transactional(Protocol):
    """A store whose other tables (incidents) are read and written in transactions."""

    path: str

    def transaction(self, *, write: bool = True) -> AbstractContextManager[Transaction]:
        """A transaction: written (committed at the end, rolled back on an error) or only
        read. Raises:
            HistoryError: the store cannot be read or written (StoreUnavailable: not now).
        """
        ...


class RunWriter(Protocol):
    """What records a run: its start, each step, heartbeats and its end."""

    path: str  # where the store is, as shown (a URL without its password)

    def begin_run(self, run: RunRecord) -> None:
        """Record that ``run`` started (its steps, if any, are ignored)."""

    def record_step(self, run_id: str, step: StepRecord) -> None:
        """Record one finished step of a run, durably, in its own transaction."""

    def heartbeat(self, run_id: str) -> None:
        """Note that the run is still going (a run whose heartbeat stops is interrupted)."""

    def finish_run(self, end: RunFinished) -> None:
        """Record how a run ended: its status, exit code, end time, failed step, the rollback
        run that followed and (``error``) why it did not pass, in one line."""

    def close(self) -> None:
        """Release the store."""


class Store(RunWriter, Transactional, Protocol):
    """Where runs are recorded and read back from (a context manager that closes it)."""

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...

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
        ...

    def get_run(self, run_id: str) -> RunRecord:
        """One run with its steps, by id or a unique prefix of it.

        Raises:
            NotFoundError: no run has that id (or prefix).
            HistoryError: the prefix is shared by several runs.
        """
        ...

    def runs_by_runbook(
        self, limit_per_runbook: int | None = 20, *, steps: bool = True
    ) -> dict[str, list[RunRecord]]:
        """The latest runs of every runbook, newest first, keyed by runbook id.

        Each run comes with its steps unless ``steps`` is false.
        """
        ...

    def steps_of(
        self, run_ids: Sequence[str], *, failed: bool = False
    ) -> dict[str, list[StepRecord]]:
        """The steps of the given runs in recording order, keyed by run id (a run without any
        is left out); with ``failed``, only the steps that failed or hit an error (all that
        :func:`runbookkit.publish.runs.failure_reason` reads)."""
        ...

    def host_outcomes(self, run_ids: Sequence[str]) -> dict[str, dict[str, bool]]:
        """For each fleet run among ``run_ids``: its hosts in recording order, each with
        whether a step failed there."""
        ...

    def run_counts(self, since: dt.datetime | None = None) -> dict[str, int]:
        """How many runs each runbook has had (started at or after ``since``)."""
        ...

    def export_runs(self, since: dt.datetime | None = None) -> Iterator[RunRecord]:
        """Every run (with steps) started at or after ``since``, oldest first."""
        ...

    def import_runs(self, runs: Iterable[RunRecord]) -> tuple[int, int]:
        """Add runs not already present (by id); returns (added, already there)."""
        ...

    def merge_run(self, run: RunRecord) -> bool:
        """Add ``run``, or the steps (by ``seq``) and the ending the stored one lacks; returns
        whether the run was new."""
        ...
