"""Multi-line events: the stack-trace lines that follow a matching line belong to its match."""

from __future__ import annotations

import mmap
import re
from typing import TypeAlias

# What log lines are scanned in: bytes, or a file mapped into memory.
Buffer: TypeAlias = bytes | mmap.mmap

# Lines that continue an event: Java/Node `at …` frames, `... 12 more`, Python's traceback header
# and `File "…"` frames, chained-exception headers. Anchored and without nested repetition, so
# Python's re runs them in linear time.
_FRAME = re.compile(
    r'[ \t]+(?:at |File "|\.\.\. \d+ (?:more|common frames omitted))'
    r"|Traceback \(most recent call last\):"
    r"|Caused by: "
    r"|During handling of the above exception"
    r"|The above exception was the direct cause"
)
# At most this many lines are attached to one match, so a runaway trace cannot fill memory.
MAX_LINES = 200


def is_continuation(line: str, previous: str) -> bool:
    """Whether ``line`` continues the event whose previous line was ``previous``.

    Besides the frame lines themselves, an indented line right after a Python ``File "…"`` frame
    (the source line and its ``^^^`` markers) continues the event.
    """
    if _FRAME.match(line):
        return True
    if not line.startswith("    "):
        return False
    return previous.lstrip().startswith('File "') or previous.startswith("    ")


def following(data: Buffer, start: int, previous: str) -> tuple[list[str], bool]:
    """The continuation lines of ``data`` from offset ``start`` (a line start) on.

    Returns the lines and whether they reach the end of ``data``, so that more of the event may
    arrive with the next block of a stream.
    """
    lines: list[str] = []
    end = len(data)
    pos = start
    while pos < end and len(lines) < MAX_LINES:
        newline = data.find(b"\n", pos)
        stop = end if newline < 0 else newline
        text = data[pos:stop].decode("utf-8", "replace").rstrip("\r")
        if not is_continuation(text, previous):
            return lines, False
        lines.append(text)
        previous = text
        pos = stop + 1
    return lines, len(lines) < MAX_LINES
