"""``runbookkit match``: say which runbook answers an error message or the lines of a log."""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from runbookkit.cli.common import ExitCode, load_settings, runbooks_dir_option
from runbookkit.display.match import Printer, render_engines
from runbookkit.errors import NotFoundError

if TYPE_CHECKING:
    from runbookkit.match import Match, Matcher

TYPE_MESSAGE = "message"
_OS_ERRORS = {
    FileNotFoundError: "no such file",
    IsADirectoryError: "is a directory, expected a log file",
    PermissionError: "permission denied",
}


@click.command("match")
@click.argument("message", required=False)
@click.option(
    "--file", "-f", "files", multiple=True, metavar="PATH", help="A log file to scan (repeatable)."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per match, with its trace.")
@click.option("--count", "-c", is_flag=True, help="Print how many lines matched each runbook.")
@click.option("--first", is_flag=True, help="Stop at the first match.")
@click.option(
    "--runbook", "-r", "only", multiple=True, metavar="NAME", help="Only this runbook (repeatable)."
)
@click.option(
    "--line-buffered/--block-buffered",
    default=None,
    help="Flush after each match [default: line-buffered on stdin].",
)
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    help="Highlight the matched text [default: auto, on a terminal without NO_COLOR].",
)
@click.option(
    "--verbose", "-v", is_flag=True, help="Say which engine runs each Pattern (on stderr)."
)
@runbooks_dir_option
def match_command(
    message: str | None,
    files: tuple[str, ...],
    as_json: bool,
    count: bool,
    first: bool,
    only: tuple[str, ...],
    line_buffered: bool | None,
    color: str,
    verbose: bool,
    runbooks_dir: Path | None,
) -> None:
    """Route MESSAGE, the lines of --file logs, or stdin (`-`) to the runbooks they match.

    Each match shows the runbook id, severity, MTTR target and title, then the log's file:line
    and the line with the matched text highlighted; the matches of one line come most severe
    first. Exit status: 0 when something matched, 1 when nothing did, 2 on errors.

    Hyperscan (when installed; RUNBOOKKIT_MATCH_ENGINE=re2 turns it off) finds the candidate
    lines, RE2 confirms them; Patterns RE2 cannot run use Python's re, with a warning.
    """
    directory = load_settings(runbooks_dir=runbooks_dir, check_policy=False).runbooks_dir
    matcher, failed = _matcher(directory, only)
    if verbose:
        for line in render_engines(matcher):
            click.echo(line, err=True)
    sources = _sources(message, files)
    stdin = any(kind == "-" for kind, _ in sources)
    out = Printer(
        matcher,
        as_json=as_json,
        count=count,
        color=color == "always" or (color == "auto" and _tty()),
        flush=line_buffered if line_buffered is not None else stdin,
    )
    for kind, value in sources:
        try:
            if count and not first and kind != TYPE_MESSAGE:
                out.add_counts(*_count(matcher, kind, value))
                continue
            context = as_json and not count
            for match in _scan(matcher, kind, value, context=context, first=first):
                out.add(match)
                if first:
                    break
        except OSError as exc:
            failed = True
            what = next((t for c, t in _OS_ERRORS.items() if isinstance(exc, c)), exc.strerror)
            click.echo(f"{value}: {what}", err=True)
        if first and out.total:
            break
    out.finish()
    if failed:
        raise SystemExit(ExitCode.USAGE)
    raise SystemExit(ExitCode.OK if out.total else ExitCode.FAILED)


def _matcher(directory: Path, only: tuple[str, ...]) -> tuple[Matcher, bool]:
    """The matcher of the runbooks in ``directory`` (or of ``only`` those); True if any failed."""
    from runbookkit.cache import cache_dir
    from runbookkit.match import Matcher
    from runbookkit.match.load import load_routes

    routes, errors = load_routes(directory)
    for error in errors:
        click.echo(str(error), err=True)
    if only:
        missing = sorted(set(only) - {route.id for route in routes})
        if missing:
            names = ", ".join(map(repr, missing))
            raise NotFoundError(f"no runbook with a Pattern named {names} in {directory}")
        routes = [route for route in routes if route.id in only]
    if not routes and not errors:
        raise NotFoundError(f"no runbook in {directory} has a Pattern to match")
    matcher = Matcher(routes, strict=False, cache_dir=cache_dir())
    for problem in matcher.errors:
        click.echo(str(problem), err=True)
    for warning in matcher.warnings:
        click.echo(warning, err=True)
    matcher.warn = lambda warning: click.echo(warning, err=True)
    return matcher, bool(errors or matcher.errors)


def _sources(message: str | None, files: tuple[str, ...]) -> list[tuple[str, str]]:
    sources = []
    if message is not None:
        sources.append(("-", "-") if message == "-" else (TYPE_MESSAGE, message))
    sources += [("-", "-") if name == "-" else ("file", name) for name in files]
    return sources or [("-", "-")]


def _scan(
    matcher: Matcher, kind: str, value: str, *, context: bool, first: bool
) -> Iterator[Match]:
    if kind == TYPE_MESSAGE:
        return iter(matcher.match(value, TYPE_MESSAGE))
    if kind == "-":
        return matcher.scan(sys.stdin.buffer, "-", context=context)
    return matcher.scan_file(value, context=context, first=first)


def _count(matcher: Matcher, kind: str, value: str) -> tuple[Counter[str], int]:
    if kind == "-":
        from runbookkit.match.stream import count

        return count(matcher, sys.stdin.buffer)
    return matcher.count_file(value)


def _tty() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")
