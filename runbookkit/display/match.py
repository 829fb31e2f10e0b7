"""What ``runbookkit match`` prints: each match as text or a JSON line, the counts per
runbook, and which engine runs the Patterns."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, TextIO

import click

from runbookkit.display.common import BAD, plural
from runbookkit.terminal import visible

if TYPE_CHECKING:
    from runbookkit.match import Match, Matcher, Route


class Printer:
    """Print matches as text, JSON lines or counts, and remember how many lines matched."""

    def __init__(
        self,
        matcher: Matcher,
        *,
        as_json: bool,
        count: bool,
        color: bool,
        flush: bool,
        out: TextIO | None = None,
    ) -> None:
        self.out = out or sys.stdout
        self.as_json, self.count, self.color, self.flush = as_json, count, color, flush
        self.lines: set[tuple[str, int]] = set()
        self.per_runbook: Counter[str] = Counter()
        self.matcher = matcher
        self.routes = matcher.routes
        self.counted = 0

    @property
    def total(self) -> int:
        """How many distinct lines matched."""
        return len(self.lines) + self.counted

    def add_counts(self, per_runbook: Counter[str], lines: int) -> None:
        """Add the counts of a whole file (``--count`` without ``--first``)."""
        self.per_runbook.update(per_runbook)
        self.counted += lines

    def add(self, match: Match) -> None:
        """Count ``match`` and, unless counting only, print it."""
        self.lines.add((match.source, match.line))
        self.per_runbook[match.route.id] += 1
        if self.count:
            return
        self.out.write(render_json(match) if self.as_json else render_text(match, self.color))
        if self.flush:
            self.out.flush()

    def finish(self) -> None:
        """Print the counts, if asked for."""
        if not self.count:
            return
        if self.as_json:
            engines = {name: len(ids) for name, ids in self.matcher.engines().items() if ids}
            body = {"lines": self.total, "runbooks": dict(self.per_runbook), "engines": engines}
            self.out.write(json.dumps(body) + "\n")
            return
        for line in render_counts(self.per_runbook, self.routes, self.total):
            self.out.write(line + "\n")


def render_text(match: Match, color: bool) -> str:
    """Two lines: which runbook (id, severity, MTTR, title), then ``file:line`` and the line."""
    route = match.route
    facts = ", ".join(
        part for part in (route.severity, route.mttr and f"MTTR {route.mttr}") if part
    )
    head = f"{route.id} ({facts}) {route.title}" if facts else f"{route.id} {route.title}"
    head, name, text = visible(head), visible(route.id), match.text
    before, hit, after = text[: match.start], text[match.start : match.end], text[match.end :]
    text = visible(text)
    if color:
        head = click.style(name, bold=True) + head[len(name) :]
        text = visible(before) + click.style(visible(hit), fg=BAD, bold=True) + visible(after)
    return f"{head}\n  {visible(match.source)}:{match.line}: {text}\n"


def render_json(match: Match) -> str:
    """One JSON object on one line."""
    route = match.route
    body = {
        "runbook": route.id,
        "title": route.title,
        "severity": route.severity,
        "mttr": route.mttr,
        "runbook_path": route.path,
        "pattern_line": route.line,
        "file": match.source,
        "line": match.line,
        "text": match.text,
        "match": {"start": match.start, "end": match.end, "text": match.matched},
        "continuation": match.continuation,
        "engine": match.engine,
    }
    return json.dumps(body, ensure_ascii=False) + "\n"


def render_engines(matcher: Matcher) -> list[str]:
    """Which engine runs the Patterns: how many each, and by name those not on Hyperscan."""
    engines = matcher.engines()
    lines = []
    if engines["hyperscan"]:
        number = len(engines["hyperscan"])
        lines.append(f"engine: hyperscan for {plural(number, 'Pattern')}, RE2 confirms")
    elif engines["re2"]:
        lines.append("engine: Hyperscan not used (not installed, or RUNBOOKKIT_MATCH_ENGINE=re2)")
    for name, label in (("re2", "RE2"), ("re", "Python re (time-limited worker)")):
        if engines[name]:
            lines.append(f"engine: {label} for {len(engines[name])}: {', '.join(engines[name])}")
    return [visible(line) for line in [*lines, *matcher.notes]]


def render_counts(per_runbook: Counter[str], routes: Iterable[Route], total: int) -> list[str]:
    """``COUNT  ID  (severity) title`` per runbook that matched, most severe first, then total."""
    ordered = sorted((r for r in routes if per_runbook[r.id]), key=lambda r: (r.rank, r.id))
    lines = [f"{per_runbook[r.id]:>9}  {r.id}  ({r.severity or '-'}) {r.title}" for r in ordered]
    return [*lines, f"{total:>9}  lines matched"]
