"""Run history: every run recorded, step by step, in an embedded SQLite store.

Readers (``runbookkit history``, the docs site) use :func:`open_store` and the plain records it
returns; a run (:func:`runbookkit.runs.run`) records through a :class:`HistoryRecorder`.
"""

from __future__ import annotations

from pathlib import Path

from runbookkit.history.recorder import HistoryRecorder
from runbookkit.history.records import RunRecord, StepRecord
from runbookkit.history.sqlite import SQLiteStore
from runbookkit.history.store import Store

__all__ = ["HistoryRecorder", "RunRecord", "SQLiteStore", "StepRecord", "Store", "open_store"]


def open_store(path: str | Path, readonly: bool = True) -> SQLiteStore:
    """Open the history store at ``path``: read-only by default, else created if missing.

    A store written by an older runbookkit is migrated on open. Raises:
        HistoryError: the store cannot be opened (missing when read-only, not a store,
            not writable when ``readonly`` is False).
    """
    return SQLiteStore.open(path, readonly=readonly)
