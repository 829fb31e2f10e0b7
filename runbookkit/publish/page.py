"""A runbook's page: its Markdown rendered as GitHub shows it, with runbookkit's additions.

The additions are a header card under the title (the header and footer ``**Key:** value`` lines
it shows are not rendered again below it), a "Run this section" box under each runnable
section's heading (the command with the variables it needs, and whether it has destructive or
manual steps), lint findings as an admonition, and a "Run history" section at the end. They are
HTML blocks put into the rendered token stream (see :mod:`runbookkit.publish.render`).
"""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

from markdown_it.token import Token

from runbookkit.model import Runbook
from runbookkit.parsing import damage
from runbookkit.parsing.fences import split_lines
from runbookkit.planning import plan
from runbookkit.publish.html import badge, esc, severity_badge
from runbookkit.publish.render import Heading, Link, Rendered, render

TITLE_ID = "runbook-title"  # the title's id when the source has no H1 (front matter gives it)
HISTORY_ID = "run-history"
RESERVED = frozenset({TITLE_ID, HISTORY_ID})


@dataclass(frozen=True)
class Finding:
    """A lint finding as the page shows it."""

    code: str
    level: str
    line: int | None
    message: str


@dataclass(frozen=True)
class Variable:
    """A variable a section's run needs and nothing gives it."""

    name: str
    step: int
    line: int
    placeholder: str | None = None  # the placeholder it stands for (``<pod-name>``)
    secret: bool = False  # named in the runbook's ``secrets:``: given with --secret


@dataclass(frozen=True)
class SectionRun:
    """What running one section takes: its command's values and the steps that need care."""

    runbook_id: str
    section_id: str
    variables: list[Variable] = field(default_factory=list)
    destructive: list[str] = field(default_factory=list)  # "2. Clear the data: rm -rf …"
    manual: list[str] = field(default_factory=list)  # "3. Send a test message"

    @property
    def command(self) -> str:
        """The exact command, with a ``--var`` (or ``--secret``) for each value it needs."""
        words = ["runbookkit", "run", self.runbook_id, "--section", self.section_id]
        for variable in self.variables:
            value = variable.placeholder or "VALUE"
            words += ["--secret" if variable.secret else "--var", f"{variable.name}={value}"]
        return " ".join(shlex.quote(word) for word in words)


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
    for key, value in meta.extra.items():
        if isinstance(value, str | int | float) and str(value).strip():
            rows.append((str(key), esc(value)))
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
    """The command that runs one section, quoted for a POSIX shell (no values given)."""
    return SectionRun(runbook_id, section_id).command


def section_run(runbook: Runbook, section_id: str) -> SectionRun:
    """What running ``section_id`` takes, from its plan (the steps a run would execute).

    A variable is listed when a command reads it and nothing before it sets it, whatever the
    machine building the site has in its environment.
    """
    from runbookkit.execute.needs import survey

    planned = plan(runbook, section_id)
    steps = [*planned.steps, *planned.rollback]
    placeholders = {p.name: p.text for s in steps for c in s.step.commands for p in c.placeholders}
    secrets = set(runbook.metadata.secrets)
    variables = [
        Variable(need.name, need.step, need.line, placeholders.get(need.name), need.name in secrets)
        for need in survey(steps, {}, environ={})
        if need.source == "missing"
    ]
    destructive, manual = [], []
    rollback = [("rollback step ", step) for step in planned.rollback]
    for prefix, step in [("", step) for step in planned.steps] + rollback:
        label = f"{prefix}{step.number}. {step.step.title}"
        if step.step.destructive:
            destructive.append(f"{label}: {'; '.join(step.step.destructive_reasons)}")
        needs_terminal = [c.interactive for c in step.step.commands if c.interactive]
        if step.step.kind == "manual":
            manual.append(label)
        elif needs_terminal:
            manual.append(f"{label} (needs a terminal unless --tty: {'; '.join(needs_terminal)})")
    return SectionRun(runbook.id, planned.section.id, variables, destructive, manual)


def runnable_sections(runbook: Runbook) -> list[str]:
    """Ids of the sections whose run executes at least one shell step."""
    out = []
    for section in runbook.sections:
        steps = plan(runbook, section.id).steps
        if any(planned.step.kind == "shell" for planned in steps):
            out.append(section.id)
    return out


def run_box(run: SectionRun) -> str:
    """The "Run this section" box: the command, the values it needs, and the steps to mind."""
    marks = []
    if run.destructive:
        marks.append(badge(f"{len(run.destructive)} destructive", "bad"))
    if run.manual:
        marks.append(badge(f"{len(run.manual)} manual", "warn"))
    title = "Run this section" + (" " + " ".join(marks) if marks else "")
    parts = [
        f'<div class="admonition example rbk-run-section"><p class="admonition-title">{title}</p>',
        f'<pre class="rbk-command"><code>{esc(run.command)}</code></pre>',
    ]
    notes = [
        f"<li><code>{esc(v.name)}</code>"
        + (f" (the placeholder <code>{esc(v.placeholder)}</code>)" if v.placeholder else "")
        + f" is first read by step {esc(v.step)}, line {esc(v.line)}"
        + ("; a secret: give it with <code>--secret</code>" if v.secret else "")
        + "</li>"
        for v in run.variables
    ]
    notes += [f"<li>{badge('destructive', 'bad')} {esc(text)}</li>" for text in run.destructive]
    notes += [f"<li>{badge('manual', 'warn')} {esc(text)}</li>" for text in run.manual]
    if notes:
        parts.append(f'<ul class="rbk-run-notes">{"".join(notes)}</ul>')
    parts.append("</div>")
    return "".join(parts)


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


def display_lines(source: str) -> list[str]:
    """The runbook's lines as the page shows them: mis-decoded text repaired, line for line."""
    lines = split_lines(source.removeprefix("\ufeff"))
    if damage.has_damage(source):
        lines, _ = damage.repair(lines)
    return lines


def front_matter(lines: list[str], end: int) -> str:
    """The YAML front matter block at the top of ``lines`` (its last line ``end``, as the
    parser found it: :attr:`Runbook.front_matter_end`), or an empty one.

    MkDocs reads a page's metadata from it; without one, a first line like ``Owner: ops``
    would be read as metadata.
    """
    return "\n".join(lines[:end]) + "\n" if end else "---\n{}\n---\n"


def runbook_page(
    source: str,
    runbook: Runbook,
    *,
    today: dt.date,
    findings: list[Finding] | None = None,
    history: str | None = None,
    link: Link | None = None,
) -> Rendered:
    """The page's HTML: ``source`` rendered, with the card, commands, lint and history.

    Args:
        source: the runbook file's text as written.
        runbook: the parsed runbook (its lines index into ``source``).
        today: the date reviews are compared with.
        findings: lint findings to show; none or empty shows nothing.
        history: the run history HTML; None leaves the section out.
        link: rewrites the targets of links (to other pages of the site).
    """
    lines = display_lines(source)
    title_line = runbook.title_line
    top = header_card(runbook, today) + (lint_admonition(findings) if findings else "")
    headings: list[Heading] = []
    if title_line is None:  # the title comes from front matter: written first, ahead of all
        top = f'<h1 id="{TITLE_ID}">{esc(runbook.title)}</h1>{top}'
        headings.append(Heading(1, TITLE_ID, esc(runbook.title)))
    insert: dict[int, list[str]] = {title_line or 1: [top]}
    for section_id in runnable_sections(runbook):
        section = runbook.section(section_id)
        assert section is not None
        insert.setdefault(section.line, []).append(run_box(section_run(runbook, section_id)))
    shown = set(runbook.metadata.lines.values())
    text = "\n".join(lines) + "\n"
    body = render(text, drop=_in_card(shown), insert=insert, link=link, ids=RESERVED)
    headings += body.headings
    if history is None:
        return Rendered(body.html, headings)
    tail = (
        f'<h2 id="{HISTORY_ID}">Run history<a class="headerlink" href="#{HISTORY_ID}" '
        f'title="Permanent link">¶</a></h2>{history}'
    )
    return Rendered(body.html + tail, [*headings, Heading(2, HISTORY_ID, "Run history")])


def _in_card(shown: set[int]) -> Callable[[Token, Token], bool]:
    """Whether a paragraph is made of ``**Key:** value`` lines the parser read as metadata
    (the card shows them)."""
    from runbookkit.parsing.metadata import key_value_lines

    def drop(opening: Token, inline: Token) -> bool:
        if inline.map is None or not any(inline.map[0] < n <= inline.map[1] for n in shown):
            return False
        return key_value_lines(inline) is not None

    return drop
