"""What the history keeps: one :class:`RunRecord` per run, with a :class:`StepRecord` per step.

Plain dataclasses, so every reader (``runbookkit history``, the docs site, an export) sees the
same shape whatever store they came from. Times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from runbookkit.execute.events import RunStarted, RunStatus, StepResult

# How a run or a step failed: a command or a check did not hold (``failed``), or a fault of
# runbookkit's own stopped it (``error``). The reasons of these are shown; a declined,
# incomplete or interrupted run did not fail.
FAILED_STATUSES = frozenset({"failed", "error"})


@dataclass
class StepRecord(StepResult):
    """One step of a recorded run, as it ran (commands after placeholders were filled).

    A :class:`StepResult` plus the order in which the run recorded it (a fleet run has one
    record per host and step).
    """

    seq: int = field(kw_only=True)


@dataclass
class RunRecord:
    """One run of a runbook section: what, who, where, when and how it ended."""

    id: str
    runbook_id: str
    runbook_title: str
    runbook_sha256: str
    section: str
    operator: str
    targets: list[str]
    version: str
    started_at: dt.datetime
    status: RunStatus = RunStatus.running
    finished_at: dt.datetime | None = None
    exit_code: int | None = None
    failed_step: int | None = None
    failed_title: str | None = None  # the failed step's title, when the store knows it
    planned_steps: int | None = None
    rollback_of: str | None = None  # the run this run rolled back
    rollback_run: str | None = None  # the rollback run that followed this one
    dry_run: bool = False  # a plan recorded with --record: nothing was executed
    partial: str | None = None  # "step 7 of 7", "steps 5–7 of 7": not the whole section ran
    error: str | None = None  # why it did not pass, in one line (an internal error's message)
    machine: str | None = None  # where the recording process ran
    pid: int | None = None
    steps: list[StepRecord] = field(default_factory=list)

    @property
    def duration(self) -> float | None:
        """Seconds from start to end, or None while running (or if it never finished)."""
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


def run_record(start: RunStarted) -> RunRecord:
    """The record of a run as it starts (not yet masked)."""
    return RunRecord(
        id=start.run_id,
        runbook_id=start.runbook_id,
        runbook_title=start.runbook_title,
        runbook_sha256=start.runbook_sha256,
        section=start.section,
        operator=start.operator,
        targets=start.targets,
        version=start.version,
        started_at=start.started_at,
        planned_steps=start.steps,
        rollback_of=start.rollback_of,
        partial=start.partial,
    )


def duration_label(seconds: float | None) -> str:
    """A duration for people: ``0.42 s``, ``12.3 s``, ``4 min 05 s``, ``2 h 03 min``."""
    if seconds is None:
        return ""
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def section_label(section: str, partial: str | None) -> str:
    """The section a run ran: ``fix``, or ``fix, step 7 of 7 only`` for a partial run."""
    return section + partial_note(partial)


def partial_note(partial: str | None) -> str:
    """What follows a partial run's section: ``, step 7 of 7 only`` (nothing for a whole run)."""
    return f", {partial} only" if partial else ""


def status_label(status: str, partial: str | None, *, scope: bool = True) -> str:
    """How a run ended, in words that never let a partial run pass for the section's.

    ``passed`` for a whole run; ``partial: passed step 7 of 7`` (or, without ``scope``, where
    the section's label already says which steps, ``partial: passed``) for a partial one.
    """
    if not partial:
        return str(status)
    if not scope:
        return f"partial: {status}"
    joint = " " if status == RunStatus.passed else " in "
    return f"partial: {status}{joint}{partial}"


def utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def timestamp(moment: dt.datetime) -> str:
    """The stored form of a time: ISO 8601 in UTC with microseconds, so text order is time order."""
    return utc(moment).isoformat(timespec="microseconds")


def parse_timestamp(text: str) -> dt.datetime:
    """A stored time back as an aware datetime."""
    return utc(dt.datetime.fromisoformat(text))


def to_json(run: RunRecord) -> dict[str, Any]:
    """A run (with its steps) as a JSON-ready dict: the line format of ``history export``."""
    data = asdict(run)
    data.pop("failed_title")
    for key in ("started_at", "finished_at"):
        if data[key] is not None:
            data[key] = timestamp(data[key])
    return data


def from_json(data: Any) -> RunRecord:
    """A run from its exported form, validated field by field.

    Raises:
        ValueError: a field is missing or has the wrong type; the message names the field.
    """
    from pydantic import TypeAdapter, ValidationError

    try:
        run = TypeAdapter(RunRecord).validate_python(data, strict=False)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "record"
        raise ValueError(f"{where}: {problem['msg']}") from None
    run.started_at = utc(run.started_at)
    run.finished_at = utc(run.finished_at) if run.finished_at else None
    return run
