"""Recording a run: the recorder a run's events go to, and a dry run recorded as its plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from runbookkit.execute.events import RunStatus, StepStatus
from runbookkit.history.records import RunRecord, StepRecord
from runbookkit.secrets import Redactor

if TYPE_CHECKING:
    from runbookkit.history.store import RunWriter
    from runbookkit.planning import Plan


def record_plan(
    store: RunWriter,
    planned: Plan,
    *,
    operator: str,
    secrets: Iterable[str] = (),
    targets: list[str] | None = None,
) -> str:
    """Record a dry run: the plan's steps, commands filled, none executed. Returns the run id.

    ``targets`` (a fleet's hosts) replaces the targets the steps name; ``secrets`` are masked.
    """
    from runbookkit._version import __version__
    from runbookkit.execute.ids import new_run_id

    redactor = Redactor(secrets)
    runbook = planned.runbook
    now = dt.datetime.now(dt.UTC)
    steps = _planned_steps(planned)
    run = RunRecord(
        id=new_run_id(),
        runbook_id=runbook.id,
        runbook_title=runbook.title,
        runbook_sha256=runbook.sha256,
        section=planned.scope.id,
        operator=operator,
        targets=targets or list(dict.fromkeys(step.target for step in steps)),
        version=__version__,
        started_at=now,
        planned_steps=len(steps),
        dry_run=True,
        partial=planned.partial,
    )
    store.begin_run(redactor.fields(run))
    for step in steps:
        store.record_step(run.id, redactor.fields(step))
    store.finish_run(run.id, status=RunStatus.passed, exit_code=0, finished_at=now)
    return run.id


def _planned_steps(planned: Plan) -> list[StepRecord]:
    steps = []
    for seq, item in enumerate(planned.steps, start=1):
        commands = item.step.commands
        target = next((c.target.label for c in commands if c.target), "local")
        steps.append(
            StepRecord(
                seq=seq,
                number=item.number,
                title=item.step.title,
                target="operator" if item.step.kind == "manual" else target,
                commands=[c.text for c in commands],
                status=StepStatus.skipped,
                expected=next((c.expected for c in commands if c.expected), None),
                line=item.step.line,
            )
        )
    return steps
