"""Routes: the Pattern of each runbook, checked and translated for RE2.

A runbook's Pattern is a Python regular expression. RE2 runs nearly all of them in time linear in
the input; the few it refuses (backreferences, lookaround, atomic groups) are run with Python's
``re`` for that runbook alone, and the matcher warns about them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runbookkit.errors import ParseError

if TYPE_CHECKING:
    from runbookkit.model import Runbook

# RE2 keeps a cache of DFA states within this budget; 200 seed-like patterns need far more than
# the 8 MiB default, or RE2 gives up on the DFA and crawls. Memory is only used as states appear.
MAX_MEM = 1 << 30
# In a buffer, the end of a line, before its "\r" if it has one (as Python reads CRLF files).
END_OF_LINE = r"(?:\r?$)"


class PatternError(ParseError):
    """A runbook's Pattern is not a valid regular expression."""


@dataclass(frozen=True, slots=True)
class Route:
    """What the matcher needs of a runbook: who it is and the error it answers.

    Attributes:
        id: the runbook id.
        title: its title.
        pattern: the Pattern, a Python regular expression.
        severity: the severity name, if any.
        rank: 0 for critical and up, for ordering the matches of one line.
        mttr: the MTTR target as written, if any.
        path: the runbook file.
        line: the line of the Pattern in that file.
    """

    id: str
    title: str
    pattern: str
    rank: int
    severity: str | None = None
    mttr: str | None = None
    path: str = ""
    line: int | None = None

    @classmethod
    def from_runbook(cls, runbook: Runbook) -> Route | None:
        """The route of a parsed runbook, or None when it has no Pattern."""
        from runbookkit.model import severity_rank

        meta = runbook.metadata
        if not meta.pattern:
            return None
        return cls(
            id=runbook.id,
            title=meta.title,
            pattern=meta.pattern,
            severity=meta.severity.value if meta.severity else None,
            rank=severity_rank(meta.severity),
            mttr=meta.mttr.text if meta.mttr else None,
            path=runbook.path,
            line=meta.lines.get("pattern"),
        )

    def error(self, message: str) -> PatternError:
        """A :class:`PatternError` located at this route's Pattern line."""
        return PatternError(message, path=self.path or None, line=self.line)


def re2_options(*, buffer: bool) -> Any:
    """RE2 options for a line (``buffer=False``) or a whole buffer of lines."""
    import re2

    options = re2.Options()
    options.max_mem = MAX_MEM
    options.log_errors = False
    if buffer:
        # A match never spans lines, even through `\s` or `[^x]`; groups are not needed.
        options.never_nl = True
        options.never_capture = True
    return options


def translate(pattern: str, *, buffer: bool) -> str:
    r"""Rewrite the Python-only escapes of ``pattern`` into RE2 syntax.

    ``\Z`` (Python's end of text) becomes ``\z``. For a buffer scanned in multi-line mode, where
    the text of one line is a slice of the buffer, ``\A`` becomes ``^``, and ``\Z``, ``\z`` and
    ``$`` become ``(?:\r?$)``: a line of a CRLF log is matched without its ``\r``, as Python
    reads it.
    """
    specials = (r"\A", r"\Z", r"\z", "$") if buffer else (r"\Z",)
    if not any(special in pattern for special in specials):
        return pattern  # the common case, without walking the pattern
    out: list[str] = []
    i, class_start = 0, -1  # where the current [class] began, -1 outside one
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            token = pattern[i : i + 2]
            if class_start < 0 and token == r"\Z":
                token = END_OF_LINE if buffer else r"\z"
            elif class_start < 0 and token == r"\z" and buffer:
                token = END_OF_LINE
            elif class_start < 0 and token == r"\A" and buffer:
                token = "^"
            out.append(token)
            i += 2
            continue
        if class_start >= 0:
            # "]" right after "[" or "[^" is a member, not the end of the class.
            if char == "]" and i > class_start:
                class_start = -1
        elif char == "[":
            class_start = i + 2 if pattern[i + 1 : i + 2] == "^" else i + 1
        elif char == "$" and buffer:
            char = END_OF_LINE
        out.append(char)
        i += 1
    return "".join(out)


class Compiled:
    """A route ready to run: with RE2 (compiled on first use) or with Python's ``re``."""

    __slots__ = ("_regex", "engine", "route")

    def __init__(self, route: Route, engine: str, regex: Any = None) -> None:
        self.route = route
        self.engine = engine  # "hyperscan" (found by it, confirmed by RE2), "re2" or "re"
        self._regex = regex

    @property
    def line_pattern(self) -> str:
        """The RE2 text of the Pattern for one line on its own."""
        return translate(self.route.pattern, buffer=False)

    @property
    def buffer_pattern(self) -> str:
        """The RE2 text of the Pattern for a buffer of lines scanned in multi-line mode."""
        return translate(self.route.pattern, buffer=True)

    @property
    def regex(self) -> Any:
        """The compiled pattern for one line, to find where on the line it matched."""
        if self._regex is None:
            import re2

            self._regex = re2.compile(self.line_pattern, re2_options(buffer=False))
        return self._regex


def fallback(route: Route, reason: object) -> tuple[Compiled, str]:
    """The route compiled with Python's ``re``, and the warning that says so.

    Raises:
        PatternError: the Pattern is not a valid Python regular expression either.
    """
    try:
        regex = re.compile(route.pattern)
    except re.error as exc:
        raise route.error(
            f"invalid regex in Pattern of runbook {route.id!r}: {exc}; "
            "expected a Python regular expression"
        ) from None
    if isinstance(reason, bytes):
        reason = reason.decode("utf-8", "replace")
    where = route.error("").location()
    warning = (
        f"{where + ': ' if where else ''}warning: runbook {route.id!r}: RE2 cannot run its "
        f"Pattern ({reason}); matching it with Python re instead, which can be slow"
    )
    return Compiled(route, "re", regex), warning
