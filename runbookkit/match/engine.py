"""The matcher: every runbook's Pattern compiled once, run over whole buffers of log lines.

One combined RE2 pattern (each runbook's Pattern one alternative, multi-line mode, never
crossing a newline) scans the whole buffer to find the few candidate lines; only on those does
an RE2 set tell which runbooks match. Both run in time linear in the input.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from runbookkit.match import context
from runbookkit.match.routes import Compiled, PatternError, Route, compile_route, re2_options

if TYPE_CHECKING:
    from runbookkit.model import Runbook


@dataclass(slots=True)
class Match:
    """One runbook matched on one line of a log.

    Attributes:
        route: the runbook that matched.
        source: the log it was found in (a path, ``-`` for stdin, ``<message>``).
        line: 1-based line in ``source``.
        text: the whole line.
        start: where the matched text starts in ``text``.
        end: where it ends.
        continuation: the stack-trace lines that follow the line.
    """

    route: Route
    source: str
    line: int
    text: str
    start: int
    end: int
    continuation: list[str] = field(default_factory=list)

    @property
    def matched(self) -> str:
        """The matched part of the line."""
        return self.text[self.start : self.end]


def normalise(data: bytes) -> bytes:
    """``data`` as valid UTF-8: invalid bytes become U+FFFD; no newline is added or lost."""
    if data.isascii():
        return data
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace").encode("utf-8")
    return data


class Matcher:
    """Route log lines to the runbooks whose Pattern they match.

    Args:
        runbooks: parsed runbooks (or :class:`Route` objects); those without a Pattern are left out.
        strict: raise :class:`PatternError` for an invalid Pattern; when False, keep it in
            :attr:`errors` and match with the others.

    Attributes:
        routes: the routes that take part, in the order given.
        warnings: one line per Pattern that RE2 cannot run and Python's ``re`` runs instead.
        errors: the invalid Patterns (only when ``strict`` is False).
    """

    def __init__(self, runbooks: Iterable[Runbook | Route], *, strict: bool = True) -> None:
        import re2

        self.warnings: list[str] = []
        self.errors: list[PatternError] = []
        self._fast: list[Compiled] = []
        self._slow: list[Compiled] = []
        for item in runbooks:
            route = item if isinstance(item, Route) else Route.from_runbook(item)
            if route is not None:
                self._add(route, strict)
        self.routes = [c.route for c in self._fast + self._slow]
        self._combined: Any = None
        self._set: Any = None
        if self._fast:
            union = "|".join(f"(?:{c.buffer_pattern})" for c in self._fast)
            self._combined = re2.compile(f"(?m){union}", re2_options(buffer=True))
            self._set = re2.Set.SearchSet(re2_options(buffer=False))
            for compiled in self._fast:
                self._set.Add(compiled.line_pattern)
            self._set.Compile()

    def _add(self, route: Route, strict: bool) -> None:
        try:
            compiled, warning = compile_route(route)
        except PatternError as exc:
            if strict:
                raise
            self.errors.append(exc)
            return
        if warning:
            self.warnings.append(warning)
        (self._slow if compiled.engine == "re" else self._fast).append(compiled)

    def match(self, text: str | bytes, source: str = "<message>") -> list[Match]:
        """Every match in ``text`` (a message or a whole log), line by line, in order."""
        data = text.encode("utf-8") if isinstance(text, str) else text
        return list(self.scan_buffer(data, source))

    def scan_file(self, path: str, *, context: bool = True) -> Iterator[Match]:
        """Every match in the file at ``path``; OSError propagates (missing, directory…)."""
        with open(path, "rb") as handle:
            data = handle.read()
        yield from self.scan_buffer(data, path, context=context)

    def scan(self, stream: IO[Any], source: str = "-", **options: Any) -> Iterator[Match]:
        """Every match of a stream, yielded as soon as its line (and stack trace) arrived.

        See :func:`runbookkit.match.stream.scan` for ``options`` (``context``, ``idle``).
        """
        from runbookkit.match.stream import scan

        yield from scan(self, stream, source, **options)

    def scan_buffer(
        self, data: bytes, source: str, *, first_line: int = 1, context: bool = True
    ) -> Iterator[Match]:
        """Every match in ``data``, a buffer of whole lines; ``first_line`` numbers its first."""
        yield from self.scan_block(normalise(data), source, first_line, context)[0]

    def scan_block(
        self, data: bytes, source: str, first_line: int, with_context: bool
    ) -> tuple[list[Match], bool]:
        """The matches of valid UTF-8 ``data``; also whether the last match's trace may go on."""
        matches: list[Match] = []
        still_open = False
        for index, start, stop, hits in self._hits(data):
            text = data[start:stop].decode("utf-8")
            trace: list[str] = []
            if with_context:
                trace, still_open = context.following(data, stop + 1, text)
            for compiled in sorted(hits, key=lambda c: (c.route.rank, c.route.id)):
                found = compiled.regex.search(text)
                begin, end = found.span() if found else (0, 0)
                line = first_line + index
                matches.append(Match(compiled.route, source, line, text, begin, end, trace))
        return matches, still_open

    def _hits(self, data: bytes) -> Iterator[tuple[int, int, int, list[Compiled]]]:
        """(line index, line start, line end, compiled routes) of each matching line."""
        if not self._slow:
            yield from self._fast_hits(data)
            return
        merged: dict[int, tuple[int, int, list[Compiled]]] = {}
        for index, start, stop, hits in self._fast_hits(data):
            merged[index] = (start, stop, hits)
        for index, start, stop, hits in self._slow_hits(data):
            merged.setdefault(index, (start, stop, []))[2].extend(hits)
        for index in sorted(merged):
            yield (index, *merged[index])

    def _fast_hits(self, data: bytes) -> Iterator[tuple[int, int, int, list[Compiled]]]:
        if self._combined is None:
            return
        size = len(data)
        search = self._combined.search
        pos = counted = index = 0
        while pos < size:
            found = search(data, pos, size)
            if found is None:
                return
            start = data.rfind(b"\n", 0, found.start()) + 1
            stop = data.find(b"\n", found.start())
            stop = size if stop < 0 else stop
            index += data.count(b"\n", counted, start)
            counted = start
            which = self._set.Match(data[start:stop])
            if which:
                yield index, start, stop, [self._fast[i] for i in which]
            pos = stop + 1

    def _slow_hits(self, data: bytes) -> Iterator[tuple[int, int, int, list[Compiled]]]:
        start = 0
        for index, raw in enumerate(data.split(b"\n")):
            stop = start + len(raw)
            if start < len(data):
                text = raw.decode("utf-8")
                hits = [c for c in self._slow if c.regex.search(text)]
                if hits:
                    yield index, start, stop, hits
            start = stop + 1
