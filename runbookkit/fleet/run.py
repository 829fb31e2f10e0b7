"""A fleet run: one section on many hosts, each host through the single-run engine.

Every host gets its own :class:`~runbookkit.execute.runner.Runner` over a copy of the plan whose
commands all target that host, so a host runs the section's steps in order over one connection
of its own, with the engine's checks, retries, timeouts and host-key rules. The hosts' events
are relabelled into a single run (one run id, each step's ``host`` set) for the listeners, and
manual and destructive questions are asked once per step for the whole fleet.

One :class:`~runbookkit.secrets.Redactor` masks the whole fleet run: every host's runner, the
fleet's own events and the outcome. It knows every host's secret values before any host starts,
so a value secret on one host is masked in every host's output, on the screen and in the record.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext, suppress
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TypeVar, cast

from runbookkit.errors import ConfigError, ExecutionError
from runbookkit.execute.events import (
    Event,
    Listener,
    RunFinished,
    RunNotice,
    RunStarted,
    RunStatus,
    StepResult,
    StepStarted,
)
from runbookkit.execute.ids import new_run_id
from runbookkit.execute.needs import MissingValues
from runbookkit.execute.operator import Choice, Confirmation, Operator, Unattended, default_name
from runbookkit.execute.runner import (
    EXIT_CODES,
    Runner,
    RunOptions,
    RunOutcome,
    rollback_options,
    rollback_wanted,
)
from runbookkit.execute.ssh import SshShared
from runbookkit.fleet.hosts import Host
from runbookkit.fleet.strategy import Strategy, run_fleet
from runbookkit.model import changed
from runbookkit.planning import Plan, PlannedStep, rollback_plan
from runbookkit.secrets import Redactor

T = TypeVar("T")

# Which host status makes the fleet's status, most telling first.
_PRECEDENCE = [
    RunStatus.interrupted,
    RunStatus.error,
    RunStatus.failed,
    RunStatus.declined,
    RunStatus.incomplete,
]


class HostWatcher(Protocol):
    """A listener that also wants to know when each host starts and ends (the live table)."""

    def host_started(self, host: Host) -> None:
        """``host`` got a worker and begins its first step."""

    def host_finished(self, host: Host, outcome: RunOutcome) -> None:
        """``host`` ran to its end (passed, or stopped at a step)."""


@dataclass
class HostRun:
    """One host of a fleet run: its outcome, or None when it was never started."""

    host: Host
    outcome: RunOutcome | None = None

    @property
    def status(self) -> str:
        """``passed``, ``failed``… or ``not started``."""
        return self.outcome.status.value if self.outcome else "not started"


@dataclass
class FleetOutcome:
    """How a fleet run ended, host by host."""

    run_id: str
    status: RunStatus
    exit_code: int
    hosts: list[HostRun] = field(default_factory=list)
    steps: list[PlannedStep] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what went wrong beside the steps
    rollback: FleetOutcome | None = None  # the rollback run on the failed hosts, if one ran

    def results(self) -> list[StepResult]:
        """Every host's step results, host by host."""
        return [r for run in self.hosts if run.outcome for r in run.outcome.results]

    def failed(self) -> list[HostRun]:
        """The hosts that did not pass (not counting those never started)."""
        return [run for run in self.hosts if run.outcome and run.outcome.exit_code != 0]

    def failed_hosts(self) -> list[Host]:
        """The hosts where a step failed (not declined, incomplete or interrupted): those a
        rollback runs on."""
        return [
            run.host for run in self.hosts if run.outcome and run.outcome.status is RunStatus.failed
        ]


def host_values(host: Host, options: RunOptions) -> dict[str, str]:
    """The placeholder values on ``host``: its inventory variables, then the run's (which win)."""
    return {**host.vars, **options.variables}


def fleet_secrets(hosts: Iterable[Host], options: RunOptions) -> list[str]:
    """The secret values of every host's run (a value given as secret on any one of them)."""
    return [
        value
        for host in hosts
        for value in replace(options, variables=host_values(host, options)).secret_values()
    ]


def for_host(plan: Plan, host: Host) -> Plan:
    """A copy of ``plan`` whose every command, local or ssh-wrapped, runs on ``host``."""
    target = host.target()

    def retarget(steps: list[PlannedStep]) -> list[PlannedStep]:
        return [
            replace(
                p,
                step=changed(p.step, commands=[changed(c, target=target) for c in p.step.commands]),
            )
            for p in steps
        ]

    return replace(plan, steps=retarget(plan.steps), rollback=retarget(plan.rollback))


class FleetRunner:
    """Runs one plan on every host of a fleet as ``strategy`` says, as one recorded run.

    When steps failed and the section has a rollback that is wanted (``rollback_on_failure``,
    or the operator says yes when offered), the rollback runs on the hosts whose step failed,
    and on no other, as one more fleet run linked to this one (``rollback_of``), with the same
    confirmations (asked once for those hosts).

    ``redactor`` (default: one of the fleet runner's own) masks everything the fleet run hands
    to its listeners or returns, for every host; it is taught every host's secret values first.

    Raises (from the constructor, before anything runs):
        ConfigError: options a fleet run can't honour (``host``).
        ExecutionError: a placeholder has no value on some host.
    """

    def __init__(
        self,
        plan: Plan,
        hosts: list[Host],
        options: RunOptions | None = None,
        strategy: Strategy | None = None,
        *,
        listeners: Iterable[Listener] = (),
        watchers: Iterable[HostWatcher] = (),
        operator: Operator | None = None,
        pause: Callable[[], AbstractContextManager[Any]] | None = None,
        rollback_of: str | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        self.plan = plan
        self.rollback_of = rollback_of
        self.hosts = hosts
        self.options = options or RunOptions()
        self.strategy = strategy or Strategy()
        self.listeners = list(listeners)
        self.watchers = list(watchers)
        self.run_id = new_run_id()
        if self.options.host is not None:
            raise ConfigError("a fleet run cannot also send every step to one host: give either")
        self.redactor = redactor if redactor is not None else Redactor()
        self.redactor.add(fleet_secrets(hosts, self.options))  # before any host asks or shows
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self.operator = FleetOperator(operator or Unattended(), self, pause)
        # Looked up once for the fleet, not once per host.
        self.operator_name = self.options.operator or default_name()
        self._ssh = SshShared(self.options.ssh)
        self.runners = {host.name: self._runner(host) for host in hosts}
        self.runs = {host.name: HostRun(host) for host in hosts}

    def _runner(self, host: Host) -> Runner:
        options = replace(
            self.options,
            variables=host_values(host, self.options),
            fleet_host=host.name,
            operator=self.operator_name,
            rollback_on_failure=False,
        )
        try:
            return Runner(
                # The fleet runs the rollback, on the failed hosts together (see _rollback).
                replace(for_host(self.plan, host), rollback=[]),
                options,
                listeners=[_HostEvents(self, host)],
                operator=self.operator,
                shared_ssh=self._ssh,
                redactor=self.redactor,
            )
        except MissingValues as exc:
            raise exc.on_host(host.name) from None
        except ExecutionError as exc:
            raise ExecutionError(
                f"on host {host.name}: {exc.message}", path=exc.path, line=exc.line
            ) from None

    def emit(self, event: Event) -> None:
        """Hand the fleet's own ``event``, masked, to every listener."""
        self.forward(self.redactor.fields(event))

    def forward(self, event: Event) -> None:
        """Hand ``event`` (a host runner's, masked by it) to every listener, one event at a
        time across the hosts' threads."""
        with self._lock:
            for listener in self.listeners:
                listener(event)

    def run(self) -> FleetOutcome:
        """Run every host; never raises for a step's failure or Ctrl-C."""
        self.emit(self._started())
        interrupted = False
        try:
            run_fleet(
                self.hosts, self._run_host, _passed, self.strategy, on_interrupt=self._interrupt
            )
        except KeyboardInterrupt:
            interrupted = True
        outcome = self._outcome(interrupted)
        for run in outcome.hosts:
            if run.outcome is not None:
                # Masked with the values the run ended with (also those asked during it).
                run.outcome = self.redactor.fields(run.outcome)
        first = next(
            (r.outcome for r in outcome.hosts if r.outcome and r.outcome.failed_step), None
        )
        rollback = None if interrupted else self._rollback(outcome)
        self.emit(
            RunFinished(
                self.run_id,
                outcome.status,
                outcome.exit_code,
                dt.datetime.now(dt.UTC),
                first.failed_step if first else None,
                rollback.run_id if rollback else None,
            )
        )
        if rollback is not None:
            outcome.rollback = rollback.run()
        return outcome

    def _rollback(self, outcome: FleetOutcome) -> FleetRunner | None:
        """The rollback's fleet runner over the hosts whose step failed, when the section has a
        rollback and it is wanted; None otherwise (saying how to run it, when it was not)."""
        rollback = rollback_plan(self.plan)
        failed = outcome.failed_hosts()
        if rollback is None or not failed or self.rollback_of is not None:
            return None
        names = ", ".join(host.name for host in failed)
        number = next(
            (r.outcome.failed_step for r in outcome.hosts if r.outcome and r.host == failed[0]),
            None,
        )
        wanted = rollback_wanted(
            rollback,
            self.options,
            self.operator,
            number,
            title=f"{rollback.scope.title} on {names}",
            how=f"run it on the failed hosts ({names}) with --rollback-on-failure",
            notice=self._notice,
        )
        if not wanted:
            return None
        try:
            return FleetRunner(
                rollback,
                failed,
                rollback_options(self.options),
                Strategy(parallel=self.strategy.parallel),
                listeners=self.listeners,
                watchers=self.watchers,
                operator=self.operator.inner,
                pause=self.operator.pause,
                rollback_of=self.run_id,
                redactor=self.redactor,
            )
        except (ConfigError, ExecutionError) as exc:
            self._notice(f"the rollback cannot run: {exc.message}")
            return None

    def _notice(self, message: str) -> None:
        self.emit(RunNotice(self.run_id, message))

    def _run_host(self, host: Host) -> RunOutcome:
        with self._lock:
            for watcher in self.watchers:
                watcher.host_started(host)
        outcome = self.runners[host.name].run()
        self.runs[host.name].outcome = outcome
        with self._lock:
            for watcher in self.watchers:
                watcher.host_finished(host, outcome)
        return outcome

    def _interrupt(self) -> None:
        """Ctrl-C: no host starts another step, running commands are stopped on their hosts."""
        self._stop.set()
        stoppers = [threading.Thread(target=r.sessions.interrupt) for r in self.runners.values()]
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join()
        for runner in self.runners.values():
            with suppress(Exception):
                runner.connections.close()

    def _outcome(self, interrupted: bool) -> FleetOutcome:
        runs = [self.runs[host.name] for host in self.hosts]
        statuses = {run.outcome.status for run in runs if run.outcome}
        if interrupted:
            statuses.add(RunStatus.interrupted)
        status = next((s for s in _PRECEDENCE if s in statuses), RunStatus.passed)
        return FleetOutcome(self.run_id, status, EXIT_CODES[status], runs, self.plan.steps)

    def _started(self) -> RunStarted:
        return RunStarted.of(
            self.plan,
            run_id=self.run_id,
            operator=self.operator_name,
            targets=[host.label for host in self.hosts],
            rollback_of=self.rollback_of,
        )


def _passed(outcome: RunOutcome) -> bool:
    return outcome.status is RunStatus.passed


class _HostEvents:
    """One host's runner events, relabelled as part of the fleet's run."""

    def __init__(self, fleet: FleetRunner, host: Host) -> None:
        self.fleet = fleet
        self.host = host.name

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted | RunFinished):
            return  # the fleet run starts and finishes once, for every host
        if isinstance(event, StepStarted) and self.fleet._stop.is_set():
            raise KeyboardInterrupt  # the runner records the step as interrupted and stops
        # The runner stamps the host itself (RunOptions.fleet_host); the run id is the fleet's.
        self.fleet.forward(replace(event, run_id=self.fleet.run_id))


class FleetOperator:
    """Asks each manual or destructive question once per step for the whole fleet.

    The first host to reach a step asks (showing every host it will touch); the hosts that reach
    it later get the same answer. Questions are asked one at a time, with the live view paused.
    """

    def __init__(
        self,
        inner: Operator,
        fleet: FleetRunner,
        pause: Callable[[], AbstractContextManager[Any]] | None,
    ) -> None:
        self.inner = inner
        self.fleet = fleet
        self.pause = pause or nullcontext
        self._lock = threading.Lock()
        self._answers: dict[tuple[str, int], object] = {}

    def _once(self, kind: str, number: int, ask: Callable[[], T]) -> T:
        with self._lock:
            key = (kind, number)
            if key not in self._answers:
                with self.pause():
                    self._answers[key] = ask()
            return cast(T, self._answers[key])

    def manual(self, planned: PlannedStep, notes: list[str]) -> Choice | None:
        """Ask once; the answer (done, skip, abort) holds for every host."""
        hosts = self.fleet.hosts
        where = f"(for all {len(hosts)} hosts: {', '.join(h.name for h in hosts)})"
        return self._once(
            "manual", planned.number, lambda: self.inner.manual(planned, [*notes, where])
        )

    def confirm_destructive(self, planned: PlannedStep, commands: list[str]) -> Confirmation | None:
        """Show the step's commands on every host; one answer runs, skips or aborts on all."""
        shown = []
        for host in self.fleet.hosts:
            for command in planned.step.commands:
                shown.append(f"on {host.label}: {command.text}")
        return self._once(
            "destructive", planned.number, lambda: self.inner.confirm_destructive(planned, shown)
        )

    def offer_rollback(self, failed: int, title: str, steps: int) -> bool | None:
        """Offer the section's rollback once for the fleet (``title`` names the failed hosts)."""
        with self._lock, self.pause():
            return self.inner.offer_rollback(failed, title, steps)

    def variable(self, name: str, where: str) -> str | None:
        """Ask once for a value that no host's variables give; it holds for every host."""
        ask = getattr(self.inner, "variable", None)
        if ask is None:
            return None
        answer: str | None = self._once(f"variable {name}", 0, lambda: ask(name, where))
        return answer
