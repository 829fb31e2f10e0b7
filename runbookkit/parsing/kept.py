"""Parsed runbooks kept between runs, so a command on an unchanged runbook does not parse it
again.

A parsed runbook is kept under a key made of the file's bytes (their sha256), the path and id it was
parsed as, the team's safety policy, and a stamp of the parser's own sources: any change to
one of them is a miss, and the runbook is parsed as if nothing were kept. They are pickled,
so they are loaded only from a cache directory that belongs to this user and that no one else
may write to. Runbooks that fail to parse are not kept: their error is found again each time.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from runbookkit._version import __version__
from runbookkit.cache import cache_dir, digest, private, sources_stamp, write_atomic

if TYPE_CHECKING:
    from runbookkit.parsing.safety import Policy

FORMAT = 1
# The sources a parsed runbook depends on, relative to the package.
SOURCES = ("model.py", "errors.py", "files.py", "parsing/*.py")
KEEP = 1000  # runbooks kept; past twice this many, the oldest go
T = TypeVar("T")


def key(sha256: str, path: str, runbook_id: str, policy: Policy, kind: str = "runbook") -> str:
    """The key of what a file with these bytes gives, parsed as ``path`` and ``runbook_id``:
    its runbook, or another ``kind`` of result of the parser (lint's tolerant parse)."""
    return digest([str(FORMAT), kind, _stamp(), sha256, path, runbook_id, repr(policy)], 32)


def fetch(name: str, build: Callable[[], T], valid: Callable[[object], bool]) -> T:
    """What is kept under ``name`` if ``valid`` says it is what ``build`` makes; else what
    ``build`` makes now, kept for the next time (an error it raises is not kept)."""
    found = load(name)
    if valid(found):
        return found  # type: ignore[return-value]
    made = build()
    store(name, made)
    return made


def load(name: str) -> object | None:
    """What is kept under ``name``, or None (callers check its type)."""
    directory = _directory()
    if not private(directory):
        return None
    try:
        data = (directory / f"{name}.pickle").read_bytes()
        parsed = pickle.loads(data)
    except Exception:  # a damaged or foreign entry is only a miss
        return None
    return parsed


def store(name: str, parsed: object) -> None:
    """Keep ``parsed`` under ``name``; let the oldest go when there are too many."""
    directory = _directory()
    try:
        data = pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        return
    write_atomic(directory / f"{name}.pickle", data)
    # A command that parses many runbooks lists the directory once, not at every store; a
    # process that goes on (serve, a program using the library) lists it again every KEEP
    # stores, so the directory never holds much more than twice KEEP.
    since = _stores.get(directory, KEEP)
    if since >= KEEP:
        _prune(directory)
        since = 0
    _stores[directory] = since + 1


_stores: dict[Path, int] = {}  # per cache directory: what this process stored since it pruned


def _prune(directory: Path) -> None:
    """Let the oldest entries go when there are more than twice :data:`KEEP`."""
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    if len(entries) > 2 * KEEP:
        entries.sort(key=_mtime, reverse=True)
        for entry in entries[KEEP:]:
            Path(entry.path).unlink(missing_ok=True)


def _directory() -> Path:
    return cache_dir() / "trees"


@cache
def _stamp() -> str:
    return sources_stamp(SOURCES, __version__)


def _mtime(entry: os.DirEntry[str]) -> float:
    try:
        return entry.stat().st_mtime
    except OSError:
        return 0.0
