"""Patterns RE2 cannot run, run with Python's ``re`` in a worker process that can be killed.

Python's ``re`` backtracks: ``(\\w+)+(?=;)`` needs 2**30 steps on a line of 30 letters and no
``;``, and a search can't be interrupted from inside the process. The searches run in one
long-lived forked worker, fed batches of lines; before each search it writes which line and
Pattern it is at into memory shared with this process. When that stays the same for longer
than :data:`LIMIT` seconds, the worker is killed, the Pattern is turned off for the rest of the
run (with a warning naming its runbook, the line and the log) and a new worker goes on from
that line with the other Patterns.
"""

from __future__ import annotations

import errno
import marshal
import mmap
import os
import re
import select
import signal
import struct
import time
import weakref
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from runbookkit.match.routes import Compiled

LIMIT = 1.0  # seconds one Pattern may take on one line
BATCH = 1 << 20  # bytes of whole lines sent to the worker at a time
_POLL = 0.05  # seconds between looks at the worker's progress
_HEADER = struct.Struct("<I")
_STEP = struct.Struct("<q")

# (line index in the batch, Pattern index) of each line a Pattern matched.
Hit = tuple[int, int]


class SlowPatterns:
    """The Patterns that need Python's ``re``, searched line by line with a time limit.

    Args:
        compiled: the Patterns, compiled with ``re``.
        warn: called with the warning when a Pattern runs out of time.
        limit: seconds one Pattern may take on one line.
    """

    def __init__(
        self,
        compiled: list[Compiled],
        warn: Callable[[str], None],
        limit: float = LIMIT,
    ) -> None:
        self.compiled = compiled
        self.warn = warn
        self.limit = limit
        self.disabled: set[int] = set()
        self._worker: _Worker | None = None

    def hits(self, data: bytes, source: str, first_line: int) -> Iterator[tuple[int, list[int]]]:
        """Each line index of ``data`` (valid UTF-8) that some Pattern matches, with their indexes.

        ``source`` and ``first_line`` name the line in the warning about a Pattern out of time.
        """
        offset = 0
        start = 0
        while start < len(data) and len(self.disabled) < len(self.compiled):
            stop = data.find(b"\n", start + BATCH)
            stop = len(data) if stop < 0 else stop + 1
            batch = data[start:stop]
            found: dict[int, list[int]] = {}
            for line, pattern in self._batch(batch, source, first_line + offset):
                found.setdefault(line, []).append(pattern)
            for line in sorted(found):
                yield offset + line, sorted(set(found[line]))
            offset += batch.count(b"\n")
            start = stop

    def close(self) -> None:
        """Stop the worker, if one runs."""
        if self._worker is not None:
            self._worker.kill()
            self._worker = None

    def _batch(self, batch: bytes, source: str, first_line: int) -> list[Hit]:
        hits: list[Hit] = []
        skip = 0  # lines of the batch already searched by a worker that was killed
        while True:
            active = [n for n in range(len(self.compiled)) if n not in self.disabled]
            if not active:
                return hits
            if self._worker is None:
                self._worker = _Worker([c.regex.pattern for c in self.compiled])
            stuck = self._worker.search(batch, skip, active, hits, self.limit)
            if stuck is None:
                return hits
            self._worker.kill()
            self._worker = None
            line, pattern = stuck
            self.disabled.add(pattern)
            self.warn(self._warning(pattern, source, first_line + line))
            skip = line

    def _warning(self, pattern: int, source: str, line: int) -> str:
        route = self.compiled[pattern].route
        where = route.error("").location()
        return (
            f"{where + ': ' if where else ''}warning: runbook {route.id!r}: its Pattern ran "
            f"longer than {self.limit:g}s on line {line} of {source} (Python re backtracking); "
            "it is not matched for the rest of this run"
        )


class _Worker:
    """A forked process searching lines for Patterns, its progress in shared memory."""

    def __init__(self, patterns: list[str]) -> None:
        self.progress = mmap.mmap(-1, _STEP.size)
        _STEP.pack_into(self.progress, 0, -1)
        requests_in, self.requests = os.pipe()
        self.replies, replies_out = os.pipe()
        self.patterns = len(patterns)
        self.pid = os.fork()
        if self.pid == 0:  # the child: never return into the caller's code
            status = 1
            try:
                os.close(self.requests)
                os.close(self.replies)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                _serve(patterns, requests_in, replies_out, self.progress)
                status = 0
            finally:
                os._exit(status)
        os.close(requests_in)
        os.close(replies_out)
        self._pending = b""
        self.kill = weakref.finalize(self, _stop, self.pid, self.requests, self.replies)

    def search(
        self, batch: bytes, skip: int, active: list[int], hits: list[Hit], limit: float
    ) -> tuple[int, int] | None:
        """Search ``batch`` from line ``skip``, adding to ``hits``; the stuck (line, Pattern)."""
        _send(self.requests, marshal.dumps((batch, skip, active)))
        last, since = -1, time.monotonic()
        while True:
            ready = select.select([self.replies], [], [], _POLL)[0]
            if ready:
                for message in self._read():
                    if message is None:
                        return None
                    hits.append(message)
                continue
            step = _STEP.unpack_from(self.progress)[0]
            now = time.monotonic()
            if step != last:
                last, since = step, now
            elif now - since > limit and step >= 0:
                for message in self._read(wait=False):
                    if message is not None:
                        hits.append(message)
                return divmod(step, self.patterns)

    def _read(self, wait: bool = True) -> list[Hit | None]:
        """The messages that arrived: a hit, or None when the batch is done."""
        if wait:
            chunk = os.read(self.replies, 1 << 16)
            if not chunk:
                raise OSError(errno.EPIPE, "the worker running Python re Patterns stopped")
            self._pending += chunk
        else:
            while select.select([self.replies], [], [], 0)[0]:
                chunk = os.read(self.replies, 1 << 16)
                if not chunk:
                    break
                self._pending += chunk
        messages: list[Hit | None] = []
        while len(self._pending) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self._pending)
            if len(self._pending) < _HEADER.size + size:
                break
            body = self._pending[_HEADER.size : _HEADER.size + size]
            self._pending = self._pending[_HEADER.size + size :]
            value = marshal.loads(body)
            messages.append(None if value is None else (value[0], value[1]))
        return messages


def _stop(pid: int, *fds: int) -> None:
    """Kill the worker ``pid`` and close its pipes."""
    for fd in fds:
        os.close(fd)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def _send(fd: int, payload: bytes) -> None:
    data = memoryview(_HEADER.pack(len(payload)) + payload)
    while data:
        data = data[os.write(fd, data) :]


def _receive(fd: int) -> bytes | None:
    header = _read_exactly(fd, _HEADER.size)
    return None if header is None else _read_exactly(fd, _HEADER.unpack(header)[0])


def _read_exactly(fd: int, size: int) -> bytes | None:
    parts: list[bytes] = []
    while size:
        chunk = os.read(fd, size)
        if not chunk:
            return None
        parts.append(chunk)
        size -= len(chunk)
    return b"".join(parts)


def _serve(patterns: list[str], requests: int, replies: int, progress: mmap.mmap) -> None:
    """The worker's loop: search each batch it is sent until the parent closes the pipe."""
    regexes = [re.compile(p) for p in patterns]
    count = len(patterns)
    while (request := _receive(requests)) is not None:
        batch, skip, active = marshal.loads(request)
        lines = batch.split(b"\n")
        if batch.endswith(b"\n"):
            lines.pop()
        for index in range(skip, len(lines)):
            text = lines[index].decode("utf-8").removesuffix("\r")
            for pattern in active:
                _STEP.pack_into(progress, 0, index * count + pattern)
                if regexes[pattern].search(text):
                    _send(replies, marshal.dumps((index, pattern)))
        _STEP.pack_into(progress, 0, -1)
        _send(replies, marshal.dumps(None))
