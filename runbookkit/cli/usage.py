"""``runbookkit --help`` and ``--version`` without click: the two outputs a person or a script
asks for most, printed before click (about half of a command's start-up) is imported.

The page is laid out as click lays out the group's help (usage line, description, options,
commands, at the terminal's width capped at 80 columns); ``tests/cli/test_usage.py`` checks it
against click's own rendering at several widths.
"""

from __future__ import annotations

import shutil
import textwrap

from runbookkit._version import __version__
from runbookkit.cli.commands import COMMANDS, DESCRIPTION

USAGE = "Usage: runbookkit [OPTIONS] COMMAND [ARGS]..."
OPTIONS = (
    ("--version", "Show the version and exit."),
    ("-h, --help", "Show this message and exit."),
)
_INDENT = "  "


def version() -> str:
    """What ``runbookkit --version`` prints."""
    return f"runbookkit, version {__version__}\n"


def top_help(width: int | None = None) -> str:
    """What ``runbookkit --help`` prints, ``width`` columns wide (default: the terminal's)."""
    if width is None:
        width = max(min(shutil.get_terminal_size().columns, 80) - 2, 50)
    commands = tuple((name, COMMANDS[name][2]) for name in sorted(COMMANDS))
    parts = [
        _wrap(USAGE, width, "", " " * len("Usage: runbookkit ")),
        "",
        _wrap(DESCRIPTION, width, _INDENT, _INDENT),
        "",
        "Options:",
        *_table(OPTIONS, width),
        "",
        "Commands:",
        *_table(commands, width),
    ]
    return "\n".join(parts) + "\n"


def _wrap(text: str, width: int, first: str, rest: str) -> str:
    wrapper = textwrap.TextWrapper(
        width, initial_indent=first, subsequent_indent=rest, replace_whitespace=False
    )
    return wrapper.fill(text)


def _table(rows: tuple[tuple[str, str], ...], width: int) -> list[str]:
    """Two columns: the terms padded to the widest (at most 30), the text wrapped beside them."""
    column = min(max(len(term) for term, _ in rows), 30) + 2
    lines = []
    for term, text in rows:
        wrapped = _wrap(text, max(width - column - 2, 10), "", "").split("\n")
        if len(term) <= column - 2:
            lines.append(f"{_INDENT}{term}{' ' * (column - len(term))}{wrapped[0]}")
        else:
            lines += [f"{_INDENT}{term}", f"{' ' * (column + len(_INDENT))}{wrapped[0]}"]
        lines += [f"{' ' * (column + len(_INDENT))}{line}" for line in wrapped[1:]]
    return lines
