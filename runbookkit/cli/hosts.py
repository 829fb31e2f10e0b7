"""``runbookkit hosts``: list the hosts a fleet run would connect to, and nothing else."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar

import click

from runbookkit import finder
from runbookkit.cli.common import load_settings, runbooks_dir_option
from runbookkit.errors import ConfigError

F = TypeVar("F", bound=Callable[..., Any])


def fleet_options(func: F) -> F:
    """``--hosts``, ``--group`` and ``--ssh-config``: the options that name a fleet."""
    func = click.option(
        "--ssh-config",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        envvar="RUNBOOKKIT_SSH_CONFIG",
        help="ssh_config for Host entries [env RUNBOOKKIT_SSH_CONFIG; default ~/.ssh/config].",
    )(func)
    func = click.option(
        "--group",
        "-g",
        "groups",
        multiple=True,
        help="Inventory group(s) to run on (repeat or comma-separate).",
    )(func)
    return click.option(
        "--hosts",
        "hosts_spec",
        default=None,
        help="Hosts: user@host:port,… , @inventory.yaml|.toml, @ansible:PATH, or a Host glob.",
    )(func)


@click.command("hosts")
@fleet_options
@click.option("--runbook", "-r", "runbook_name", help="Use this runbook's default group (hosts:).")
@click.option("--json", "as_json", is_flag=True, help="Print the hosts as JSON.")
@runbooks_dir_option
def hosts_command(
    hosts_spec: str | None,
    groups: tuple[str, ...],
    ssh_config: Path | None,
    runbook_name: str | None,
    as_json: bool,
    runbooks_dir: Path | None,
) -> None:
    """List the resolved hosts: address, identity, groups, variables and where each is named.

    Without --hosts or --group, lists the whole default inventory ($RUNBOOKKIT_INVENTORY or
    ./inventory.yaml).
    """
    from runbookkit.fleet.resolve import resolve

    runbook = None
    if runbook_name:
        located = load_settings(runbooks_dir=runbooks_dir)
        runbook = finder.load(runbook_name, located.runbooks_dir, policy=located.policy)
    if hosts_spec is None and not groups and not (runbook and runbook.metadata.hosts):
        groups = ("all",)
    fleet = resolve(hosts_spec, groups, runbook=runbook, ssh_config=ssh_config)
    if fleet is None:  # pragma: no cover - resolve always has something to go on here
        raise ConfigError("no hosts: give --hosts or --group")
    if as_json:
        rows = [{**asdict(host), "address": host.label} for host in fleet.hosts]
        click.echo(json.dumps(rows, indent=2))
        return
    _print_table(fleet.hosts)


def _print_table(hosts: list[Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(hosts)} host{'s' if len(hosts) != 1 else ''}")
    for column in ("host", "address", "identity", "groups", "vars", "from"):
        table.add_column(column, overflow="fold")
    for host in hosts:
        variables = " ".join(f"{k}={v}" for k, v in host.vars.items())
        table.add_row(
            host.name,
            host.label,
            host.identity or "-",
            ", ".join(host.groups) or "-",
            variables or "-",
            host.source,
        )
    Console(soft_wrap=False).print(table)
