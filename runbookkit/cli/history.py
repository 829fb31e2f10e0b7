"""``runbookkit history``: list, show, export, import, copy and push recorded runs.

``runbookkit history [NAME]`` is short for ``runbookkit history list [NAME]``. Everything
printed, exported or imported passes the secret masking again (:data:`REDACTOR`, the one for
screen and store), so even a store imported from elsewhere shows and passes on none. What is
printed is made in :mod:`runbookkit.display.history`.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from runbookkit.cli.common import load_settings, runbooks_dir_option
from runbookkit.display.history import list_json, print_list, show_json, show_text
from runbookkit.errors import HistoryError, NotFoundError
from runbookkit.execute.events import RunStatus
from runbookkit.finder import has_runbook
from runbookkit.history import Store, open_store
from runbookkit.history.location import parse
from runbookkit.history.records import (
    RunRecord,
    from_json,
    to_json,
    utc,
)
from runbookkit.secrets import Redactor
from runbookkit.terminal import visible

F = TypeVar("F", bound=Callable[..., Any])

# Masks every secret shape in the runs history shows (list, show) and writes (export, import,
# copy): the values a run masked are gone already, but a store from elsewhere may hold shapes.
REDACTOR = Redactor()


class HistoryGroup(click.Group):
    """A group whose first argument, when it is not a subcommand, goes to ``list``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = ["list", *args]
        return super().parse_args(ctx, args)


def store_options(func: F) -> F:
    """``--history PATH|URL`` and ``--runbooks-dir DIR`` (the default store sits beside it)."""
    func = click.option(
        "--history",
        "history",
        metavar="PATH|URL",
        default=None,
        help="The run history store: a file or postgresql:// URL [env RUNBOOKKIT_HISTORY; "
        "default .runbookkit/history.sqlite beside the runbooks directory].",
    )(func)
    return runbooks_dir_option(func)


def store_path(history: str | None, runbooks_dir: Path | None) -> Path | str:
    """Where the history store is (a path or URL), from the flags and every settings layer."""
    return load_settings(history=history, runbooks_dir=runbooks_dir).history_store


def absent(location: Path | str) -> bool:
    """Whether ``location`` is an SQLite store not created yet (nothing recorded)."""
    where = parse(location)
    return where.backend == "sqlite" and not where.path.exists()


def parse_since(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> dt.datetime | None:
    """``--since`` as an aware datetime (a date alone means its midnight, UTC)."""
    if value is None:
        return None
    try:
        return utc(dt.datetime.fromisoformat(value))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (expected e.g. 2026-01-31)") from None


@click.group("history", cls=HistoryGroup)
def history_group() -> None:
    """Recorded runs: who ran what, when, where, and what happened.

    ``runbookkit history [NAME] [OPTIONS]`` lists runs (``history list --help``).
    """


@history_group.command("list")
@click.argument("name", required=False)
@click.option("--section", "-s", help="Only runs of this section.")
@click.option("--status", type=click.Choice([s.value for s in RunStatus]), help="Only these.")
@click.option("--limit", "-n", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the runs as a JSON list.")
@store_options
def list_command(
    name: str | None,
    section: str | None,
    status: str | None,
    limit: int,
    as_json: bool,
    history: str | None,
    runbooks_dir: Path | None,
) -> None:
    """List the runs (of runbook NAME, if given), newest first.

    A NAME that no run was recorded for and no runbook in the runbooks directory has is an
    error (exit 2); a runbook without runs lists none.
    """
    settings = load_settings(history=history, runbooks_dir=runbooks_dir)
    path = settings.history_store
    if absent(path):
        if name is not None and not has_runbook(name, settings.runbooks_dir):
            raise NotFoundError(f"no such runbook {name!r}")
        if as_json:
            click.echo("[]")
        else:
            click.echo(f"no runs recorded yet ({path})")
        return
    with open_store(path) as store:
        runs = store.list_runs(runbook=name, section=section, status=status, limit=limit)
        if name is not None and not runs:
            recorded = bool(store.list_runs(runbook=name, limit=1))
            if not recorded and not has_runbook(name, settings.runbooks_dir):
                raise NotFoundError(f"no such runbook {name!r}")
    runs = [REDACTOR.fields(run) for run in runs]
    if name is not None and not runs and not as_json:
        filters = ", ".join(
            f"{key} {value}" for key, value in (("section", section), ("status", status)) if value
        )
        which = f" matching {filters}" if filters else ""
        click.echo(visible(f"no runs of {name!r}{which} recorded in {parse(path).shown}"))
        return
    if as_json:
        click.echo(list_json(runs))
        return
    print_list(runs, parse(path).shown)


def find_run(store: Store, which: str, runbooks_dir: Path) -> RunRecord:
    """The run ``which`` names: ``last`` (the newest run), a runbook id (its newest run), or a
    run id or a unique prefix of one.

    Raises:
        NotFoundError: no such run, or the runbook has no runs.
        HistoryError: the prefix is shared by several runs (they are named).
    """
    if which == "last":
        newest = store.list_runs(limit=1)
        if not newest:
            raise NotFoundError("no run in the run history", path=store.path)
        return store.get_run(newest[0].id)
    latest = store.list_runs(runbook=which, limit=1)
    if latest:
        return store.get_run(latest[0].id)
    try:
        return store.get_run(which)
    except NotFoundError:
        if has_runbook(which, runbooks_dir):
            raise NotFoundError(
                f"runbook {which!r} has no runs in the run history", path=store.path
            ) from None
        raise


@history_group.command("show")
@click.argument("run_id", metavar="RUN")
@click.option("--json", "as_json", is_flag=True, help="Print the whole record as JSON.")
@store_options
def show_command(
    run_id: str, as_json: bool, history: str | None, runbooks_dir: Path | None
) -> None:
    """Show RUN with each step's commands and output.

    RUN is a run id (a unique prefix is enough), a runbook id (its latest run) or ``last``
    (the latest run of all).
    """
    from runbookkit.history.incidents import incidents_of_run

    settings = load_settings(history=history, runbooks_dir=runbooks_dir)
    with open_store(settings.history_store) as store:
        run = REDACTOR.fields(find_run(store, run_id, settings.runbooks_dir))
        incidents = incidents_of_run(store, run.id)
    click.echo(show_json(run, incidents) if as_json else show_text(run, incidents))


@history_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
@click.option("--since", callback=parse_since, help="Only runs started on or after this date.")
@click.option("--output", "-o", type=click.File("w"), default="-", help="File to write [stdout].")
@store_options
def export_command(
    fmt: str,
    since: dt.datetime | None,
    output: IO[str],
    history: str | None,
    runbooks_dir: Path | None,
) -> None:
    """Write the runs (with steps), oldest first, one JSON object a line, for archiving."""
    path = store_path(history, runbooks_dir)
    if absent(path):
        return
    with open_store(path) as store:
        for run in store.export_runs(since=since):
            output.write(json.dumps(to_json(REDACTOR.fields(run)), ensure_ascii=False) + "\n")


@history_group.command("import")
@click.argument("source", type=click.File("r"), default="-")
@store_options
def import_command(source: IO[str], history: str | None, runbooks_dir: Path | None) -> None:
    """Add the runs of an export (SOURCE, default stdin) not already in the store, by run id."""
    name = "<stdin>" if source is sys.stdin else source.name
    runs = list(read_export(source, name))
    path = store_path(history, runbooks_dir)
    with open_store(path, readonly=False) as store:
        added, present = store.import_runs(REDACTOR.fields(run) for run in runs)
    click.echo(f"imported {added} runs ({present} already there) into {parse(path).shown}")


@history_group.command("copy")
@click.argument("source", metavar="FROM")
@click.argument("target", metavar="TO")
def copy_command(source: str, target: str) -> None:
    """Copy every run and incident from store FROM to store TO (paths or URLs); the runs and
    incidents TO has are skipped.

    Copying again adds only what is new, so a team can move its SQLite history to the team
    database (``history copy .runbookkit/history.sqlite postgresql://…``) as often as it likes.
    """
    from runbookkit.history.incidents import export_incidents, import_incidents

    with open_store(source) as origin, open_store(target, readonly=False) as store:
        added, present = store.import_runs(REDACTOR.fields(run) for run in origin.export_runs())
        incidents = import_incidents(store, export_incidents(origin))
    click.echo(
        f"copied {added} runs ({present} already there) and {incidents[0]} incidents "
        f"({incidents[1]} already there) from {parse(source).shown} to {parse(target).shown}"
    )


@history_group.command("push")
@store_options
def push_command(history: str | None, runbooks_dir: Path | None) -> None:
    """Send the runs recorded in the local spool while the database server was away."""
    from runbookkit.history.spool import push

    settings = load_settings(history=history, runbooks_dir=runbooks_dir)
    where = parse(settings.history_store)
    spool = settings.spool_path
    if where.backend != "postgresql":
        raise HistoryError("the history store is not a database server; nothing to push to")
    with open_store(where.target, readonly=False) as store:
        sent, left = push(spool, store)
    still = f"; {left} still recording stay in the spool" if left else ""
    click.echo(f"pushed {sent} runs from {spool} to {where.shown}{still}")


def read_export(source: IO[str], name: str) -> Iterator[RunRecord]:
    """The runs of an export, each line checked before anything is imported."""
    runs = []
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        try:
            runs.append(from_json(json.loads(line)))
        except json.JSONDecodeError as exc:
            raise HistoryError(
                f"not JSON ({exc.msg}); expected one run a line, as `history export` writes",
                path=name,
                line=number,
            ) from None
        except ValueError as exc:
            raise HistoryError(
                f"{exc}; expected a run as `history export` writes", path=name, line=number
            ) from None
    return iter(runs)
