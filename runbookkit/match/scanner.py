"""Find the matching lines of a buffer: a fast pass for candidates, then an RE2 set on the few.

The fast pass is a *finder*: given where to look from, it returns a position on the next line
that may match (Hyperscan over all Patterns at once, or one combined RE2 pattern), or -1.

A large buffer is cut at line boundaries into one part per core. The binding of RE2 holds the
GIL while it searches, so threads would take turns: the other parts are scanned by forked
children (which share the buffer, a file mapped into memory, without copying it) and come back
as a few numbers through a pipe. Where forking is not safe (other threads running, no fork) the
parts are scanned one after the other.
"""

from __future__ import annotations

import contextlib
import marshal
import mmap
import os
import threading
from collections.abc import Callable
from typing import Any

from runbookkit.match.context import Buffer

# A part smaller than this is not worth a process.
MIN_PART = 8 << 20
MAX_PARTS = 8
SLICE = 16 << 20  # bytes of a mapped file copied at a time to count its lines
# Files up to this size are read into memory at once when mapped; larger ones are let go of as
# they are scanned.
POPULATE = 256 << 20
AROUND = 64 << 10  # bytes a page fault maps in (Linux's fault-around), a multiple of pages
# (line index, line start, line end, indices of the matching patterns in the set)
Hit = tuple[int, int, int, list[int]]
# (buffer, from, to) → a position on the first line at or after ``from`` that may match, or -1.
Finder = Callable[[Buffer, int, int], int]


def normalise(data: bytes) -> bytes:
    """``data`` as valid UTF-8: invalid bytes become U+FFFD; no newline is added or lost."""
    if data.isascii():
        return data
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace").encode("utf-8")
    return data


def newlines(data: Buffer, start: int, stop: int) -> int:
    """How many newlines ``data[start:stop]`` holds (a mapped file: a slice at a time)."""
    if isinstance(data, bytes):
        return data.count(b"\n", start, stop)
    total = 0
    for low in range(start, stop, SLICE):
        high = min(low + SLICE, stop)
        total += data[low:high].count(b"\n")
        release(data, low, high)
    return total


def scan(
    data: Buffer,
    find: Finder,
    which: Callable[[bytes, int], Any],
    *,
    raw: bool,
    count: bool,
    first: bool = False,
    parallel: bool = True,
) -> list[Hit]:
    """Every line of ``data`` that ``which`` (an RE2 set) matches, among those ``find`` gives.

    Args:
        data: whole lines.
        find: the finder; every line a pattern of the set matches, it gives too.
        which: line bytes and where the line ends in ``data`` → indices of the patterns that
            match it (an RE2 set's, or those the finder saw there, each checked).
        raw: ``data`` may hold invalid UTF-8; each candidate line is normalised before ``which``.
        count: number the lines (otherwise every line index is 0).
        first: stop at the first matching line.
        parallel: scan a large buffer in forked parts (worth it for RE2, which holds the GIL
            and is slower than reading the file; not for Hyperscan alone).
    """
    if first:
        return _scan_part(data, find, which, 0, len(data), raw, count, first=True)[0]
    bounds = _parts(data) if parallel else [(0, len(data))]
    if len(bounds) > 1 and (not hasattr(os, "fork") or threading.active_count() > 1):
        bounds = [(0, len(data))]
    children = [_spawn(data, find, which, low, high, raw, count) for low, high in bounds[1:]]
    results = [_scan_part(data, find, which, *bounds[0], raw, count)]
    for child, (low, high) in zip(children, bounds[1:], strict=True):
        results.append(_collect(*child) or _scan_part(data, find, which, low, high, raw, count))
    hits: list[Hit] = []
    before = 0
    for part, lines in results:
        hits += [(before + index, start, stop, found) for index, start, stop, found in part]
        before += lines
    return hits


def _spawn(
    data: Buffer,
    find: Finder,
    which: Callable[[bytes, int], Any],
    low: int,
    high: int,
    raw: bool,
    count: bool,
) -> tuple[int, int]:
    """Fork a child that scans ``data[low:high]`` and writes its hits to a pipe."""
    reading, writing = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into the caller's code
        status = 1
        try:
            os.close(reading)
            payload = marshal.dumps(_scan_part(data, find, which, low, high, raw, count))
            with os.fdopen(writing, "wb") as pipe:
                pipe.write(payload)
            status = 0
        finally:
            os._exit(status)
    os.close(writing)
    return pid, reading


def _collect(pid: int, reading: int) -> tuple[list[Hit], int] | None:
    """The hits a child wrote, or None if it failed (the caller then scans that part itself)."""
    with os.fdopen(reading, "rb") as pipe:
        payload = pipe.read()
    _, status = os.waitpid(pid, 0)
    if status != 0:
        return None
    hits, lines = marshal.loads(payload)
    return hits, lines


def cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _parts(data: Buffer) -> list[tuple[int, int]]:
    """Cut ``data`` into about equal runs of whole lines, one per available core."""
    count = max(1, min(cores(), MAX_PARTS, len(data) // MIN_PART))
    bounds, low = [], 0
    for number in range(1, count):
        cut = data.find(b"\n", len(data) * number // count)
        if cut < 0:
            break
        if cut + 1 > low:
            bounds.append((low, cut + 1))
            low = cut + 1
    if low < len(data) or not bounds:
        bounds.append((low, len(data)))
    return bounds


def _scan_part(
    data: Buffer,
    find: Finder,
    which: Callable[[bytes, int], Any],
    low: int,
    high: int,
    raw: bool,
    count: bool,
    *,
    first: bool = False,
) -> tuple[list[Hit], int]:
    """The hits of ``data[low:high]`` (line indices from ``low``) and how many lines it holds."""
    hits: list[Hit] = []
    index = 0
    pos = counted = low
    while pos < high:
        at = find(data, pos, high)
        if at < 0 or (at >= high and data[high - 1 : high] == b"\n"):
            break  # nothing more, or only the empty end after the last newline: not a line
        start = data.rfind(b"\n", low, at) + 1 or low
        stop = data.find(b"\n", at, high)
        stop = high if stop < 0 else stop
        line = data[start:stop]
        if line.endswith(b"\r"):
            line = line[:-1]  # a CRLF line is matched without its "\r", as Python reads it
        matched = which(normalise(line) if raw else line, stop)
        if matched:
            if count:
                index += newlines(data, counted, start)
                counted = start
            hits.append((index, start, stop, matched))
            if first:
                return hits, 0
        pos = stop + 1
    lines = index + newlines(data, counted, high) if count else 0
    return hits, lines


def regex_finder(regex: Any) -> Finder:
    """The finder of a compiled RE2 pattern: where its next match starts."""
    search = regex.search

    def find(data: Buffer, pos: int, high: int) -> int:
        found = search(data, pos, high)
        return -1 if found is None else int(found.start())

    return find


def either(finders: list[Finder]) -> Finder:
    """The finder of lines that any of ``finders`` gives; each result kept while still ahead."""
    if len(finders) == 1:
        return finders[0]
    # Per finder: the buffer and end it searched, where from, and what it found.
    last: list[tuple[Any, int, int, int]] = [(None, 0, 0, 0)] * len(finders)

    def find(data: Buffer, pos: int, high: int) -> int:
        best = -1
        for number, finder in enumerate(finders):
            seen, end, since, at = last[number]
            if not (seen is data and end == high and since <= pos and (at < 0 or at >= pos)):
                at = finder(data, pos, high)
                last[number] = (data, high, pos, at)
            if at >= 0 and (best < 0 or at < best):
                best = at
        return best

    return find


def release(data: Buffer, start: int, stop: int) -> None:
    """Let go of the pages of a mapped file around ``start`` to ``stop`` (read again if needed).

    Keeps the memory a scan of a large file holds bounded: its file pages stay in the page
    cache, not in this process. The range is widened to :data:`AROUND` bytes, as a page
    fault maps in the pages around the one touched.
    """
    if not isinstance(data, mmap.mmap) or len(data) <= POPULATE:
        return
    if not hasattr(mmap, "MADV_DONTNEED"):
        return
    low = max(0, start - AROUND) // AROUND * AROUND
    high = min(len(data), stop + 2 * AROUND)
    with contextlib.suppress(OSError, ValueError):
        data.madvise(mmap.MADV_DONTNEED, low, high - low)
