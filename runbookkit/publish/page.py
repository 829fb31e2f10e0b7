"""A runbook's page: its Markdown as written, repaired, with runbookkit's additions in place.

The additions are a header card under the title, the command that runs each runnable section
under its heading, lint findings as an admonition, and a "Run history" section at the end. HTML
additions go through :class:`~runbookkit.publish.html.Slots`, so Markdown never reads them.
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
from dataclasses import dataclass

from runbookkit.model import Runbook
from runbookkit.parsing import damage
from runbookkit.parsing.fences import split_lines
from runbookkit.plan import plan
from runbookkit.publish.html import Slots, badge, esc, severity_badge

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
_H1 = re.compile(r"^ {0,3}#(\s|$)")


@dataclass(frozen=True)
class Finding:
    """A lint finding as the page shows it."""

    code: str
    level: str
    line: int | None
    message: str


def header_card(runbook: Runbook, today: dt.date) -> str:
    """The card under the title: severity, MTTR, Pattern, dates, people (all escaped)."""
    meta = runbook.metadata
    rows: list[tuple[str, str]] = [
        ("Severity", severity_badge(meta.severity.value if meta.severity else None)),
        ("MTTR target", esc(meta.mttr.text) if meta.mttr else "—"),
        ("Pattern", f"<code>{esc(meta.pattern)}</code>" if meta.pattern else "—"),
        ("Last updated", esc(meta.last_updated) if meta.last_updated else "—"),
        ("Next review", review(meta.next_review, today)),
    ]
    for label, value in (
        ("Summary", meta.summary),
        ("Tags", ", ".join(meta.tags)),
        ("Author", meta.author),
        ("Owner", meta.owner),
        ("Reviewed by", meta.reviewed_by),
        ("Version", meta.version),
    ):
        if value:
            rows.append((label, esc(value)))
    cells = "".join(f"<dt>{esc(label)}</dt><dd>{value}</dd>" for label, value in rows)
    return f'<div class="rbk-card"><dl class="rbk-meta">{cells}</dl></div>'


def review(next_review: dt.date | None, today: dt.date) -> str:
    """The next review date, with an ``overdue`` badge once it has passed."""
    if next_review is None:
        return "—"
    if next_review < today:
        return f"{esc(next_review)} {badge('overdue', 'bad')}"
    return esc(next_review)


def run_command(runbook_id: str, section_id: str) -> str:
    """The exact command that runs one section, quoted for a POSIX shell."""
    return f"runbookkit run {shlex.quote(runbook_id)} --section {shlex.quote(section_id)}"


def runnable_sections(runbook: Runbook) -> list[str]:
    """Ids of the sections whose run executes at least one shell step."""
    out = []
    for section in runbook.sections:
        steps = plan(runbook, section.id).steps
        if any(planned.step.kind == "shell" for planned in steps):
            out.append(section.id)
    return out


def lint_admonition(findings: list[Finding]) -> str:
    """The findings as an admonition (the same HTML the admonition extension writes)."""
    worst = "failure" if any(f.level == "error" for f in findings) else "warning"
    items = "".join(
        f"<li><code>{esc(f.code)}</code> {esc(f.level)}"
        f"{' (line ' + esc(f.line) + ')' if f.line else ''}: {esc(f.message)}</li>"
        for f in findings
    )
    title = f"Lint: {len(findings)} finding{'s' if len(findings) != 1 else ''}"
    return (
        f'<div class="admonition {worst} rbk-lint"><p class="admonition-title">{esc(title)}</p>'
        f"<ul>{items}</ul></div>"
    )


def runbook_markdown(
    source: str,
    runbook: Runbook,
    slots: Slots,
    *,
    today: dt.date,
    findings: list[Finding] | None = None,
    history: str | None = None,
) -> str:
    """The page's Markdown: ``source`` repaired, with the card, commands, lint and history.

    Args:
        source: the runbook file's text as written.
        runbook: the parsed runbook (its section lines index into ``source``).
        slots: where the HTML additions are kept until the page is rendered.
        today: the date reviews are compared with.
        findings: lint findings to show; none or empty shows nothing.
        history: the run history HTML; None leaves the section out.
    """
    lines = split_lines(source.removeprefix("\ufeff"))
    if damage.has_damage(source):
        lines, _ = damage.repair(lines)
    start, title_line = _front_matter_end(lines), _title_line(lines)
    after: dict[int, list[str]] = {}
    top = [slots.add(header_card(runbook, today))]
    if findings:
        top.append(slots.add(lint_admonition(findings)))
    after.setdefault(title_line if title_line is not None else start, []).extend(top)
    for section_id in runnable_sections(runbook):
        section = runbook.section(section_id)
        assert section is not None
        command = run_command(runbook.id, section_id)
        block = ["", "Run this section:", "", "```bash", command, "```", ""]
        after.setdefault(_heading_end(lines, section.line), []).extend(block)
    out: list[str] = [] if start else ["---", "{}", "---"]
    out += after.get(0, [])
    for number, line in enumerate(lines, 1):
        out.append(line)
        out += after.get(number, [])
    if history is not None:
        out += ["", "## Run history", slots.add(history)]
    return "\n".join(out) + "\n"


def _front_matter_end(lines: list[str]) -> int:
    """Number of lines of YAML front matter at the top (0 when there is none)."""
    if not lines or lines[0].rstrip() != "---":
        return 0
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return index + 1
    return 0


def _title_line(lines: list[str]) -> int | None:
    """The 1-based line of the H1 title, outside code fences, or None."""
    fence: str | None = None
    for index, line in enumerate(lines[_front_matter_end(lines) :], _front_matter_end(lines)):
        match = _FENCE.match(line)
        if match:
            marker = match.group(1)[0]
            fence = None if fence == marker else (fence or marker)
        elif fence is None and _H1.match(line):
            return index + 1
    return None


def _heading_end(lines: list[str], line: int) -> int:
    """The last line of the heading at ``line`` (a setext heading has an underline).

    The implicit section of what comes before the first heading starts at content, not at a
    heading: the line before it.
    """
    if line < len(lines) and _SETEXT.match(lines[line]) and lines[line - 1].strip():
        return line + 1
    if 0 < line <= len(lines) and not lines[line - 1].lstrip().startswith("#"):
        return line - 1
    return line
