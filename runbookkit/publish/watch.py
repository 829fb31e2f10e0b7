"""``mkdocs serve`` over a database server store: poll it and touch a watched file on change.

A file store is watched by MkDocs itself; a store on a server has no file to watch, so a thread
reads a small fingerprint of it (the run counts and the latest runs' statuses) every
:data:`POLL` seconds and, when it changes, rewrites a marker file that ``serve`` watches.
"""

from __future__ import annotations

import atexit
import logging
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from runbookkit.errors import HistoryError

POLL = 2.0  # seconds between two looks at the store
log = logging.getLogger("mkdocs.plugins.runbookkit")


def fingerprint(store: Any) -> tuple[object, ...]:
    """What changes when a run starts, records a step's end of run, or finishes."""
    counts = tuple(sorted(store.run_counts().items()))
    latest = tuple((run.id, str(run.status)) for run in store.list_runs(limit=5))
    return counts, latest


class StorePoller:
    """Touches ``marker`` (in a directory of its own) whenever the store at ``location`` changes."""

    def __init__(self, location: str, interval: float = POLL) -> None:
        self.location = location
        self.interval = interval
        self.directory = Path(tempfile.mkdtemp(prefix="runbookkit-serve-"))
        self.marker = self.directory / "history-changed"
        self.marker.write_text("0\n")
        atexit.register(shutil.rmtree, self.directory, True)
        self._stop = threading.Event()
        self._store: Any = None
        self._seen: tuple[object, ...] | None = None
        self._thread = threading.Thread(target=self._poll, name="runbookkit-poll", daemon=True)

    def start(self) -> None:
        """Take the store's fingerprint now (what the site was built from), then poll it in a
        daemon thread."""
        from runbookkit.history import open_store

        try:
            self._store = open_store(self.location)
            self._seen = fingerprint(self._store)
        except HistoryError as exc:
            log.warning(f"runbookkit: cannot poll the run history: {exc}")
        self._thread.start()

    def close(self) -> None:
        """Stop polling and remove the marker's directory."""
        self._stop.set()
        self._thread.join(timeout=self.interval + 10)
        shutil.rmtree(self.directory, ignore_errors=True)

    def _poll(self) -> None:
        from runbookkit.history import open_store

        seen, store = self._seen, self._store
        changes = 0
        while not self._stop.wait(self.interval):
            try:
                if store is None:
                    store = open_store(self.location)
                now = fingerprint(store)
            except HistoryError as exc:
                log.warning(f"runbookkit: cannot poll the run history: {exc}")
                store = None
                continue
            if seen is not None and now != seen:
                changes += 1
                self.marker.write_text(f"{changes}\n")
            seen = now
        if store is not None:
            store.close()
