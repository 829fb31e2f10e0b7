"""``runbookkit lint`` and ``runbookkit rule``: check runbooks, and explain what a rule wants.

Exit codes: 0 clean or warnings only, 1 an error-level finding (``--strict``: any finding), 2 a
usage error or a file that could not be read or parsed (every other file is still linted and
reported). Paths are shown relative to the working directory in every format.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from runbookkit.cli.common import ExitCode, load_settings, runbooks_dir_option
from runbookkit.errors import ParseError
from runbookkit.finder import discover

if TYPE_CHECKING:
    from runbookkit.lint.codes import Rule
    from runbookkit.lint.engine import FileResult


def _codes(ctx: click.Context, param: click.Parameter, values: Sequence[str]) -> frozenset[Rule]:
    from runbookkit.lint.codes import find_rule

    chosen: set[Rule] = set()
    for value in values:
        for key in filter(None, (part.strip() for part in value.split(","))):
            rule = find_rule(key)
            if rule is None:
                raise click.BadParameter(
                    f"unknown rule {key!r}, expected a code such as RBK004 "
                    "(`runbookkit rule` lists them)",
                    ctx=ctx,
                    param=param,
                )
            chosen.add(rule)
    return frozenset(chosen)


def _expand(paths: Sequence[Path]) -> list[Path]:
    """Files as given; directories become the Markdown files below them."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(discover(path))
        else:
            out.append(path)
    return out


def _shown(path: Path) -> Path:
    """``path`` relative to the working directory (as CI systems expect) when it lies below it."""
    if not path.is_absolute():
        return path
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


@click.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github", "sarif"]),
    default="text",
    show_default=True,
    help="Output: text lines, JSON, GitHub annotations or SARIF 2.1.0.",
)
@click.option(
    "--select", multiple=True, callback=_codes, help="Only these rule codes (comma list)."
)
@click.option(
    "--ignore", multiple=True, callback=_codes, help="Skip these rule codes (comma list)."
)
@click.option(
    "--profile",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Format profile, a JSON Schema [env RUNBOOKKIT_PROFILE; default: the built-in one].",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Compare review dates against this day (YYYY-MM-DD) instead of today.",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--fix", is_flag=True, help="Repair what is safe to repair (mojibake), in place.")
@click.option("--diff", is_flag=True, help="Print what --fix would change instead of writing it.")
@click.option(
    "--shellcheck/--no-shellcheck",
    default=None,
    help="Run ShellCheck over the steps [default: on when installed; "
    "`shellcheck = false` in [tool.runbookkit] turns it off].",
)
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes.")
@runbooks_dir_option
def lint_command(
    paths: tuple[Path, ...],
    fmt: str,
    select: frozenset[Rule],
    ignore: frozenset[Rule],
    profile: Path | None,
    today: dt.datetime | None,
    strict: bool,
    fix: bool,
    diff: bool,
    shellcheck: bool | None,
    jobs: int | None,
    runbooks_dir: Path | None,
) -> None:
    """Check runbooks (PATHS: files or directories; default the runbooks directory)."""
    from runbookkit.display.lint import render
    from runbookkit.lint import LintOptions, lint_paths, load_profile

    settings = load_settings(runbooks_dir=runbooks_dir, profile=profile, shellcheck=shellcheck)
    files = [_shown(path) for path in _expand(paths or (settings.runbooks_dir,))]
    options = LintOptions(
        select=select or None,
        ignore=ignore,
        profile=str(settings.profile) if settings.profile else None,
        today=today.date() if today else dt.date.today(),
        strict=strict,
        fix=fix or diff,
        policy=settings.policy,
        shellcheck=settings.shellcheck,
    )
    load_profile(options.profile)  # a bad profile is a usage error before any file is read
    results = lint_paths(files, options, jobs)
    for result in results:
        if result.error is not None:
            click.echo(str(result.error), err=True)
    unreadable = any(r.error is not None for r in results)
    if diff:
        raise SystemExit(_show_diffs(results, unreadable))
    if fix:
        _write_fixes(results)
    color = fmt == "text" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    click.echo(render(results, fmt, color), nl=False, color=color)
    if unreadable or not files:
        if not files:
            click.echo("no runbooks found (expected *.md files)", err=True)
        raise SystemExit(ExitCode.USAGE)
    if any(f.level == "error" for r in results for f in r.findings):
        raise SystemExit(ExitCode.FAILED)


def _show_diffs(results: Sequence[FileResult], unreadable: bool) -> int:
    from runbookkit.lint.fix import unified_diff

    changed = 0
    for result in results:
        if result.before is not None and result.after is not None:
            click.echo(unified_diff(result.path, result.before, result.after), nl=False)
            changed += 1
    click.echo(f"{changed} file(s) would be fixed.", err=True)
    if unreadable:
        return ExitCode.USAGE
    return ExitCode.FAILED if changed else ExitCode.OK


def _write_fixes(results: Sequence[FileResult]) -> None:
    for result in results:
        if result.after is None:
            continue
        try:
            with open(result.path, "w", encoding="utf-8", newline="") as handle:
                handle.write(result.after)
        except OSError as exc:
            raise ParseError(
                f"cannot write the fixed file ({exc.strerror})", path=result.path
            ) from None


@click.command("rule")
@click.argument("code", required=False)
def rule_command(code: str | None) -> None:
    """Explain rule CODE (RBK004 or its name); without CODE, list every rule."""
    from runbookkit.display.lint import render_rule, render_rules
    from runbookkit.errors import NotFoundError
    from runbookkit.lint import RULES, find_rule

    if code is None:
        click.echo(render_rules(RULES), nl=False)
        return
    found = find_rule(code)
    if found is None:
        raise NotFoundError(f"no rule {code!r}, expected a code such as RBK004 (`runbookkit rule`)")
    click.echo(render_rule(found), nl=False)
