"""Recording a run: the recorder a run's events go to, and a dry run recorded as its plan."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from runbookkit.execute.events import RunFinished, RunStatus, StepStatus
from runbookkit.history.records import StepRecord, run_record
from runbookkit.secrets import Redactor

if TYPE_CHECKING:
    from runbookkit.history.store import RunWriter
    from runbookkit.planning import Plan


def record_plan(
    store: RunWriter,
    planned: Plan,
    *,
    operator: str,
    redactor: Redactor | None = None,
    targets: list[str] | None = None,
) -> str:
    """Record a dry run: the plan's steps, commands filled, none executed. Returns the run id.

    ``targets`` (a fleet's hosts) replaces the targets the steps name; ``redactor`` (the run's,
    default: secret shapes only) masks every text recorded.
    """
    from runbookkit.execute.events import RunStarted
    from runbookkit.execute.ids import new_run_id

    redactor = redactor if redactor is not None else Redactor()
    steps = _planned_steps(planned)
    start = RunStarted.of(
        planned,
        run_id=new_run_id(),
        operator=operator,
        targets=targets or list(dict.fromkeys(step.target for step in steps)),
    )
    run = replace(run_record(start), dry_run=True)
    store.begin_run(redactor.fields(run))
    for step in steps:
        store.record_step(run.id, redactor.fields(step))
    store.finish_run(RunFinished(run.id, RunStatus.passed, 0, run.started_at))
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
