"""The runner: a section's steps in order, each answered, confirmed or executed, as events.

Listeners (terminal view, ``--json``, history) receive every :mod:`~runbookkit.execute.events`
event of the run. Step failures are data; the run stops at the first step that fails, is
declined or can't be completed, and offers the section's rollback after a failure.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from runbookkit.errors import ExecutionError, RunbookError
from runbookkit.execute import needs, signals
from runbookkit.execute.events import (
    Event,
    Listener,
    RunFinished,
    RunNotice,
    RunStarted,
    RunStatus,
    StepFinished,
    StepOutput,
    StepResult,
    StepStarted,
    StepStatus,
)
from runbookkit.execute.ids import new_run_id
from runbookkit.execute.operator import Choice, Confirmation, Operator, Unattended, default_name
from runbookkit.execute.session import Sessions
from runbookkit.execute.ssh import ConnectError, Connections, SshOptions, SshShared, target_key
from runbookkit.execute.steps import StepExecutor
from runbookkit.model import Retry
from runbookkit.planning import Plan, PlannedStep, rollback_plan
from runbookkit.secrets import Redactor

if TYPE_CHECKING:
    from runbookkit.model import Command, Target

EXIT_CODES = {
    RunStatus.passed: 0,
    RunStatus.failed: 1,
    RunStatus.declined: 3,
    RunStatus.incomplete: 3,
    RunStatus.error: 70,
    RunStatus.interrupted: 130,
}
# How a run ends at a step that is not StepStatus.ok: as the step did (failed, declined,
# incomplete, error).
_STOPS = {status: RunStatus(status.value) for status in StepStatus if not status.ok}


@dataclass
class RunOptions:
    """How to run: which steps, where, what to answer unasked, limits."""

    only: int | None = None  # --step N
    start: int | None = None  # --from N
    accept_repairs: bool = False  # run steps inside a fence the parser had to close
    yes: bool = False  # manual steps count as done without asking
    allow_destructive: bool = False
    rollback_on_failure: bool = False
    host: str | None = None  # every remote step goes here; "local" runs them on this machine
    variables: dict[str, str] = field(default_factory=dict)
    secrets: frozenset[str] = frozenset()  # the variables whose values are masked everywhere
    timeout: float | None = 300.0
    retry: int | None = None  # attempts for steps without their own "# Retry:"
    retry_delay: float = 1.0
    keep_going: bool | None = None  # None: evidence sections go on past a failure, others stop
    tty: bool = False  # interactive commands get the terminal instead of becoming manual
    ssh: SshOptions = field(default_factory=SshOptions)
    operator: str | None = None  # who runs it (default user@machine)
    fleet_host: str | None = None  # stamped as ``host`` on every event, for fleet runs
    # Nobody is there (an alert started the run): stop, incomplete, at the first step that
    # needs a person (manual, destructive or interactive) instead of asking or going past it.
    unattended: bool = False

    def secret_values(self) -> list[str]:
        """The values of the run's secret variables, which its :class:`Redactor` masks."""
        return [value for name, value in self.variables.items() if name in self.secrets]


@dataclass
class RunOutcome:
    """How a run ended, with every step's result (and the rollback run's, if one followed)."""

    run_id: str
    status: RunStatus
    exit_code: int
    results: list[StepResult]
    failed_step: int | None = None
    error: str | None = None  # why it stopped, in one line
    line: int | None = None  # where the step that stopped it is written
    rollback: RunOutcome | None = None
    fault: Exception | None = field(default=None, repr=False)  # the internal error, if any
    warnings: list[str] = field(default_factory=list)  # what went wrong beside the steps


class Runner:
    """Runs one plan, emitting events to ``listeners`` and asking ``operator`` when needed.

    Runners of one fleet run pass the same ``shared_ssh``, so ssh_config and known_hosts are
    read once for all their hosts.

    ``redactor`` masks every event before a listener gets it; the run's other listeners (the
    record, the screen) pass it too, so what is shown and what is kept are masked alike. The
    runner teaches it the run's secret values, also those asked for before the run starts, and
    hands it on to its rollback run. Default: one of the runner's own.

    Raises (from the constructor, before anything runs):
        ExecutionError: variables the plan reads have no value, and ``operator`` gave none.
    """

    def __init__(
        self,
        plan: Plan,
        options: RunOptions | None = None,
        *,
        listeners: Iterable[Listener] = (),
        operator: Operator | None = None,
        rollback_of: str | None = None,
        connections: Connections | None = None,
        shared_ssh: SshShared | None = None,
        sessions: Sessions | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        self.plan = plan
        self.options = options or RunOptions()
        self.listeners = list(listeners)
        self.operator = operator or Unattended()
        self.rollback_of = rollback_of
        self.run_id = new_run_id()
        self.redactor = redactor if redactor is not None else Redactor()
        self.redactor.add(self.options.secret_values())
        self._notices: list[str] | None = []
        self._fault: Exception | None = None  # an internal fault of prepare(), for run()
        self._own_connections = connections is None
        self.connections = connections or Connections(self.options.ssh, self._notice, shared_ssh)
        values = dict(self.options.variables)
        self._own_sessions = sessions is None
        self.sessions = sessions or Sessions(
            self.connections, values, needs.from_environment(plan, values)
        )
        retry = None
        if self.options.retry:
            retry = Retry(attempts=self.options.retry, delay=self.options.retry_delay)
        self.executor = StepExecutor(
            self.run_id,
            self.emit,
            self.sessions,
            host=self.options.host,
            timeout=self.options.timeout,
            retry=retry,
            variables=values,
            redactor=self.redactor,
        )
        values = needs.complete(plan, values, self.operator, self._probe)
        self.options = replace(self.options, variables=values)
        self.executor.variables = values
        self.redactor.add(self.options.secret_values())  # also the values just asked for
        self.sessions.export(values)

    def _probe(self, missing: list[needs.Need]) -> set[str]:
        """The names among ``missing`` that the remote sessions reading them already have."""
        found: set[str] = set()
        by_target: dict[str, tuple[Target, list[str]]] = {}
        for need in missing:
            target = self.executor.target(need.command) if need.command else None
            if target is not None:
                by_target.setdefault(target_key(target), (target, []))[1].append(need.name)
        for target, names in by_target.values():
            script = "".join(f'[ -n "${{{n}+x}}" ] && echo {n}; ' for n in names) + "true"
            try:
                probed = self.sessions.get(target).run(script, 30.0, lambda *chunk: None)
            except (ConnectError, OSError):
                found.update(names)  # unreachable: the step itself will say so
                continue
            found.update(probed.stdout.split())
        return found

    def emit(self, event: Event) -> None:
        """Hand ``event``, masked, to every listener (stamped with the fleet host, if any).

        Output comes masked already (:class:`~runbookkit.execute.steps.MaskedOutput`). A listener
        that raises does not keep the event from the others (the record still gets it when the
        screen is gone); the first such fault is raised again after them.
        """
        if not isinstance(event, StepOutput):
            event = self.redactor.fields(event)
        host = self.options.fleet_host
        if host is not None:
            if isinstance(event, StepFinished):
                event.result.host = host
            elif hasattr(event, "host"):
                event.host = host
        fault: Exception | None = None
        for listener in self.listeners:
            try:
                listener(event)
            except Exception as exc:
                fault = fault or exc
        if fault is not None:
            raise fault

    def prepare(self) -> None:
        """Start connecting to the plan's remote targets in the background.

        A front end calls this as soon as the runner exists, so the servers' share of connecting
        (key exchange, authentication, the login's rc files) overlaps with the start of the run
        (its record, its first lines). Targets are resolved here, on the calling thread (their
        notices are held for the run); a failure to connect is reported by the step that needs
        the target, an internal fault by :meth:`run`, which records the run as ``error``.

        Raises:
            RunbookError: bad input found while resolving (an ssh_config it cannot parse).
        """
        targets: dict[str, Target] = {}
        try:
            for planned in self.plan.steps:
                if planned.step.kind == "manual":
                    continue
                for command in planned.step.commands:
                    target = self.executor.target(command)
                    if target is not None:
                        targets.setdefault(target_key(target), target)
            for target in targets.values():
                try:
                    self.connections.resolve(target)
                except ConnectError:
                    continue  # a bad option value: the step that needs the target says so
                self.sessions.get(target).start_in_background()
        except RunbookError:
            raise  # bad input (an ssh_config it cannot parse): one line, before the run starts
        except Exception as exc:
            self._fault = exc

    def _notice(self, message: str) -> None:
        if self._notices is not None:
            self._notices.append(message)  # before RunStarted: held until it is out
        else:
            self.emit(RunNotice(self.run_id, message))

    def run(self) -> RunOutcome:
        """Run every planned step; never raises for a step's failure, Ctrl-C or SIGTERM.

        An internal fault (an exception of runbookkit's own, or of a listener) ends the step and
        the run as ``error``, with the fault's message; it is kept in :attr:`RunOutcome.fault`.
        """
        outcome = RunOutcome(self.run_id, RunStatus.passed, 0, [])
        fault, self._fault = self._fault, None
        try:
            started = self._started()
        except RunbookError:
            raise
        except Exception as exc:  # resolving a target failed: the run starts, and ends, at once
            started, fault = self._started(resolve=False), fault or exc
        try:
            self.emit(started)
            notices, self._notices = self._notices or [], None
            for message in notices:
                self.emit(RunNotice(self.run_id, message))
            if fault is not None:
                raise fault
            self._steps(outcome)
        except KeyboardInterrupt:
            outcome.status = RunStatus.interrupted
        except Exception as exc:
            outcome.fault = exc
            if outcome.status is not RunStatus.interrupted:  # a view broken by SIGHUP, say
                outcome.status = RunStatus.error
                outcome.error = outcome.error or fault_line(exc)
        finally:
            outcome.exit_code = EXIT_CODES[outcome.status]
            try:
                self._finish(outcome)
            finally:
                if self._own_sessions:
                    self.sessions.close()
                if self._own_connections:
                    self.connections.close()
        return outcome

    def _steps(self, outcome: RunOutcome) -> None:
        """Run the steps; an evidence step's failure lets the other evidence steps run."""
        first: StepResult | None = None
        for planned in self.plan.steps:
            if first is not None and not self._goes_on(planned):
                break
            started = time.monotonic()
            why = needs_person(planned) if self.options.unattended else None
            if why is not None:
                self.emit(StepStarted(self.run_id, planned.number, planned.step.title, "operator"))
                result = self._result(planned, StepStatus.incomplete, why)
                outcome.results.append(result)
                self.emit(StepFinished(self.run_id, result))
                self._stopped(outcome, result, RunStatus.incomplete)
                return
            try:
                result = self._step(planned)
            except KeyboardInterrupt as exc:
                result = self._interrupted(planned, time.monotonic() - started, exc)
                outcome.results.append(result)
                self._stopped(outcome, result, RunStatus.interrupted)
                self.emit(StepFinished(self.run_id, result))
                raise
            except Exception as exc:
                # Bad input found only now (say, an ssh_config option of this step's target)
                # fails the step; anything else is a fault of runbookkit's own.
                bad_input = isinstance(exc, RunbookError)
                status = StepStatus.failed if bad_input else StepStatus.error
                result = self._result(planned, status, str(exc) if bad_input else fault_line(exc))
                result.duration = time.monotonic() - started
                outcome.results.append(result)
                self._stopped(outcome, result, _STOPS[status])
                outcome.fault = None if bad_input else exc
                self.emit(StepFinished(self.run_id, result))
                return
            outcome.results.append(result)
            self.emit(StepFinished(self.run_id, result))
            if result.status.ok:
                continue
            if result.status is StepStatus.declined or not self._goes_on(planned):
                self._stopped(outcome, result, _STOPS[result.status])
                return
            first = first or result
        if first is not None:
            self._stopped(outcome, first, _STOPS[first.status])

    def _goes_on(self, planned: PlannedStep) -> bool:
        """Whether the run goes on past a failure, at ``planned``: ``keep_going`` or evidence."""
        keep_going = self.options.keep_going
        return planned.evidence if keep_going is None else keep_going

    def _stopped(self, outcome: RunOutcome, result: StepResult, status: RunStatus) -> None:
        outcome.status = status
        outcome.failed_step = result.number
        outcome.error = f"step {result.number} ({result.title}): {result.error}"
        outcome.line = result.line

    def _interrupted(
        self, planned: PlannedStep, duration: float, exc: KeyboardInterrupt
    ) -> StepResult:
        why = f"interrupted ({signals.cause(exc)}); the command was stopped"
        result = self._result(planned, StepStatus.failed, why)
        result.duration = duration
        return result

    def _step(self, planned: PlannedStep) -> StepResult:
        step = planned.step
        if step.kind == "manual":
            return self._manual(planned, step.notes)
        commands = step.commands
        if step.destructive and not self.options.allow_destructive:
            answered = self._confirm(planned, commands)
            if answered is not None:  # skipped or declined: shown on where it would have run
                self.emit(StepStarted(self.run_id, planned.number, step.title, answered.target))
                return answered
        interactive = [c for c in commands if c.interactive]
        if interactive and not self.options.tty:
            notes = [*step.notes, *(f"run this in your own terminal: {c.text}" for c in commands)]
            why = "; ".join(dict.fromkeys(c.interactive or "" for c in interactive))
            self._notice(
                f"step {planned.number} needs a terminal ({why}): it is a manual step "
                "(or run with --tty)"
            )
            return self._manual(planned, notes)
        return self.executor.run(planned, commands)

    def _manual(self, planned: PlannedStep, notes: list[str]) -> StepResult:
        self.emit(StepStarted(self.run_id, planned.number, planned.step.title, "operator"))
        if self.options.yes:
            self._notice(
                f"step {planned.number} is manual, marked done by --yes: " + " / ".join(notes)
            )
            return self._result(planned, StepStatus.manual, None)
        choice = self.operator.manual(planned, notes)
        if choice is None:
            why = (
                "manual step and no terminal to ask the operator (run it from a terminal, or --yes)"
            )
            return self._result(planned, StepStatus.incomplete, why)
        if choice is Choice.abort:
            return self._result(planned, StepStatus.declined, "aborted by the operator")
        status = StepStatus.manual if choice is Choice.done else StepStatus.skipped
        return self._result(planned, status, None)

    def _confirm(self, planned: PlannedStep, commands: list[Command]) -> StepResult | None:
        """None when the destructive step may run, else its result: skipped or declined."""
        labels = [self.executor.resolved(c)[1] for c in commands]
        shown = [f"on {label}: {c.text}" for label, c in zip(labels, commands, strict=True)]
        target = ", ".join(dict.fromkeys(labels)) or "local"
        answer = self.operator.confirm_destructive(planned, shown)
        if answer is Confirmation.run:
            return None
        if answer is Confirmation.skip:
            return self._result(planned, StepStatus.skipped, None, commands, target)
        reasons = "; ".join(planned.step.destructive_reasons) or "marked destructive"
        why = (
            f"destructive step ({reasons}) refused: no terminal to confirm it "
            "(run it from a terminal, or pass --allow-destructive)"
            if answer is None
            else f"destructive step ({reasons}) not confirmed by the operator"
        )
        return self._result(planned, StepStatus.declined, why, commands, target)

    def _result(
        self,
        planned: PlannedStep,
        status: StepStatus,
        error: str | None,
        commands: list[Command] | None = None,
        target: str | None = None,
    ) -> StepResult:
        """The result of a step that did not run its commands, on ``target`` (the operator for
        a manual step, else where its commands were to run, else ``local``)."""
        if target is None:
            target = "operator" if planned.step.kind == "manual" else "local"
        return StepResult(
            number=planned.number,
            title=planned.step.title,
            target=target,
            commands=[c.text for c in commands or planned.step.commands],
            status=status,
            error=error,
            line=planned.step.line,
        )

    def _started(self, resolve: bool = True) -> RunStarted:
        targets: list[str] = []
        for planned in self.plan.steps if resolve else ():
            for command in planned.step.commands:
                targets.append(self.executor.resolved(command)[1])
        return RunStarted.of(
            self.plan,
            run_id=self.run_id,
            operator=self.options.operator or default_name(),
            targets=list(dict.fromkeys(targets)),
            rollback_of=self.rollback_of,
        )

    def _finish(self, outcome: RunOutcome) -> None:
        rollback = self._rollback_wanted(outcome)
        rollback_id = rollback.run_id if rollback else None
        finished = RunFinished(
            self.run_id,
            outcome.status,
            outcome.exit_code,
            dt.datetime.now(dt.UTC),
            outcome.failed_step,
            rollback_id,
            outcome.error,
        )
        try:
            self.emit(finished)
        except Exception as exc:  # the run has ended as it says; the fault is kept
            outcome.fault = outcome.fault or exc
        if rollback is not None:
            outcome.rollback = rollback.run()

    def _rollback_wanted(self, outcome: RunOutcome) -> Runner | None:
        """The rollback runner, when the run failed, the section has one and it is wanted."""
        rollback = rollback_plan(self.plan) if outcome.status is RunStatus.failed else None
        if rollback is None or self.rollback_of is not None:
            return None
        wanted = rollback_wanted(
            rollback,
            self.options,
            self.operator,
            outcome.failed_step,
            title=rollback.scope.title,
            how="run it with --rollback-on-failure, or as its own section "
            f"(--section {rollback.scope.id})",
            notice=self._notice,
        )
        if not wanted:
            return None
        try:
            return Runner(
                rollback,
                rollback_options(self.options),
                listeners=self.listeners,
                operator=self.operator,
                rollback_of=self.run_id,
                connections=self.connections,
                sessions=self.sessions,
                redactor=self.redactor,
            )
        except ExecutionError as exc:
            self._notice(f"the rollback cannot run: {exc.message}")
            return None


def rollback_wanted(
    rollback: Plan,
    options: RunOptions,
    operator: Operator,
    failed_step: int | None,
    *,
    title: str,
    how: str,
    notice: Callable[[str], None],
) -> bool:
    """Whether ``rollback`` runs after a failure (at ``failed_step``): ``--rollback-on-failure``
    says yes, else the operator is offered it (as ``title``); with nobody to ask, it does not
    run and ``notice`` says how to run it (``how``)."""
    if options.rollback_on_failure:
        return True
    answer = operator.offer_rollback(failed_step or 0, title, len(rollback.steps))
    if answer is None:
        steps = len(rollback.steps)
        notice(f"the section has a rollback, {rollback.scope.id!r} ({steps} steps): {how}")
    return bool(answer)


def rollback_options(options: RunOptions) -> RunOptions:
    """The options of a rollback run: those of the run it follows, for all of its steps."""
    return replace(options, only=None, start=None)


def needs_person(planned: PlannedStep) -> str | None:
    """Why an unattended run stops at ``planned`` (a manual, destructive or interactive step),
    or None when the step may run with nobody there."""
    step = planned.step
    if step.kind == "manual":
        what = "a manual step"
    elif step.destructive:
        what = f"a destructive step ({'; '.join(step.destructive_reasons) or 'marked destructive'})"
    elif any(c.interactive for c in step.commands):
        why = "; ".join(dict.fromkeys(c.interactive or "" for c in step.commands if c.interactive))
        what = f"an interactive step ({why})"
    else:
        return None
    return f"{what}: an unattended run stops here, for a person to go on from a terminal"


def fault_line(exc: BaseException) -> str:
    """An internal fault in one line: ``internal error: KeyError: 'proxycommand'``."""
    text = " ".join(str(exc).split())
    return f"internal error: {type(exc).__name__}" + (f": {text}" if text else "")
