"""What ``runbookkit history`` shows of recorded runs: the table of ``list``, the lines of
``show``, and the JSON of both.

The runs given are shown as they are: the command masks them first (as it masks what it
writes), so a store imported from elsewhere shows no secret either.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from runbookkit.display.common import took
from runbookkit.execute.events import RunStatus
from runbookkit.history.records import RunRecord, StepRecord, section_label, status_label, to_json
from runbookkit.terminal import visible

if TYPE_CHECKING:
    from runbookkit.history.incidents import Incident

LIST_COLUMNS = ("run", "when", "who", "runbook", "section", "status", "took", "failed at")
_NO_WRAP = ("run", "when", "status", "took")


def list_json(runs: Sequence[RunRecord]) -> str:
    """``history list --json``: the runs without their steps, with duration and failed title."""
    data = [
        {**to_json(run), "duration": run.duration, "failed_title": run.failed_title} for run in runs
    ]
    for item in data:
        item.pop("steps")
    return json.dumps(data, indent=2)


def print_list(runs: Sequence[RunRecord], path: str) -> None:
    """``history list``: a table of the runs in the store at ``path`` (200 columns wide when
    stdout is not a terminal)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"runs in {path} (times in UTC)")
    for column in LIST_COLUMNS:
        table.add_column(column, no_wrap=column in _NO_WRAP)
    for run in runs:
        failed = f"{run.failed_step} {run.failed_title or ''}".strip() if run.failed_step else ""
        status = status_label(run.status, run.partial, scope=False)
        cells = (
            run.id,
            run.started_at.strftime("%Y-%m-%d %H:%M:%S"),
            run.operator,
            run.runbook_id,
            section_label(run.section, run.partial),
            f"{status} (dry run)" if run.dry_run else status,
            took(run.duration),
            failed,
        )
        table.add_row(*map(visible, cells))
    Console(width=None if sys.stdout.isatty() else 200).print(table)


def show_json(run: RunRecord, incidents: Sequence[Incident]) -> str:
    """``history show --json``: the whole record, its duration and its incidents' ids."""
    ids = [incident.id for incident in incidents]
    return json.dumps({**to_json(run), "duration": run.duration, "incidents": ids}, indent=2)


def show_text(run: RunRecord, incidents: Sequence[Incident]) -> str:
    """``history show``: :func:`describe`, each incident the run is linked to under its first
    line."""
    lines = list(describe(run))
    for incident in incidents:
        labels = ", ".join(f"{k}={v}" for k, v in incident.labels.items())
        about = f"{incident.name}, {incident.status}" + (f"; {labels}" if labels else "")
        lines.insert(1, f"  incident  {incident.id} ({about})")
    return visible("\n".join(lines))


def describe(run: RunRecord) -> Iterator[str]:
    """The lines of ``history show``: the run, then each step with its output."""
    section = section_label(run.section, run.partial)
    yield f"run {run.id}: {run.runbook_id} ({run.runbook_title}), section {section}"
    exit_code = "" if run.exit_code is None else f" (exit {run.exit_code})"
    dry = ", a dry run: nothing was executed" if run.dry_run else ""
    yield f"  status    {status_label(run.status, run.partial)}{exit_code}{dry}"
    if run.error:
        yield f"  why       {run.error}"
    start = run.started_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    yield f"  started   {start}, took {took(run.duration) or '-'}"
    yield f"  operator  {run.operator} on {', '.join(run.targets) or '-'}"
    yield f"  runbook   sha256 {run.runbook_sha256}, runbookkit {run.version}"
    if run.rollback_of:
        yield f"  rolls back run {run.rollback_of}"
    if run.rollback_run:
        yield f"  rolled back by run {run.rollback_run}"
    hosts = sorted({step.host for step in run.steps if step.host})
    if hosts:  # a fleet run: each host's steps together, in the order they ran there
        yield f"  hosts     {len(hosts)}"
    for host in [None, *hosts] if hosts else [None]:
        steps = [step for step in run.steps if step.host == host]
        if host is not None:
            failed = [s for s in steps if not s.status.ok]
            passed = status_label(RunStatus.passed, run.partial, scope=False)
            verdict = f"failed at step {failed[0].number}" if failed else passed
            yield ""
            yield f"host {host}: {len(steps)} step(s), {verdict}"
        for step in steps:
            yield ""
            yield from _describe_step(step)


def _describe_step(step: StepRecord) -> Iterator[str]:
    host = f" [{step.host}]" if step.host else ""
    exit_text = "" if step.exit_code is None else f", exit {step.exit_code}"
    time = took(step.duration)
    yield f"step {step.number}: {step.title}{host}  ({step.status}{exit_text}, {time})"
    yield f"  on {step.target}, line {step.line}, {step.attempts} attempt(s)"
    yield from (f"  $ {command}" for command in step.commands)
    if step.expected is not None:
        verdict = {True: "matched", False: "NOT matched", None: "not checked"}[step.matched]
        yield f"  expected {step.expected!r}: {verdict}"
    if step.error:
        yield f"  error: {step.error}"
    for label, text in (("stdout", step.stdout), ("stderr", step.stderr)):
        if text:
            yield f"  {label}:"
            yield from (f"    {line}" for line in text.rstrip("\n").split("\n"))
