"""Scan a stream (stdin behind ``tail -f``) block by block, yielding each match as it arrives.

Whatever the pipe holds is read at once and scanned as one buffer, so a fast producer is
scanned at buffer speed and a slow one line by line. A match whose stack trace may still be
arriving is held until a line that does not continue it, or until the stream has been idle for
``idle`` seconds. A line that has not ended is held up to :data:`MAX_LINE` bytes: the rest of a
longer line is skipped (with one warning per stream), so a stream without newlines takes
bounded memory.
"""

from __future__ import annotations

import os
import select
import stat
from collections import Counter
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any

from runbookkit.match import context
from runbookkit.match.engine import Match
from runbookkit.match.scanner import normalise

if TYPE_CHECKING:
    from runbookkit.match.engine import Matcher

CHUNK = 1 << 20
MAX_LINE = 1 << 20  # bytes of a line kept; the rest of a longer line is skipped
IDLE = 0.2
# Linux's fcntl to resize a pipe: a larger pipe means fewer, larger reads from a fast writer.
F_SETPIPE_SZ = 1031

Reader = tuple[Callable[[], bytes], Callable[[float], bool]]


def scan(
    matcher: Matcher,
    stream: IO[Any],
    source: str = "-",
    *,
    context: bool = True,
    idle: float = IDLE,
) -> Iterator[Match]:
    """Yield every match of ``stream`` as soon as its line has arrived.

    Args:
        matcher: the compiled runbooks.
        stream: a binary or text stream; one with a file descriptor is read without waiting
            for a full buffer.
        source: the name matches report.
        context: attach stack-trace lines that follow a match (holds the match until they end).
        idle: seconds of silence after which a held match is yielded anyway.
    """
    read, ready = _reader(stream)
    lines = _Lines(matcher, source)
    pending: list[Match] = []
    line = 1
    while True:
        if pending and not ready(idle):
            yield from pending
            pending = []
            continue
        chunk = read()
        if chunk:
            block = normalise(lines.feed(chunk, line))
            if not block:
                continue
        else:
            block = normalise(lines.rest)
        count = block.count(b"\n") + (0 if block.endswith(b"\n") or not block else 1)
        if pending and not _extend(pending, block):
            yield from pending
            pending = []
        matches, _ = matcher.scan_block(block, source, line, context)
        line += count
        for match in matches:
            if pending or (context and chunk and _reaches(match, line - 1)):
                pending.append(match)
            else:
                yield match
        if not chunk:
            yield from pending
            return


def count(matcher: Matcher, stream: IO[Any]) -> tuple[Counter[str], int]:
    """How many lines of ``stream`` matched each runbook (by id), and how many lines matched."""
    read, _ = _reader(stream)
    lines = _Lines(matcher, "-")
    counts: Counter[str] = Counter()
    matched = 0
    line = 1
    while True:
        chunk = read()
        block = lines.feed(chunk, line) if chunk else lines.rest
        found, hits = matcher.count_block(block, ("-", line))
        line += block.count(b"\n")
        counts.update(found)
        matched += hits
        if not chunk:
            return counts, matched


class _Lines:
    """Cut what a stream gives into whole lines, keeping at most :data:`MAX_LINE` of one."""

    def __init__(self, matcher: Matcher, source: str) -> None:
        self.matcher = matcher
        self.source = source
        self.rest = b""  # the start of a line that has not ended
        self.skipping = False  # the rest of an over-long line is being skipped
        self.warned = False

    def feed(self, chunk: bytes, line: int) -> bytes:
        """The whole lines that ``chunk`` completes (``line`` numbers the first)."""
        if self.skipping:
            cut = chunk.find(b"\n")
            if cut < 0:
                return b""
            chunk, self.skipping = chunk[cut + 1 :], False
        data = self.rest + chunk
        cut = data.rfind(b"\n") + 1
        block, self.rest = data[:cut], data[cut:]
        if len(self.rest) > MAX_LINE:
            block += self.rest[:MAX_LINE] + b"\n"
            self.rest, self.skipping = b"", True
            self._warn(line + block.count(b"\n") - 1)
        return block

    def _warn(self, line: int) -> None:
        if not self.warned:
            self.warned = True
            self.matcher.add_warning(
                f"{self.source}:{line}: warning: line longer than {MAX_LINE >> 20} MiB; only "
                "its first MiB is matched (and so for any other such line)"
            )


def _reaches(match: Match, last: int) -> bool:
    """Whether the match's trace runs to ``last``, the last line read so far."""
    return match.line + len(match.continuation) == last and (
        len(match.continuation) < context.MAX_LINES
    )


def _extend(pending: list[Match], block: bytes) -> bool:
    """Add the leading trace lines of ``block`` to the held matches; True if it may go on."""
    tail = pending[-1]
    previous = tail.continuation[-1] if tail.continuation else tail.text
    lines, still_open = context.following(block, 0, previous)
    seen: set[int] = set()
    for match in pending:
        if id(match.continuation) not in seen:
            seen.add(id(match.continuation))
            room = context.MAX_LINES - len(match.continuation)
            match.continuation.extend(lines[:room])
    return still_open and len(tail.continuation) < context.MAX_LINES


def _reader(stream: IO[Any]) -> Reader:
    """A function reading what is available (b"" at the end) and one waiting for input."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        fd = None
    if fd is None:

        def read_any() -> bytes:
            data = stream.read(CHUNK)
            return data.encode("utf-8") if isinstance(data, str) else bytes(data or b"")

        return read_any, lambda _timeout: True

    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            import fcntl

            fcntl.fcntl(fd, F_SETPIPE_SZ, CHUNK)
    except (OSError, ImportError):
        pass  # a smaller pipe only means more reads

    def read_fd() -> bytes:
        return os.read(fd, CHUNK)

    def ready(timeout: float) -> bool:
        return bool(select.select([fd], [], [], timeout)[0])

    return read_fd, ready
