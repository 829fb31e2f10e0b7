"""What every command shares: exit codes, options several commands take, and settings."""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from runbookkit.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])

EXISTING_FILE = click.Path(path_type=Path, dir_okay=False, exists=True)


class ExitCode(IntEnum):
    """The documented exit codes of every command."""

    OK = 0
    FAILED = 1  # a step failed, or lint found an error
    USAGE = 2  # usage, parse or configuration error
    DECLINED = 3  # declined, aborted or incomplete
    INTERNAL = 70  # a bug in runbookkit
    INTERRUPTED = 130  # Ctrl-C


def runbooks_dir_option(func: F) -> F:
    """``--runbooks-dir DIR`` (else ``RUNBOOKKIT_DIR``, ``[tool.runbookkit]``, ``./runbooks``)."""
    return click.option(
        "--runbooks-dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help="Directory of runbooks [env RUNBOOKKIT_DIR; default ./runbooks].",
    )(func)


def seconds_option(
    name: str, *, default: float, help: str, positive: bool = False
) -> Callable[[F], F]:
    """``NAME SECONDS``: a duration (``positive``: more than 0, else 0 or more), default shown."""
    return click.option(
        name,
        type=click.FloatRange(min=0, min_open=positive),
        default=default,
        show_default=True,
        help=help,
    )


def step_timeout_option(func: F) -> F:
    """``--timeout SECONDS``: how long each step may take (``run`` and ``serve``)."""
    return seconds_option("--timeout", default=300.0, help="Seconds per step.", positive=True)(func)


def identity_option(func: F) -> F:
    """``--identity/-i KEY``: a private key SSH tries (``run`` and ``serve``)."""
    return click.option("--identity", "-i", type=EXISTING_FILE, help="Private key to try.")(func)


def load_settings(*, check_policy: bool = True, **flags: Any) -> Settings:
    """Settings from every layer, with these flags on top (see :func:`runbookkit.settings.load`;
    ``check_policy=False`` for a command that never uses the destructive and safe lists)."""
    # Imported here: ``--help`` and a command's usage errors skip tomllib and the pyproject lookup.
    from runbookkit import settings

    return settings.load(check_policy=check_policy, **flags)


def warn(warnings: list[str]) -> None:
    """Each warning as one line on stderr (what went wrong beside the steps: the store…)."""
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
