"""``runbookkit run … --hosts/--group``: the fleet options of ``run`` and the fleet run itself."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

import click

from runbookkit.errors import ConfigError

F = TypeVar("F", bound=Callable[..., Any])
_STRATEGY_FLAGS = ("parallel", "serial", "batch", "fail_fast", "max_failures", "continue_on_error")


def fleet_run_options(func: F) -> F:
    """The options of ``runbookkit run`` that name a fleet and how to go through it."""
    options = [
        click.option(
            "--hosts",
            "hosts_spec",
            help="Run on these hosts: user@host:port,… , @inventory.yaml|.toml, or a Host glob.",
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
    ]
    for option in reversed(options):
        func = option(func)
    return func


def fleet_for(runbook: Any, flags: dict[str, Any]) -> Any:
    """The fleet this run targets, or None for a single run.

    Raises:
        ConfigError: fleet options without a fleet, or a fleet that can't be resolved.
    """
    from runbookkit.fleet.resolve import resolve

    asked = flags["hosts_spec"] is not None or bool(flags["groups"])
    if flags["host"] is not None and not asked:
        return None  # --host sends a single run elsewhere, whatever the runbook's hosts: says
    fleet = resolve(
        flags["hosts_spec"], flags["groups"], runbook=runbook, ssh_config=flags["ssh_config"]
    )
    if fleet is None:
        given = [f"--{name.replace('_', '-')}" for name in _STRATEGY_FLAGS if flags[name]]
        if given:
            raise ConfigError(f"{', '.join(given)} apply to fleet runs: add --hosts or --group")
    return fleet


def run_on_fleet(
    settings: Any,
    runbook: Any,
    section: str,
    planned: Any,
    options: Any,
    fleet: Any,
    flags: dict[str, Any],
) -> None:
    """Run ``planned`` on every host of ``fleet``; exit with the fleet's exit code."""
    from runbookkit.cli.run import _operator, secret_redactor
    from runbookkit.execute import listeners
    from runbookkit.fleet.run import FleetRunner
    from runbookkit.fleet.strategy import Strategy

    strategy = Strategy.from_flags(**{name: flags[name] for name in _STRATEGY_FLAGS})
    if options.ssh.ssh_config is None and fleet.ssh_config is not None:
        options = replace(options, ssh=replace(options.ssh, ssh_config=fleet.ssh_config))
    if flags["dry_run"]:
        from runbookkit.execute.needs import render_plan

        redactor = secret_redactor(options)
        click.echo(redactor.text(render_plan(planned, options.variables)))
        click.echo(f"on {len(fleet.hosts)} hosts ({strategy.describe()}):")
        for host in fleet.hosts:
            click.echo(f"  {host.name:<20} {host.label}")
        return
    view = _view(fleet.hosts, flags)
    context = listeners.RunContext(settings, runbook, section, options, False, flags)
    extra = listeners.build(context)
    runner = FleetRunner(
        planned,
        fleet.hosts,
        options,
        strategy,
        listeners=[view, *extra],
        watchers=[view] if hasattr(view, "host_finished") else [],
        operator=_operator(flags, secret_redactor(options)),
        pause=getattr(view, "paused", None),
    )
    try:
        outcome = runner.run()
    finally:
        for warning in listeners.finish(extra):
            click.echo(f"warning: {warning}", err=True)
    failed = outcome.failed()
    if failed:
        names = ", ".join(run.host.name for run in failed)
        click.echo(
            f"{outcome.status.value} on {len(failed)} of {len(fleet.hosts)} hosts: {names}",
            err=True,
        )
    if outcome.exit_code:
        raise SystemExit(outcome.exit_code)


def _view(hosts: Any, flags: dict[str, Any]) -> Any:
    from runbookkit.fleet import display

    if flags["as_json"]:
        from runbookkit.execute.display import JsonView

        return JsonView(sys.stdout)
    if sys.stdout.isatty() and not os.environ.get("NO_COLOR"):
        return display.RichFleetView(hosts)
    return display.PlainFleetView(hosts, sys.stdout)
