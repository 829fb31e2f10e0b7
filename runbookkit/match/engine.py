"""The matcher: every runbook's Pattern compiled once, run over whole buffers of log lines.

Engines in layers. A fast pass over the whole buffer finds the few candidate lines: Hyperscan
with every Pattern at once (:mod:`runbookkit.match.hyper`, when installed), and one combined
RE2 pattern (each Pattern one alternative, multi-line mode, never crossing a newline) for the
Patterns Hyperscan cannot compile. Only on those lines does an RE2 set of every Pattern tell
which runbooks match, so the results are RE2's whichever pass proposed the line. Patterns RE2
refuses run with Python's ``re`` in a worker with a time limit. All but the last run in time
linear in the input.
"""

from __future__ import annotations

import mmap
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeAlias

from runbookkit.files import open_regular
from runbookkit.match import context, scanner
from runbookkit.match.context import Buffer
from runbookkit.match.routes import Compiled, PatternError, Route, fallback, re2_options
from runbookkit.match.scanner import POPULATE, Finder, either, normalise, regex_finder

if TYPE_CHECKING:
    from runbookkit.model import Runbook

# The bytes looked at to choose between the Latin-1 scan of raw bytes and the UTF-8 one.
SAMPLE = 1 << 16
# A matching line: its index, where it starts and ends in its buffer, the routes that match it.
Line: TypeAlias = tuple[int, int, int, list["Compiled"]]


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
        engine: what found the line: ``hyperscan`` (confirmed by RE2), ``re2`` or ``re``.
    """

    route: Route
    source: str
    line: int
    text: str
    start: int
    end: int
    continuation: list[str] = field(default_factory=list)
    engine: str = "re2"

    @property
    def matched(self) -> str:
        """The matched part of the line."""
        return self.text[self.start : self.end]


class Matcher:
    """Route log lines to the runbooks whose Pattern they match.

    Args:
        runbooks: parsed runbooks (or :class:`Route` objects); those without a Pattern are left out.
        strict: raise :class:`PatternError` for an invalid Pattern; when False, keep it in
            :attr:`errors` and match with the others.
        hyperscan: use Hyperscan to find candidate lines (None: when installed and not turned
            off by ``RUNBOOKKIT_MATCH_ENGINE=re2``).
        cache_dir: where to keep the compiled Hyperscan database (default: runbookkit's cache
            directory, :func:`runbookkit.cache.cache_dir`).

    Attributes:
        routes: the routes that take part, in the order given.
        warnings: one line per Pattern that RE2 cannot run and Python's ``re`` runs instead
            (in a worker process, each line within :data:`runbookkit.match.slow.LIMIT`
            seconds), and one per such Pattern that ran out of time on a line.
        errors: the invalid Patterns (only when ``strict`` is False).
        warn: called with each warning that arises while scanning (default: kept in
            :attr:`warnings` only).
        notes: one line per Pattern Hyperscan cannot compile (RE2 finds its lines instead),
            known once :meth:`engines` has been called or a scan has begun.
    """

    def __init__(
        self,
        runbooks: Iterable[Runbook | Route],
        *,
        strict: bool = True,
        hyperscan: bool | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        import re2

        self.warnings: list[str] = []
        self.warn: Callable[[str], None] | None = None
        self._slow_runner: Any = None
        self.errors: list[PatternError] = []
        self._fast: list[Compiled] = []
        self._slow: list[Compiled] = []
        self._set: Any = re2.Set.SearchSet(re2_options(buffer=False))
        for item in runbooks:
            route = item if isinstance(item, Route) else Route.from_runbook(item)
            if route is not None:
                self._add(route, strict)
        self.routes = [c.route for c in self._fast + self._slow]
        # Python's re is not consulted for the Patterns RE2 accepts: compiling 200 of them would
        # cost more than scanning a large log, and the parser has checked them. The combined
        # patterns are compiled when first needed.
        self._ascii = all(c.route.pattern.isascii() for c in self._fast)
        self._hyperscan = hyperscan
        self._cache_dir = cache_dir
        self.notes: list[str] = []
        self._prepared = False
        self._prefilter: Any = None
        self._compiled_set = False
        self._finders: dict[bool, Finder] = {}

    def _add(self, route: Route, strict: bool) -> None:
        import re2

        compiled = Compiled(route, "re2")
        try:
            self._set.Add(compiled.line_pattern)
        except re2.error:
            try:
                compiled, warning = fallback(route, _re2_reason(compiled.line_pattern))
            except PatternError as error:
                if strict:
                    raise
                self.errors.append(error)
                return
            self.warnings.append(warning)
            self._slow.append(compiled)
            return
        self._fast.append(compiled)

    def match(self, text: str | bytes, source: str = "<message>") -> list[Match]:
        """Every match in ``text`` (a message or a whole log), line by line, in order."""
        data = text.encode("utf-8") if isinstance(text, str) else text
        return list(self.scan_buffer(data, source))

    def scan_file(
        self, path: str | os.PathLike[str], *, context: bool = True, first: bool = False
    ) -> Iterator[Match]:
        """Every match in the file at ``path`` (only the first line's if ``first``).

        OSError propagates: the file is missing, a directory, a FIFO or device, unreadable.
        """
        with open_regular(path) as handle, _mapped(handle) as data:
            matches = self.scan_block(data, os.fspath(path), 1, context, first=first)[0]
        yield from matches

    def count_file(self, path: str | os.PathLike[str]) -> tuple[Counter[str], int]:
        """How many lines of the file matched each runbook (by id), and how many matched."""
        with open_regular(path) as handle, _mapped(handle) as data:
            return self.count_block(data, (os.fspath(path), 1))

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
        yield from self.scan_block(data, source, first_line, context)[0]

    def scan_block(
        self,
        data: Buffer,
        source: str,
        first_line: int,
        with_context: bool,
        *,
        first: bool = False,
    ) -> tuple[list[Match], bool]:
        """The matches of ``data``; also whether the last match's trace may go on after it."""
        matches: list[Match] = []
        still_open = False
        data, lines = self._lines(data, count=True, first=first, source=(source, first_line))
        for index, start, stop, hits in lines:
            text = data[start:stop].decode("utf-8", "replace").removesuffix("\r")
            trace: list[str] = []
            if with_context:
                trace, still_open = context.following(data, stop + 1, text)
            scanner.release(data, start, stop + sum(len(t) + 1 for t in trace))
            for compiled in sorted(hits, key=lambda c: (c.route.rank, c.route.id)):
                found = compiled.regex.search(text)
                begin, end = found.span() if found else (0, 0)
                line = first_line + index
                matches.append(
                    Match(compiled.route, source, line, text, begin, end, trace, compiled.engine)
                )
        return matches, still_open

    def count_block(
        self, data: Buffer, source: tuple[str, int] = ("<log>", 1)
    ) -> tuple[Counter[str], int]:
        """How many lines of ``data`` matched each runbook, and how many lines matched.

        ``source``: the log's name and the number of ``data``'s first line, for warnings.
        """
        counts: Counter[str] = Counter()
        lines = self._lines(data, count=False, source=source)[1]
        for _index, _start, _stop, hits in lines:
            counts.update(c.route.id for c in hits)
        return counts, len(lines)

    def _lines(
        self,
        data: Buffer,
        *,
        count: bool,
        first: bool = False,
        source: tuple[str, int] = ("<log>", 1),
    ) -> tuple[Buffer, list[Line]]:
        """The buffer to slice lines from, and each matching line (numbered if ``count``).

        ``source`` (the log's name and the number of its first line) names a line in warnings.
        """
        if not self.routes:
            return data, []
        self._prepare()
        rest = [c for c in self._fast if c.engine == "re2"]
        if (
            self._slow
            or not all(c.route.pattern.isascii() for c in rest)
            or (rest and not data[:SAMPLE].isascii())
        ):
            data = normalise(bytes(data))
            return data, self._merged(data, count, source)
        # Hyperscan in byte mode, and ASCII Patterns over raw bytes in RE2's Latin-1 mode, mean
        # the same as over UTF-8 text for every ASCII line; lines with other bytes are all
        # candidates, decoded and checked alone. (With Patterns left to RE2, a log that is not
        # ASCII from its start takes the UTF-8 path above instead.)
        find = self._finder(raw=True)
        found = scanner.scan(
            data, find, self._confirm(), raw=True, count=count, first=first, parallel=True
        )
        return data, self._routed(found)

    def engines(self) -> dict[str, list[str]]:
        """The ids of the runbooks each engine runs: ``hyperscan``, ``re2``, ``re``."""
        self._prepare()
        found: dict[str, list[str]] = {"hyperscan": [], "re2": [], "re": []}
        for compiled in self._fast + self._slow:
            found[compiled.engine].append(compiled.route.id)
        return found

    def _prepare(self) -> None:
        """Load or compile the Hyperscan database, once; mark the Patterns it runs."""
        if self._prepared:
            return
        self._prepared = True
        from runbookkit.match import hyper

        if not self._fast or not (hyper.wanted() if self._hyperscan is None else self._hyperscan):
            return
        from runbookkit.cache import cache_dir

        patterns = [c.buffer_pattern for c in self._fast]
        prefilter = hyper.Prefilter(patterns, self._cache_dir or cache_dir())
        for index, reason in prefilter.rejected:
            route = self._fast[index].route
            where = route.error("").location()
            self.notes.append(
                f"{where + ': ' if where else ''}note: runbook {route.id!r}: Hyperscan cannot "
                f"compile its Pattern ({reason}); RE2 finds its lines instead"
            )
        for index in prefilter.indexes:
            self._fast[index].engine = "hyperscan"
        self._prefilter = prefilter if prefilter.indexes else None

    def _which(self, line: bytes) -> Any:
        """The indexes of the RE2 Patterns that match ``line``, by the RE2 set of them all."""
        if not self._compiled_set:
            self._set.Compile()
            self._compiled_set = True
        return self._set.Match(line)

    def _confirm(self) -> Callable[[bytes, int], Any]:
        """What confirms a proposed line (its bytes, where it ends): the Patterns Hyperscan saw
        match there, each by its own RE2 pattern; else (RE2 proposed it too, or Hyperscan could
        not say) the RE2 set of them all.
        """
        prefilter = self._prefilter
        if prefilter is None or any(c.engine == "re2" for c in self._fast):
            return lambda line, _stop: self._which(line)
        fast = self._fast

        def confirm(line: bytes, stop: int) -> Any:
            hinted = prefilter.hint(stop)
            if hinted is None:
                return self._which(line)
            return [index for index in hinted if fast[index].regex.search(line)]

        return confirm

    def _finder(self, *, raw: bool) -> Finder:
        """The finder of candidate lines for the RE2 Patterns: Hyperscan and RE2 together.

        ``raw``: the buffer may hold invalid UTF-8 (RE2 runs in Latin-1 mode).
        """
        if raw not in self._finders:
            finders: list[Finder] = []
            if self._prefilter is not None:
                finders.append(self._prefilter.find)
            rest = [c for c in self._fast if c.engine == "re2"]
            if rest:
                finders.append(regex_finder(_compile_latin1(rest) if raw else _compile_utf8(rest)))
            self._finders[raw] = either(finders)
        return self._finders[raw]

    def _merged(self, data: bytes, count: bool, source: tuple[str, int]) -> list[Line]:
        """The matching lines of valid UTF-8 ``data``, by RE2 and by Python's ``re``."""
        fast: list[Line] = []
        if self._fast:
            find = self._finder(raw=False)
            rest = any(c.engine == "re2" for c in self._fast)
            found = scanner.scan(data, find, self._confirm(), raw=False, count=True, parallel=rest)
            fast = self._routed(found)
        if not self._slow:
            return fast
        merged: dict[int, Line] = {line[0]: line for line in fast}
        for index, start, stop, hits in self._slow_lines(data, source):
            merged.setdefault(index, (index, start, stop, []))[3].extend(hits)
        return [merged[index] for index in sorted(merged)]

    def _routed(self, hits: list[scanner.Hit]) -> list[Line]:
        return [(i, start, stop, [self._fast[n] for n in found]) for i, start, stop, found in hits]

    def _slow_lines(self, data: bytes, source: tuple[str, int]) -> Iterator[Line]:
        """The lines Python's ``re`` Patterns match, searched in a worker with a time limit."""
        if self._slow_runner is None:
            from runbookkit.match.slow import SlowPatterns

            self._slow_runner = SlowPatterns(self._slow, self.add_warning)
        found = dict(self._slow_runner.hits(data, *source))
        if not found:
            return
        start = 0
        for index, raw in enumerate(data.split(b"\n")):
            if index in found:
                yield index, start, start + len(raw), [self._slow[n] for n in found[index]]
            start += len(raw) + 1

    def add_warning(self, warning: str) -> None:
        """Keep ``warning`` in :attr:`warnings` and pass it to :attr:`warn`."""
        self.warnings.append(warning)
        if self.warn is not None:
            self.warn(warning)


@contextmanager
def _mapped(handle: IO[bytes]) -> Iterator[Buffer]:
    """The file's bytes, mapped into memory when it can be (no copy), else read.

    A file up to :data:`POPULATE` bytes is read in at once (fewer page faults); a larger one
    page by page, and the pages a scan has passed are let go (:func:`scanner.release`).
    """
    try:
        size = os.fstat(handle.fileno()).st_size
        flags = mmap.MAP_SHARED
        if size <= POPULATE:
            flags |= getattr(mmap, "MAP_POPULATE", 0)
        mapped = mmap.mmap(handle.fileno(), 0, flags=flags, prot=mmap.PROT_READ)
    except (OSError, ValueError):  # empty, a pipe or a special file
        yield handle.read()
        return
    with mapped:
        yield mapped


def _union(fast: list[Compiled]) -> str:
    return "(?m)" + "|".join(f"(?:{c.buffer_pattern})" for c in fast)


def _compile_utf8(fast: list[Compiled]) -> Any:
    import re2

    return re2.compile(_union(fast), re2_options(buffer=True))


def _compile_latin1(fast: list[Compiled]) -> Any:
    import re2

    options = re2_options(buffer=True)
    options.encoding = re2.Options.Encoding.LATIN1
    return re2.compile(_union(fast).encode("ascii") + rb"|[\x80-\xff]", options)


def _re2_reason(pattern: str) -> str:
    """Why RE2 refuses ``pattern``, in RE2's words."""
    import re2

    try:
        re2.compile(pattern, re2_options(buffer=False))
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
    return "not accepted in a set"
