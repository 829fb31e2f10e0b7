"""What a run reports as it goes: plain dataclasses, one per event.

The runner emits these to every listener it is given (the terminal view, ``--json`` output,
the history store), so each front end sees the same run. A listener is any callable that takes
an :data:`Event`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from runbookkit._version import __version__

if TYPE_CHECKING:
    from runbookkit.planning import Plan

TAIL_BYTES = 4096  # the most of each output stream a step keeps


def tail(text: str, limit: int = TAIL_BYTES) -> str:
    """The last ``limit`` bytes of ``text`` (UTF-8), cut on a character boundary."""
    data = text.encode("utf-8", "replace")
    if len(data) <= limit:
        return text
    return data[-limit:].decode("utf-8", "ignore")


class RunStatus(StrEnum):
    """How a run ended (``running`` while it goes on): exactly one of the others once it has."""

    running = "running"
    passed = "passed"
    failed = "failed"  # a step failed
    declined = "declined"  # a confirmation was refused, or the operator aborted
    incomplete = "incomplete"  # a manual step with nobody to answer it
    interrupted = "interrupted"  # Ctrl-C, SIGTERM or SIGHUP, or the recording process died
    error = "error"  # an internal fault of runbookkit (the record keeps its message)

    @classmethod
    def _missing_(cls, value: object) -> RunStatus | None:
        # Stores and exports written before schema version 5 call a declined run "aborted".
        return cls.declined if value == "aborted" else None


class StepStatus(StrEnum):
    """How one step ended."""

    passed = "passed"
    failed = "failed"  # non-zero exit, expected-output mismatch, timeout or connection error
    skipped = "skipped"  # the operator chose skip at a manual step
    declined = "declined"  # a confirmation was refused (or could not be asked)
    manual = "manual"  # a manual step the operator marked done
    incomplete = "incomplete"  # a manual step with nobody to answer it
    error = "error"  # an internal fault of runbookkit stopped the step (see ``error``)

    @property
    def ok(self) -> bool:
        """Whether the run goes on as passing after a step that ended so (passed, done by hand,
        or skipped); any other status stops the run (or, when it keeps going past a failure,
        has it end as that step did)."""
        return self in (StepStatus.passed, StepStatus.manual, StepStatus.skipped)


# The statuses that are :attr:`StepStatus.ok`.
OK_STEP_STATUSES = frozenset(status for status in StepStatus if status.ok)


@dataclass
class StepResult:
    """Everything recorded about one step of a run (outputs are tails, at most 4 KiB each)."""

    number: int
    title: str
    target: str  # "local" or user@host:port as connected
    commands: list[str]  # as run, placeholders filled
    status: StepStatus
    exit_code: int | None = None
    duration: float = 0.0
    expected: str | None = None
    matched: bool | None = None
    stdout: str = ""
    stderr: str = ""
    attempts: int = 1
    error: str | None = None  # why it failed, in one line, when it did
    line: int = 0  # where the step is written in the runbook
    host: str | None = None  # the fleet host this result is for (None for a single run)


@dataclass
class RunStarted:
    """A run began: what, where, by whom."""

    run_id: str
    runbook_id: str
    runbook_title: str
    runbook_sha256: str
    section: str
    operator: str
    targets: list[str]
    steps: int
    started_at: dt.datetime
    version: str
    rollback_of: str | None = None  # the run this rollback follows
    partial: str | None = None  # "step 7 of 7", "steps 5–7 of 7" when not every step runs

    @classmethod
    def of(
        cls,
        plan: Plan,
        *,
        run_id: str,
        operator: str,
        targets: list[str],
        rollback_of: str | None = None,
    ) -> RunStarted:
        """The event that a run of ``plan`` (its runbook, section, steps) starts now."""
        runbook = plan.runbook
        return cls(
            run_id=run_id,
            runbook_id=runbook.id,
            runbook_title=runbook.title,
            runbook_sha256=runbook.sha256,
            section=plan.scope.id,
            operator=operator,
            targets=targets,
            steps=len(plan.steps),
            started_at=dt.datetime.now(dt.UTC),
            version=__version__,
            rollback_of=rollback_of,
            partial=plan.partial,
        )


@dataclass
class StepStarted:
    """A step (or one attempt of it) began."""

    run_id: str
    number: int
    title: str
    target: str
    attempt: int = 1
    host: str | None = None


@dataclass
class StepOutput:
    """A chunk of a step's output as it arrives."""

    run_id: str
    number: int
    stream: str  # "stdout" or "stderr"
    text: str
    host: str | None = None


@dataclass
class StepFinished:
    """A step ended, with its result."""

    run_id: str
    result: StepResult


@dataclass
class StepRetrying:
    """An attempt at a step failed and the step will be tried again after ``delay`` seconds."""

    run_id: str
    number: int
    attempt: int  # the attempt that failed
    error: str
    delay: float
    host: str | None = None


@dataclass
class RunNotice:
    """Something the operator should know that is not a step's result (a missing key file…)."""

    run_id: str
    message: str
    level: str = "warning"
    host: str | None = None


@dataclass
class RunFinished:
    """A run ended."""

    run_id: str
    status: RunStatus
    exit_code: int
    finished_at: dt.datetime
    failed_step: int | None = None
    rollback_run: str | None = None
    error: str | None = None  # why it did not pass, in one line (an internal fault's message)


Event = (
    RunStarted | StepStarted | StepOutput | StepFinished | RunFinished | StepRetrying | RunNotice
)
Listener = Callable[[Event], None]


def to_json(event: Event) -> dict[str, Any]:
    """An event as a JSON-ready dict with its type name (the ``--json`` line format)."""
    data = asdict(event)
    data = {"event": type(event).__name__, **data}
    return {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in data.items()}


@dataclass
class Recorder:
    """A listener that keeps every event, for tests and for summaries."""

    events: list[Event] = field(default_factory=list)

    def __call__(self, event: Event) -> None:
        self.events.append(event)
