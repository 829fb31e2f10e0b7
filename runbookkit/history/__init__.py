"""Run history: every run recorded, step by step, in SQLite (embedded) or PostgreSQL (shared).

Readers (``runbookkit history``, the docs site) use :func:`open_store` and the plain records it
returns; a run (:func:`runbookkit.runs.run`) records through a :class:`HistoryRecorder`.
"""

from __future__ import annotations

from pathlib import Path

from runbookkit.history.location import parse
from runbookkit.history.recorder import HistoryRecorder
from runbookkit.history.records import RunRecord, StepRecord
from runbookkit.history.sqlite import SQLiteStore
from runbookkit.history.store import Store, StoreUnavailable

__all__ = [
    "HistoryRecorder",
    "RunRecord",
    "SQLiteStore",
    "StepRecord",
    "Store",
    "StoreUnavailable",
    "open_store",
]


def open_store(location: str | Path, readonly: bool = True) -> Store:
    """Open the history store at ``location`` (a path, ``sqlite:///PATH`` or a
    ``postgresql://`` URL): read-only by default, else created if missing.

    A store written by an older runbookkit is migrated on open. Raises:
        StoreUnavailable: the store's server cannot be reached now.
        HistoryError: the store cannot be opened (missing when read-only, not a store, a
            newer runbookkit's, not writable when ``readonly`` is False, psycopg missing).
    """
    where = parse(location)
    if where.backend == "postgresql":
        from runbookkit.history.postgres import PostgresStore

        return PostgresStore.open(where.target, readonly=readonly)
    return SQLiteStore.open(where.path, readonly=readonly)
