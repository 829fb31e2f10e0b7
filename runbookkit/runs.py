"""Run a section of a runbook and record it: the entry point of ``runbookkit run`` and of Python.

:func:`run` loads the runbook (a parsed one, a path or a name), plans the section, masks the
run's secrets (``secrets=`` and the runbook's ``secrets:`` list) with one redactor, which masks
the screen's events, the outcome and the record alike, sends the run to one machine or
to a fleet (hosts, an inventory, a group, or the runbook's ``hosts:`` group), records it in a
history store (a dry run as its plan) and returns how it ended. Nothing here prints, reads
``sys.argv`` or keeps state between runs: several runs may go one after the other in a process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runbookkit.errors import ConfigError
from runbookkit.execute.events import Listener, RunStatus
from runbookkit.execute.ids import new_run_id
from runbookkit.execute.operator import Operator, default_name
from runbookkit.execute.runner import Runner, RunOptions, RunOutcome
from runbookkit.planning import Plan, plan
from runbookkit.secrets import Redactor

if TYPE_CHECKING:
    from runbookkit.fleet.resolve import Fleet
    from runbookkit.fleet.run import FleetOutcome, HostWatcher
    from runbookkit.fleet.strategy import Strategy
    from runbookkit.history.incidents import IncidentLink
    from runbookkit.history.recorder import HistoryRecorder
    from runbookkit.history.store import RunWriter
    from runbookkit.model import Runbook
    from runbookkit.settings import Settings

__all__ = ["load", "plan_for", "resolve_fleet", "run", "run_options", "run_redactor"]


def run(
    runbook: Runbook | str | Path,
    section: str,
    options: RunOptions | None = None,
    *,
    secrets: Mapping[str, str] | None = None,
    settings: Settings | None = None,
    fleet: Fleet | str | None = None,
    groups: Sequence[str] = (),
    strategy: Strategy | None = None,
    history: RunWriter | str | Path | None = None,
    dry_run: bool = False,
    listeners: Iterable[Listener] = (),
    watchers: Iterable[HostWatcher] = (),
    operator: Operator | None = None,
    pause: Callable[[], AbstractContextManager[Any]] | None = None,
    incident: IncidentLink | None = None,
    redactor: Redactor | None = None,
) -> RunOutcome | FleetOutcome:
    """Run ``section`` of ``runbook`` and return how it ended (a fleet's outcome for a fleet).

    Args:
        runbook: a parsed runbook, a file, or a runbook name looked up in the settings'
            runbooks directory (``settings`` default: :func:`runbookkit.settings.load`).
        options: which steps, where, variables, answers, limits (:class:`RunOptions`).
        secrets: variables whose values are masked as ``***`` on every event and record.
        fleet: the hosts to run on: a resolved fleet, or ``host,host…``/``@inventory.yaml``.
            Without it (and without ``groups`` or ``options.host``), the runbook's ``hosts:``
            group, if it names one, is the fleet.
        groups: inventory groups to run on.
        strategy: how to go through a fleet (default: at most 10 hosts at once).
        history: a store, or where one is: an SQLite path (created if missing) or a
            ``postgresql://`` URL (a server that can't be reached: the run records to the local
            spool and says so in ``warnings``). A dry run is recorded as its plan. None records
            nothing.
        dry_run: plan and record only; nothing runs (the outcome passes, with no results).
        listeners: get every event of the run, masked.
        watchers: for a fleet, told when each host starts and ends.
        operator: answers manual steps and confirmations (default: nobody, unattended).
        pause: for a fleet, held while the operator is asked a question.
        incident: link the run to an incident in ``history`` as it starts (a person's run
            acknowledges the open incidents of its runbook, a passing Fix run mitigates them;
            an alert's diagnosis is linked to its incident; see
            :class:`runbookkit.history.incidents.IncidentLink`). None links nothing.
        redactor: what masks the run: the runner's events (so ``listeners``), the outcome and
            the record, the one object for all of them. A front end that shows more of the run
            (its questions, its plan) passes the one it masks those with (see
            :func:`run_redactor`); the run teaches it every secret value of the run (each
            host's, those asked for). Default: a new one.

    Returns:
        The run's outcome: its id, status, exit code, step results (masked) and ``warnings``
        (say, a store that failed mid-run). A step's failure is data, never an exception.

    Raises:
        RunbookError: the runbook can't be read, the section or step doesn't exist, a
            placeholder has no value, the fleet or the store can't be used; nothing ran.
    """
    options = options or RunOptions()
    parsed = load(runbook, settings)
    options = run_options(options, parsed, secrets)
    planned = plan_for(parsed, section, options)
    if fleet is None or isinstance(fleet, str):
        resolved = resolve_fleet(parsed, fleet, groups, options)
    else:
        resolved = fleet
    if resolved is None and strategy is not None:
        raise ConfigError("a fleet strategy was given, but the run has no hosts or host group")
    if resolved is not None:
        options = _fleet_options(options, resolved)
    masking = redactor if redactor is not None else Redactor()
    masking.add(_secret_values(options, resolved))
    store, owned, notes = _open(history, settings)
    try:
        outcome: RunOutcome | FleetOutcome
        if dry_run:
            outcome = _dry_run(planned, options, resolved, store, masking)
        elif resolved is None:
            recorder = _recorder(store, masking, incident)
            outcome = _single(planned, options, recorder, listeners, operator, masking)
        else:
            recorder = _recorder(store, masking, incident)
            outcome = _fleet(
                planned,
                options,
                resolved,
                strategy,
                recorder,
                listeners,
                watchers,
                operator,
                pause,
                masking,
            )
    finally:
        if owned and store is not None:
            store.close()
    outcome.warnings[:0] = notes
    return outcome


def load(runbook: Runbook | str | Path, settings: Settings | None = None) -> Runbook:
    """The runbook to run: as given, parsed from a file, or found by name in the settings'
    runbooks directory (a string ending in ``.md``, or naming an existing file, is a path).

    Raises:
        RunbookError: no such runbook, or it can't be read.
    """
    if not isinstance(runbook, str | Path):
        return runbook
    from runbookkit import finder
    from runbookkit.parsing import parse_file, safety

    policy = settings.policy if settings is not None else safety.DEFAULT
    text = str(runbook)
    if isinstance(runbook, Path) or finder.is_path(text):
        return parse_file(Path(runbook), policy=policy)
    if settings is None:
        from runbookkit.settings import load as load_settings

        settings = load_settings()
    return finder.load(text, settings.runbooks_dir, policy=settings.policy)


def run_options(
    options: RunOptions, runbook: Runbook, secrets: Mapping[str, str] | None = None
) -> RunOptions:
    """``options`` with ``secrets`` among its variables, and masked with the variables the
    runbook lists as secret."""
    given = dict(secrets or {})
    names = frozenset({*options.secrets, *given, *runbook.metadata.secrets})
    return replace(options, variables={**options.variables, **given}, secrets=names)


def run_redactor(options: RunOptions, fleet: Fleet | None = None) -> Redactor:
    """The one redactor of a run with ``options`` (on ``fleet``): it masks the values of the
    run's secret variables, on every host of the fleet (a value secret on one host is masked
    wherever any host's text shows), and every secret shape. :func:`run` takes it as
    ``redactor=``, for the screen and the record to mask alike."""
    return Redactor(_secret_values(options, fleet))


def _secret_values(options: RunOptions, fleet: Fleet | None) -> list[str]:
    if fleet is None:
        return options.secret_values()
    from runbookkit.fleet.run import fleet_secrets

    return [*options.secret_values(), *fleet_secrets(fleet.hosts, options)]


def plan_for(runbook: Runbook, section: str, options: RunOptions) -> Plan:
    """The plan a run of ``section`` with ``options`` follows: its steps as ``--step`` or
    ``--from`` choose them, those of an unclosed fence only if ``accept_repairs``.

    Raises:
        NotFoundError: no such section or step.
        ParseError: a step comes from a repaired fence and ``options.accept_repairs`` is False.
    """
    return plan(
        runbook,
        section,
        only=options.only,
        start=options.start,
        accept_repairs=options.accept_repairs,
    )


def resolve_fleet(
    runbook: Runbook, hosts: str | None, groups: Sequence[str], options: RunOptions
) -> Fleet | None:
    """The fleet that ``hosts``, ``groups`` or the runbook's ``hosts:`` group names; None for a
    single run (also when ``options.host`` sends the run to one host and no fleet is asked).

    Raises:
        ConfigError: a bad host, inventory or group (see :func:`runbookkit.fleet.resolve.resolve`).
    """
    if options.host is not None and hosts is None and not groups:
        return None
    from runbookkit.fleet.resolve import resolve

    return resolve(hosts, groups, runbook=runbook, ssh_config=options.ssh.ssh_config)


def _fleet_options(options: RunOptions, fleet: Fleet) -> RunOptions:
    if options.host is not None:
        raise ConfigError("a fleet run cannot also send every step to one host: give either")
    if options.ssh.ssh_config is None and fleet.ssh_config is not None:
        options = replace(options, ssh=replace(options.ssh, ssh_config=fleet.ssh_config))
    return options


def _open(
    history: RunWriter | str | Path | None, settings: Settings | None
) -> tuple[RunWriter | None, bool, list[str]]:
    """The store to record in, whether it was opened here (and is closed here), and what to
    tell the operator about it (a database server away: the run records to the local spool)."""
    if history is None:
        return None, False, []
    if isinstance(history, str | Path):
        from runbookkit.history.spool import open_for_run

        if settings is None:
            from runbookkit.settings import load as load_settings

            settings = load_settings()
        store, notes = open_for_run(history, settings.spool_path)
        return store, True, notes
    return history, False, []


def _recorder(
    store: RunWriter | None, redactor: Redactor, incident: IncidentLink | None
) -> HistoryRecorder | None:
    if store is None:
        return None
    from runbookkit.history.recorder import HistoryRecorder

    return HistoryRecorder(store, redactor=redactor, incident=incident)


def _finish(recorder: HistoryRecorder | None) -> list[str]:
    """Stop the recorder; what it could not record, as warnings."""
    if recorder is None:
        return []
    recorder.close()
    return list(recorder.failures)


def _single(
    planned: Plan,
    options: RunOptions,
    recorder: HistoryRecorder | None,
    listeners: Iterable[Listener],
    operator: Operator | None,
    redactor: Redactor,
) -> RunOutcome:
    warnings: list[str] = []
    try:
        every: list[Listener] = [*listeners, *([recorder] if recorder else [])]
        runner = Runner(planned, options, listeners=every, operator=operator, redactor=redactor)
        runner.prepare()  # connecting overlaps with the run's start (its record, the first lines)
        outcome = runner.run()
    finally:
        warnings = _finish(recorder)
    # Masked with the values the run ended with (also those asked for during it).
    outcome = redactor.fields(outcome)
    outcome.warnings += warnings
    return outcome


def _fleet(
    planned: Plan,
    options: RunOptions,
    fleet: Fleet,
    strategy: Strategy | None,
    recorder: HistoryRecorder | None,
    listeners: Iterable[Listener],
    watchers: Iterable[HostWatcher],
    operator: Operator | None,
    pause: Callable[[], AbstractContextManager[Any]] | None,
    redactor: Redactor,
) -> FleetOutcome:
    from runbookkit.fleet.run import FleetRunner

    warnings: list[str] = []
    try:
        every: list[Listener] = [*listeners, *([recorder] if recorder else [])]
        runner = FleetRunner(
            planned,
            fleet.hosts,
            options,
            strategy,
            listeners=every,
            watchers=watchers,
            operator=operator,
            pause=pause,
            redactor=redactor,
        )
        outcome = runner.run()
    finally:
        warnings = _finish(recorder)
    outcome.warnings += warnings
    return outcome


def _dry_run(
    planned: Plan,
    options: RunOptions,
    fleet: Fleet | None,
    store: RunWriter | None,
    redactor: Redactor,
) -> RunOutcome | FleetOutcome:
    run_id = new_run_id()
    if store is not None:
        from runbookkit.history.attach import record_plan

        targets = [host.label for host in fleet.hosts] if fleet is not None else None
        run_id = record_plan(
            store,
            planned,
            operator=options.operator or default_name(),
            redactor=redactor,
            targets=targets,
        )
    if fleet is None:
        return RunOutcome(run_id, RunStatus.passed, 0, [])
    from runbookkit.fleet.run import FleetOutcome, HostRun

    hosts = [HostRun(host) for host in fleet.hosts]
    return FleetOutcome(run_id, RunStatus.passed, 0, hosts, planned.steps)
