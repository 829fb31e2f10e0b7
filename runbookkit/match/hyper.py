"""Hyperscan: all Patterns at once over a whole buffer, to find the lines that may match.

Hyperscan (the ``hyperscan`` package, an optional dependency: ``runbookkit[fast-match]``) scans
a buffer for every Pattern in one pass, several times faster than RE2's combined pattern. It
only proposes lines: each is confirmed by the runbooks' own RE2 Patterns, so results are
exactly RE2's. It is given the ASCII Patterns only, in byte mode (a log may hold invalid UTF-8),
and every line with a byte that is not ASCII, or with a vertical tab (where Hyperscan's ``\\s``
and RE2's differ), is proposed as well. A Pattern Hyperscan cannot compile is left to RE2.

The compiled database is kept in the cache directory, keyed by the Patterns and the versions
of Hyperscan and of this module, so a changed runbook costs one compile.

``RUNBOOKKIT_MATCH_ENGINE=re2`` turns Hyperscan off (RE2 alone), as if it were not installed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from runbookkit.cache import digest, write_atomic
from runbookkit.match.context import Buffer
from runbookkit.match.scanner import release

FORMAT = 1
ENGINE_VARIABLE = "RUNBOOKKIT_MATCH_ENGINE"
# Bytes of whole lines scanned at a time, and matches per window past which every line of the
# window is proposed instead (a Pattern that matches nearly everything: RE2 decides per line).
WINDOW = 1 << 20
DENSE = 1 << 14
# Lines with one of these bytes are always proposed: RE2 reads them as UTF-8 (or folds case
# into them: (?i)k matches the Kelvin sign), Hyperscan in byte mode does not.
MARKER = rb"[\x0b\x80-\xff]"
KEEP = 8  # compiled databases kept in the cache
# Hyperscan's HS_FLAG_MULTILINE | HS_FLAG_ALLOWEMPTY: ^ and $ at each line, and Patterns that
# can match the empty string (a match is only a line to look at).
FLAGS = 4 | 16


def wanted() -> bool:
    """Whether Hyperscan is to be used: not turned off, and installed."""
    if os.environ.get(ENGINE_VARIABLE, "").strip().lower() in ("re2", "off", "none"):
        return False
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        return False
    return True


class Prefilter:
    """A Hyperscan database of Patterns, used as a finder of candidate lines.

    Args:
        patterns: the RE2 buffer form of each Pattern (multi-line ``^``/``$``).
        cache: the directory to keep compiled databases in (None: compile every time).

    Attributes:
        indexes: the indexes in ``patterns`` of those Hyperscan compiled.
        rejected: the index of each Pattern it could not compile, with Hyperscan's reason.
        compiled: whether the database was compiled now (False: loaded from the cache).
    """

    def __init__(self, patterns: Sequence[str], cache: Path | None) -> None:
        import hyperscan

        self._hs = hyperscan
        self.rejected: list[tuple[int, str]] = []
        self._db: Any = None
        version = getattr(hyperscan, "__version__", "?")
        key = digest([str(FORMAT), version, str(FLAGS), MARKER.decode(), *patterns])
        path = cache / f"hyperscan-{key}.db" if cache is not None else None
        self.compiled = path is None or not self._load(path)
        if self.compiled:
            self._compile(patterns)
            if path is not None:
                self._store(path)
        bad = {index for index, _ in self.rejected}
        self.indexes = [index for index in range(len(patterns)) if index not in bad]
        self._view: tuple[Any, int, int, int, list[int], bool] = (None, 0, 0, 0, [], False)
        self._kept = 0  # where the pages of the buffer not yet let go of begin
        self._ids: dict[int, set[int]] = {}  # position → the Patterns that matched there
        self._marker = len(patterns)

    def _compile(self, patterns: Sequence[str]) -> None:
        """Compile every Pattern at once; if that fails, find out alone which ones it refuses."""
        hs = self._hs
        good = [(i, p.encode("ascii")) for i, p in enumerate(patterns) if p.isascii()]
        reason = "not ASCII: it runs in byte mode"
        self.rejected = [(i, reason) for i, p in enumerate(patterns) if not p.isascii()]
        try:
            self._db = _build(hs, good, len(patterns))
            return
        except hs.error:
            pass
        accepted = []
        for index, expression in good:
            try:
                _build(hs, [(index, expression)], len(patterns))
            except hs.error as exc:
                self.rejected.append((index, str(exc.args[0] if exc.args else exc)))
                continue
            accepted.append((index, expression))
        self.rejected.sort()
        self._db = _build(hs, accepted, len(patterns))

    def _load(self, path: Path) -> bool:
        hs = self._hs
        try:
            head, _, body = path.read_bytes().partition(b"\n")
            rejected = json.loads(head)
            self._db = hs.loadb(body, hs.HS_MODE_BLOCK)
            self._db.scratch = hs.Scratch(self._db)
        except (OSError, ValueError, hs.error):
            return False
        self.rejected = [(int(index), str(reason)) for index, reason in rejected]
        return True

    def _store(self, path: Path) -> None:
        """Write the database atomically and keep only the :data:`KEEP` newest."""
        write_atomic(path, json.dumps(self.rejected).encode() + b"\n" + self._hs.dumpb(self._db))
        try:
            old = sorted(path.parent.glob("hyperscan-*.db"), key=_mtime, reverse=True)
            for stale in old[KEEP:]:
                stale.unlink(missing_ok=True)
        except OSError:
            pass  # a cache that cannot be written is only a slower next run

    def find(self, data: Buffer, pos: int, high: int) -> int:
        """A position on the first line at or after ``pos`` that may match, or -1.

        The buffer is scanned a window of whole lines at a time; the lines of a window are kept
        for the calls that follow, which move ``pos`` forward line by line.
        """
        seen, end, since, stop, found, dense = self._view
        if seen is not data or end != high or not since <= pos <= stop:
            seen, end, stop, found, dense = data, high, pos, [], False
            self._kept = pos
        while True:
            while found and found[-1] < pos:
                found.pop()
            if found or (dense and pos < stop):
                self._view = (seen, end, pos, stop, found, dense)
                return found[-1] if found else pos
            if stop >= high:
                self._view = (None, 0, 0, 0, [], False)  # the buffer is done: let it go
                return -1
            if stop - self._kept > WINDOW:
                release(data, self._kept, stop)  # a large mapped file: the pages passed
                self._kept = stop
            start = stop
            cut = data.find(b"\n", min(start + WINDOW, high - 1), high)
            stop = high if cut < 0 else cut + 1
            found, dense = self._window(data, start, stop)

    def hint(self, stop: int) -> list[int] | None:
        """The Patterns that matched on the line the last :meth:`find` gave, which ends at
        ``stop``; None when unknown (a byte that is not ASCII, a dense window): try them all.
        """
        found, dense = self._view[4], self._view[5]
        if dense or not found:
            return None
        ids: set[int] = set()
        for position in reversed(found):
            if position > stop:
                break
            ids.update(self._ids[position])
        return None if self._marker in ids else sorted(ids)

    def _window(self, data: Buffer, start: int, stop: int) -> tuple[list[int], bool]:
        """The candidate positions in ``data[start:stop]``, last first; or all lines (dense).

        Which Patterns matched at each position is kept for :meth:`hint`.
        """
        ends: list[tuple[int, int]] = []
        add = ends.append

        def on_match(number: int, _from: int, to: int, _flags: int, _context: object) -> bool:
            add((number, to))
            return len(ends) >= DENSE

        self._ids = {}
        with memoryview(data) as whole, whole[start:stop] as part:
            try:
                self._db.scan(part, match_event_handler=on_match)
            except self._hs.ScanTerminated:
                return [], True
        # A position at the window's end, after a newline, starts the next window's first line:
        # that window's scan gives it (with every Pattern matching there).
        beyond = stop if data[stop - 1 : stop] == b"\n" else stop + 1
        for number, to in ends:
            # The match's last byte is on its line; an empty match at a line's start is on it.
            for position in (start + to, start + to - 1) if to else (start,):
                if position < beyond:
                    self._ids.setdefault(position, set()).add(number)
        return sorted(self._ids, reverse=True), False


def _build(hs: Any, patterns: list[tuple[int, bytes]], marker: int) -> Any:
    """A block-mode database of ``patterns`` (index, expression) and the :data:`MARKER`."""
    expressions = [expression for _, expression in patterns] + [MARKER]
    ids = [index for index, _ in patterns] + [marker]
    db = hs.Database(mode=hs.HS_MODE_BLOCK)
    db.compile(expressions=expressions, ids=ids, elements=len(ids), flags=FLAGS)
    return db


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
