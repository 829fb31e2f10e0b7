"""``runbookkit incidents``, ``ack`` and ``resolve``: the incidents alerts opened, and their MTTA
and MTTR against each runbook's MTTR Target (see :mod:`runbookkit.incidents`).

``runbookkit incidents [OPTIONS]`` is short for ``runbookkit incidents list [OPTIONS]``.
Durations are measured from impact start (the alert's ``startsAt``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from runbookkit.cli.common import load_settings
from runbookkit.cli.history import HistoryGroup, absent, store_options, store_path
from runbookkit.display import incidents as show
from runbookkit.errors import NotFoundError
from runbookkit.history.location import parse
from runbookkit.history.records import duration_label, utc

if TYPE_CHECKING:
    from runbookkit.history.incidents import Incident
    from runbookkit.incidents import Target

F = TypeVar("F", bound=Callable[..., Any])

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"(\d+)\s*([smhdw])")


def parse_since(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> dt.datetime | None:
    """``--since``: a duration back from now (``30d``, ``12h``, ``1w2d``) or a date/time."""
    if value is None:
        return None
    text = value.strip().lower()
    if text and _DURATION.sub("", text).strip() == "":
        seconds = sum(int(n) * _UNITS[unit] for n, unit in _DURATION.findall(text))
        return dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)
    try:
        return utc(dt.datetime.fromisoformat(value))
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is neither a duration (e.g. 30d, 12h, 90m) nor a date (e.g. 2026-01-31)"
        ) from None


def filter_options(func: F) -> F:
    """``--runbook ID`` and ``--since DUR``, then the store's options."""
    func = click.option(
        "--since",
        callback=parse_since,
        metavar="DUR|DATE",
        help="Only incidents whose impact started since then (30d, 12h, or a date).",
    )(func)
    func = click.option("--runbook", "runbook", metavar="ID", help="Only this runbook's.")(func)
    return store_options(func)


@click.group("incidents", cls=HistoryGroup)
def incidents_group() -> None:
    """Incidents opened by alerts, with MTTA and MTTR from impact start.

    ``runbookkit incidents [OPTIONS]`` lists them (``incidents list --help``);
    ``runbookkit incidents stats`` gives medians and 90th percentiles per runbook.
    """


@incidents_group.command("list")
@click.option("--open", "open_only", is_flag=True, help="Only incidents not resolved yet.")
@click.option("--limit", "-n", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the incidents as a JSON list.")
@filter_options
def list_command(
    open_only: bool,
    limit: int,
    as_json: bool,
    runbook: str | None,
    since: dt.datetime | None,
    history: str | None,
    runbooks_dir: Path | None,
) -> None:
    """List incidents, newest first, with MTTA, MTTR and the runbook's MTTR Target."""
    from runbookkit.history import open_store
    from runbookkit.history.incidents import list_incidents

    path = store_path(history, runbooks_dir)
    found: list[Incident] = []
    if not absent(path):
        with open_store(path) as store:
            found = list_incidents(
                store, runbook=runbook, since=since, open_only=open_only, limit=limit
            )
    targets = mttr_targets((i.runbook_id for i in found), runbooks_dir)
    if as_json:
        click.echo(json.dumps([show.incident_json(i, targets) for i in found], indent=2))
        return
    if not found:
        click.echo(f"no incidents recorded ({parse(path).shown})")
        return
    show.print_incidents(found, targets, parse(path).shown)


@incidents_group.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as a JSON list.")
@filter_options
def stats_command(
    as_json: bool,
    runbook: str | None,
    since: dt.datetime | None,
    history: str | None,
    runbooks_dir: Path | None,
) -> None:
    """Per runbook: median and p90 of MTTA and MTTR next to its MTTR Target, and how many
    incidents were resolved within it (medians, not means: a resolution time has no bound)."""
    from runbookkit.history import open_store
    from runbookkit.history.incidents import list_incidents
    from runbookkit.incidents import stats

    path = store_path(history, runbooks_dir)
    found: list[Incident] = []
    if not absent(path):
        with open_store(path) as store:
            found = list_incidents(store, runbook=runbook, since=since)
    targets = mttr_targets((i.runbook_id for i in found), runbooks_dir)
    figures = stats(found, targets)
    if as_json:
        click.echo(json.dumps([show.stats_json(s) for s in figures], indent=2))
        return
    if not figures:
        click.echo(f"no incidents recorded ({parse(path).shown})")
        return
    show.print_stats(figures, parse(path).shown)


@click.command("ack")
@click.argument("incident_id", metavar="INCIDENT")
@click.option("--operator", help="Who acknowledges it, as recorded [default user@machine].")
@store_options
def ack_command(
    incident_id: str, operator: str | None, history: str | None, runbooks_dir: Path | None
) -> None:
    """Acknowledge INCIDENT (a unique prefix of its id is enough): you are on it.

    Exit codes: 0 acknowledged (or it already was), 2 no such incident or an ambiguous prefix.
    """
    from runbookkit.history.incidents import acknowledge

    _milestone(acknowledge, "acknowledged", incident_id, operator, history, runbooks_dir)


@click.command("resolve")
@click.argument("incident_id", metavar="INCIDENT")
@click.option("--operator", help="Who resolves it, as recorded [default user@machine].")
@store_options
def resolve_command(
    incident_id: str, operator: str | None, history: str | None, runbooks_dir: Path | None
) -> None:
    """Resolve INCIDENT (a unique prefix of its id is enough): the impact is over.

    Exit codes: 0 resolved (or it already was), 2 no such incident or an ambiguous prefix.
    """
    from runbookkit.history.incidents import resolve

    _milestone(resolve, "resolved", incident_id, operator, history, runbooks_dir)


def _milestone(
    change: Callable[..., tuple[Incident, bool]],
    done: str,
    incident_id: str,
    operator: str | None,
    history: str | None,
    runbooks_dir: Path | None,
) -> None:
    from runbookkit.execute.operator import default_name
    from runbookkit.history import open_store

    path = store_path(history, runbooks_dir)
    if absent(path):
        raise NotFoundError(
            f"no incident {incident_id!r} (no run history here yet)", path=parse(path).shown
        )
    with open_store(path, readonly=False) as store:
        incident, changed = change(store, incident_id, operator or default_name())
    name = f"incident {incident.id} ({incident.name})"
    if changed:
        measure = "MTTA" if done == "acknowledged" else "MTTR"
        took = incident.mtta if done == "acknowledged" else incident.mttr
        click.echo(f"{name} {done}; {measure} {duration_label(took)} from impact start")
    elif incident.resolved_at is not None and done == "acknowledged":
        click.echo(
            f"{name} is resolved already ({show.moment(incident.resolved_at)}); nothing to do"
        )
    else:
        at = incident.acknowledged_at if done == "acknowledged" else incident.resolved_at
        by = incident.acknowledged_by if done == "acknowledged" else incident.resolved_by
        click.echo(f"{name} was {done} already, {show.moment(at)} by {by}")


def mttr_targets(
    runbook_ids: Iterable[str | None], runbooks_dir: Path | None
) -> dict[str, Target | None]:
    """The MTTR Target of each runbook named (None for one that is gone, unreadable or has
    none), read from the runbooks directory."""
    from runbookkit import finder
    from runbookkit.errors import RunbookError

    settings = load_settings(runbooks_dir=runbooks_dir)
    targets: dict[str, Target | None] = {}
    for runbook_id in {rid for rid in runbook_ids if rid is not None}:
        try:
            book = finder.load(runbook_id, settings.runbooks_dir)
        except RunbookError:
            targets[runbook_id] = None
            continue
        targets[runbook_id] = book.metadata.mttr
    return targets
