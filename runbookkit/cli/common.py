"""What every command shares: exit codes, the runbooks-dir option and settings."""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from runbookkit.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


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


def load_settings(**flags: Any) -> Settings:
    """Settings from every layer, with these flags on top."""
    # Imported here: a command that needs no settings (``parse PATH``, ``--help``) skips the
    # pydantic model, tomllib and the pyproject.toml lookup.
    from runbookkit import settings

    return settings.load(**flags)


def warn(warnings: list[str]) -> None:
    """Each warning as one line on stderr (what went wrong beside the steps: the store…)."""
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)


# The settings whose plain values :func:`runbooks_dir_setting` understands without the model.
_PLAIN = {"runbooks_dir": str, "history": str, "profile": str, "destructive": list, "safe": list}


def runbooks_dir_setting(flag: Path | None) -> Path:
    """The runbooks directory, resolved as :func:`load_settings` does, without its model.

    For commands that need nothing else (``match``: its start-up is on hot paths). Anything
    the plain reading does not understand goes through :func:`load_settings`, for its errors.
    """
    import os

    from runbookkit.pyproject import find_pyproject, tool_table

    pyproject = find_pyproject()
    table = tool_table(pyproject) if pyproject is not None else {}
    if not all(isinstance(table[key], _PLAIN.get(key, ())) for key in table):
        return load_settings(runbooks_dir=flag).runbooks_dir
    if flag is not None:
        return flag
    if os.environ.get("RUNBOOKKIT_DIR"):
        return Path(os.environ["RUNBOOKKIT_DIR"])
    if pyproject is not None and "runbooks_dir" in table:
        return pyproject.parent / table["runbooks_dir"]
    return Path("runbooks")
