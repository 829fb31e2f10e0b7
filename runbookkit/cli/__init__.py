"""The ``runbookkit`` command line: a thin layer over the library.

Commands live in their own modules and are imported only when used, so ``runbookkit parse`` never
pays for paramiko or MkDocs. ``runbookkit --help`` and ``--version`` import neither a command nor
click (see :mod:`runbookkit.cli.usage`). Errors become one line on stderr and a documented exit
code.
"""

from __future__ import annotations

import gc
import sys

from runbookkit.cli.commands import COMMANDS

TYPE_CHECKING = False  # not typing's: --help and --version import no more than they need
if TYPE_CHECKING:
    from typing import Any

__all__ = ["COMMANDS", "main"]


def main(argv: list[str] | None = None) -> Any:
    """Entry point: run the CLI and turn every error into one line and an exit code."""
    args = sys.argv[1:] if argv is None else argv
    if args in (["--help"], ["-h"], ["--version"]):
        from runbookkit.cli import usage

        sys.stdout.write(usage.version() if args == ["--version"] else usage.top_help())
        return sys.exit(0)
    # Importing a command builds thousands of long-lived objects (pydantic model classes,
    # parser rules); with the cyclic GC on they are scanned again and again, and once more at
    # exit. It stays off until the command is imported (see LazyGroup.get_command).
    gc.disable()
    try:
        from runbookkit.cli.group import run

        return run(argv)
    finally:
        gc.enable()


def __getattr__(name: str) -> Any:
    """``runbookkit.cli.cli``: the click group, imported when asked for (tests, embedding)."""
    if name == "cli":
        from runbookkit.cli.group import cli

        return cli
    raise AttributeError(f"module 'runbookkit.cli' has no attribute {name!r}")
