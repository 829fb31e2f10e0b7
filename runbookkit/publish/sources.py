"""What the site is built from: the runbooks directory and the run history, read once per build."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from runbookkit.catalog import load_all
from runbookkit.errors import ParseError
from runbookkit.model import Runbook
from runbookkit.publish.runs import RunLike

RECENT = dt.timedelta(days=30)


@dataclass
class History:
    """The runs the site shows: the latest per runbook (with steps) and recent counts."""

    runs: dict[str, Sequence[RunLike]] = field(default_factory=dict)
    recent: dict[str, int] = field(default_factory=dict)


@dataclass
class Sources:
    """Parsed runbooks (with the files they came from), parse errors and the history."""

    runbooks: list[tuple[Path, Runbook]]
    errors: list[ParseError]
    history: History


def read_runbooks(directory: Path) -> tuple[list[tuple[Path, Runbook]], list[ParseError]]:
    """Parse every runbook under ``directory``; a file that fails is reported, not raised."""
    runbooks, errors = load_all(directory)
    return [(Path(rb.path), rb) for rb in runbooks], errors


def read_history(path: Path | None, max_runs: int, now: dt.datetime) -> History:
    """The latest ``max_runs`` runs of every runbook and the count of the last 30 days.

    A store that does not exist yet is an empty history, not an error.
    """
    if path is None or not path.exists():
        return History()
    from runbookkit.history import open_store

    store = open_store(path, readonly=True)
    try:
        latest = store.runs_by_runbook(max_runs) if max_runs else {}
        recent = store.run_counts(since=now - RECENT)
    finally:
        store.close()
    return History(runs=dict(latest), recent=recent)
