"""``runbookkit list``, ``parse`` and ``show``: look at runbooks without running anything."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from runbookkit import finder
from runbookkit.cli.common import ExitCode, load_settings, runbooks_dir_option

if TYPE_CHECKING:
    from runbookkit.model import Runbook


def _load(name: str, runbooks_dir: Path | None) -> Runbook:
    """The runbook NAME (in the runbooks directory) or PATH, parsed with the team's policy."""
    from runbookkit.parsing import parse_file

    located = load_settings(runbooks_dir=runbooks_dir)
    return parse_file(finder.resolve(name, located.runbooks_dir), policy=located.policy)


@click.command("parse")
@click.argument("runbook")
@click.option("--json", "as_json", is_flag=True, help="Print the whole model as JSON.")
@runbooks_dir_option
def parse_command(runbook: str, as_json: bool, runbooks_dir: Path | None) -> None:
    """Parse RUNBOOK (a NAME in the runbooks directory or a PATH) and print what was found."""
    from runbookkit.model import to_json

    parsed = _load(runbook, runbooks_dir)
    if as_json:
        sys.stdout.write(to_json(parsed) + "\n")
        return
    meta = parsed.metadata
    click.echo(f"{parsed.id}: {meta.title}  ({parsed.path})")
    severity = meta.severity.value if meta.severity else "-"
    mttr = meta.mttr.text if meta.mttr else "-"
    click.echo(f"  severity {severity}, MTTR {mttr}, pattern {meta.pattern or '-'}")
    for section in parsed.sections:
        steps = len(section.steps) + sum(len(sub.steps) for sub in section.subsections)
        click.echo(f"  {section.id:<20} {steps:>3} steps  line {section.line:<4} {section.title}")
        for sub in section.subsections:
            role = "  (rollback)" if sub.rollback else ""
            click.echo(f"    {sub.id:<40} {len(sub.steps):>3} steps  line {sub.line}{role}")
    for damage in parsed.damage:
        state = "partly repaired" if damage.lossy else "repaired"
        click.echo(f"  damaged text at line {damage.line} ({state})")
    for repair in parsed.repairs:
        click.echo(f"  code fence {repair.text} at line {repair.line} not closed: {repair.fix}")


@click.command("show")
@click.argument("runbook")
@click.option("--section", "-s", help="Only this section (id, title, or section/subsection).")
@runbooks_dir_option
def show_command(runbook: str, section: str | None, runbooks_dir: Path | None) -> None:
    """Show the plan of RUNBOOK: steps, targets, commands, expected output and markers."""
    from runbookkit.display.plan import render_plan
    from runbookkit.planning import plan
    from runbookkit.secrets import Redactor

    parsed = _load(runbook, runbooks_dir)
    keys = [section] if section else [s.id for s in parsed.sections]
    shown = "\n\n".join(render_plan(plan(parsed, key), {}) for key in keys)
    about = _about(parsed)
    repairs = [f"repaired: line {r.line}: {r.text} {r.fix}" for r in parsed.repairs]
    click.echo(
        Redactor().text("\n".join([*about, *repairs, shown] if about or repairs else [shown]))
    )


def _about(rb: Runbook) -> list[str]:
    """The lines ``show`` prints about the runbook: summary, owner, tags and review date."""
    meta = rb.metadata
    lines = [meta.summary] if meta.summary else []
    parts = [f"owner {meta.owner}"] if meta.owner else []
    if meta.tags:
        parts.append("tags " + ", ".join(meta.tags))
    if meta.next_review:
        parts.append(f"review by {meta.next_review.isoformat()}")
    return [*lines, ", ".join(parts)] if parts else lines


@click.command("list")
@runbooks_dir_option
def list_command(runbooks_dir: Path | None) -> None:
    """List the runbooks: id, title and summary, severity, MTTR, pattern, owner, review date, tags
    and sections found."""
    from rich.console import Console
    from rich.table import Table

    located = load_settings(runbooks_dir=runbooks_dir)
    directory = located.runbooks_dir
    runbooks, errors = finder.load_all(directory, located.policy)
    table = Table(title=f"runbooks in {directory}", show_lines=False)
    columns = ("id", "title", "severity", "MTTR", "pattern", "owner", "review", "tags", "sections")
    for column in columns:
        table.add_column(column, overflow="fold")
    for rb in sorted(runbooks, key=_severity_order):
        meta = rb.metadata
        title = f"{meta.title}\n{meta.summary}" if meta.summary else meta.title
        table.add_row(
            rb.id,
            title,
            meta.severity.value if meta.severity else "-",
            meta.mttr.text if meta.mttr else "-",
            meta.pattern or "-",
            meta.owner or "-",
            meta.next_review.isoformat() if meta.next_review else "-",
            ", ".join(meta.tags) or "-",
            ", ".join(s.id for s in rb.sections),
        )
    Console(soft_wrap=False).print(table)
    for error in errors:
        click.echo(str(error), err=True)
    if errors:
        raise SystemExit(ExitCode.USAGE)


def _severity_order(rb: Runbook) -> tuple[int, str]:
    from runbookkit.model import severity_rank

    return (severity_rank(rb.metadata.severity), rb.id)


@click.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the runbook model (the shape of ``parse --json``)."""
    import json

    from runbookkit.model import json_schema

    click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))
