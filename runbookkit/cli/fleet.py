"""``runbookkit run … --hosts/--group``: the fleet options of ``run`` and the fleet run itself."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from runbookkit.errors import ConfigError

if TYPE_CHECKING:
    from runbookkit.execute.operator import Operator
    from runbookkit.execute.runner import RunOptions
    from runbookkit.fleet.resolve import Fleet
    from runbookkit.model import Runbook
    from runbookkit.planning import Plan
    from runbookkit.secrets import Redactor
    from runbookkit.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])
_STRATEGY_FLAGS = ("parallel", "serial", "batch", "fail_fast", "max_failures", "continue_on_error")
_VIEW_FLAGS = ("output", "follow")
_FLAG_NAMES = re.compile(rf"\b({'|'.join(_STRATEGY_FLAGS)})\b")


def _as_flag(found: re.Match[str]) -> str:
    """A strategy parameter's name as its flag: ``max_failures`` → ``--max-failures``."""
    return "--" + found.group(1).replace("_", "-")


def fleet_run_options(func: F) -> F:
    """The options of ``runbookkit run`` that name a fleet and how to go through it."""
    options = [
        click.option(
            "--hosts",
            "hosts_spec",
            help="Run on these hosts: user@host:port,… , @inventory.yaml|.toml, @ansible:PATH, "
            "or a Host glob.",
        ),
        click.option("--group", "-g", "groups", multiple=True, help="Run on inventory group(s) G."),
        click.option(
            "--parallel",
            type=int,
            help="At most N hosts at once [default 10].",
        ),
        click.option("--serial", is_flag=True, help="One host at a time (--parallel 1)."),
        click.option(
            "--batch", type=int, help="Rolling: K hosts at a time, the next K once all passed."
        ),
        click.option(
            "--fail-fast", is_flag=True, help="Start no new host after the first failure."
        ),
        click.option(
            "--max-failures", type=int, help="Start no new host once more than M have failed."
        ),
        click.option(
            "--continue-on-error", is_flag=True, help="Run every host, even after failed batches."
        ),
        click.option(
            "--output",
            "output",
            type=click.Choice(["prefixed", "all", "failed", "none"]),
            help="Command output: every line as it comes, after its host (prefixed), grouped "
            "in the summary for every step (all) or the failing ones (failed), or none "
            "[default: all on a terminal, else prefixed].",
        ),
        click.option(
            "--follow", metavar="HOST", help="Show HOST's output (on a terminal, under the table)."
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def fleet_for(runbook: Runbook, options: RunOptions, flags: dict[str, Any]) -> Fleet | None:
    """The fleet this run targets, or None for a single run.

    Raises:
        ConfigError: fleet options without a fleet, single-run options with one, or a fleet
            that can't be resolved.
    """
    from runbookkit.runs import resolve_fleet

    fleet = resolve_fleet(runbook, flags["hosts_spec"], flags["groups"], options)
    if fleet is None:
        names = (*_STRATEGY_FLAGS, *_VIEW_FLAGS)
        given = [f"--{name.replace('_', '-')}" for name in names if flags[name]]
        if given:
            verb = "apply" if len(given) > 1 else "applies"
            raise ConfigError(f"{', '.join(given)} {verb} to fleet runs: add --hosts or --group")
        return None
    if options.host is not None:
        raise ConfigError("--host sends a single run elsewhere; with --hosts/--group give one")
    return fleet


def run_on_fleet(
    section: str,
    planned: Plan,
    options: RunOptions,
    fleet: Fleet,
    settings: Settings,
    history: str | Path | None,
    operator: Operator,
    redactor: Redactor,
    flags: dict[str, Any],
) -> None:
    """Run ``planned`` on every host of ``fleet``; exit with the fleet's exit code.

    ``redactor`` is the run's (:func:`runbookkit.runs.run_redactor`): it masks what the views
    show and the store keeps, every host's secrets on every host's lines."""
    from runbookkit import runs
    from runbookkit.cli.common import warn
    from runbookkit.display.fleet import outcome_lines
    from runbookkit.fleet.run import FleetOutcome
    from runbookkit.fleet.strategy import Strategy

    scope = (planned.runbook, section)
    try:
        strategy = Strategy.from_flags(**{name: flags[name] for name in _STRATEGY_FLAGS})
    except ConfigError as exc:
        raise ConfigError(_FLAG_NAMES.sub(_as_flag, exc.message)) from None
    if flags["dry_run"]:
        from runbookkit.display.fleet import dry_run_lines
        from runbookkit.fleet.dryrun import host_plans

        runs.run(
            *scope,
            options,
            settings=settings,
            fleet=fleet,
            history=history,
            dry_run=True,
            redactor=redactor,
        )
        hosts = host_plans(planned, fleet.hosts, options)
        for line in dry_run_lines(planned, hosts, strategy.describe(), redactor):
            click.echo(line)
        return
    view = _view(fleet.hosts, flags)
    outcome = runs.run(
        *scope,
        options,
        settings=settings,
        fleet=fleet,
        strategy=strategy,
        history=history,
        listeners=[view],
        watchers=[view] if hasattr(view, "host_finished") else [],
        operator=operator,
        pause=getattr(view, "paused", None),
        incident=flags.get("incident_link"),
        redactor=redactor,
    )
    assert isinstance(outcome, FleetOutcome)
    warn(outcome.warnings)
    for line in outcome_lines(outcome, len(fleet.hosts)):
        click.echo(line, err=True)
    if outcome.exit_code:
        raise SystemExit(outcome.exit_code)


def _view(hosts: Any, flags: dict[str, Any]) -> Any:
    from runbookkit.display.fleet import fleet_view

    try:
        return fleet_view(
            hosts,
            output=flags["output"],
            follow=flags["follow"],
            as_json=flags["as_json"],
            out=sys.stdout,
            terminal=sys.stdout.isatty() and not os.environ.get("NO_COLOR"),
        )
    except ConfigError as exc:
        raise ConfigError(f"--follow: {exc.message}") from None
