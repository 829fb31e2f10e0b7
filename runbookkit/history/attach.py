"""History for ``runbookkit run``: the listener factory registered in ``execute.listeners``.

The store is opened (created, migrated, proved writable) when the factory is called, which is
before the runner starts: a store that can't be written stops the run before any step.
``--history`` and ``--record`` are this module's options of ``runbookkit run``; ``--secret`` and
``--operator`` are the run command's own (a secret fills placeholders like ``--var``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import click

from runbookkit.execute.events import RunStatus, StepStatus
from runbookkit.history.recorder import HistoryRecorder
from runbookkit.history.records import RunRecord, StepRecord
from runbookkit.history.spool import open_for_run
from runbookkit.history.store import RunWriter
from runbookkit.secrets import Redactor

if TYPE_CHECKING:
    from runbookkit.execute.listeners import RunContext
    from runbookkit.plan import Plan


CLI_OPTIONS = [
    click.option(
        "--history",
        metavar="PATH|URL",  # the store says itself what is wrong with a path or URL
        help="Run history store: a file or postgresql:// URL [env RUNBOOKKIT_HISTORY; default "
        ".runbookkit/history.sqlite beside the runbooks directory].",
    ),
    click.option("--record", is_flag=True, help="Record a --dry-run in the run history too."),
]


def recorder_for_run(context: RunContext) -> HistoryRecorder | None:
    """The recorder of a real run; a dry run is recorded (as a plan) only with ``--record``."""
    flags = context.flags
    if context.dry_run and not flags.get("record"):
        return None
    location = flags.get("history") or context.settings.history_store
    store, notes = open_for_run(location, context.settings.spool_path)
    for note in notes:
        click.echo(f"warning: {note}", err=True)
    secrets = secret_values(context)
    if context.dry_run:
        try:
            record_plan(store, context, Redactor(secrets))
        finally:
            store.close()
        return None
    return HistoryRecorder(store, secrets=secrets, close_store=True)


def secret_values(context: RunContext) -> list[str]:
    """The values to mask: every secret given and each variable the runbook lists as secret."""
    options = context.options
    return [value for key, value in options.variables.items() if key in options.secrets]


def record_plan(store: RunWriter, context: RunContext, redactor: Redactor) -> str:
    """Record a dry run: the plan's steps, commands filled, none executed. Returns the run id."""
    from runbookkit import __version__
    from runbookkit.execute.ids import new_run_id
    from runbookkit.plan import plan

    options = context.options
    planned = plan(context.runbook, context.section, only=options.only, start=options.start)
    now = dt.datetime.now(dt.UTC)
    steps = _planned_steps(planned)
    run = RunRecord(
        id=new_run_id(),
        runbook_id=context.runbook.id,
        runbook_title=context.runbook.title,
        runbook_sha256=context.runbook.sha256,
        section=planned.scope.id,
        operator=options.operator or _default_operator(),
        targets=list(dict.fromkeys(step.target for step in steps)),
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


def _default_operator() -> str:
    import getpass
    import socket

    return f"{getpass.getuser()}@{socket.gethostname()}"
