"""The ``runbookkit`` command line: a thin layer over the library.

Commands live in their own modules and are imported only when used, so ``runbookkit parse`` never
pays for paramiko or MkDocs. Errors become one line on stderr and a documented exit code.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
from typing import Any

import click

from runbookkit import __version__
from runbookkit.cli.common import ExitCode
from runbookkit.errors import RunbookError

# name → (module, attribute); add a command by adding a line here.
COMMANDS: dict[str, tuple[str, str]] = {
    "hosts": ("runbookkit.cli.hosts", "hosts_command"),
    "lint": ("runbookkit.cli.lint", "lint_command"),
    "history": ("runbookkit.cli.history", "history_group"),
    "list": ("runbookkit.cli.catalog", "list_command"),
    "match": ("runbookkit.cli.match", "match_command"),
    "parse": ("runbookkit.cli.catalog", "parse_command"),
    "rule": ("runbookkit.cli.lint", "rule_command"),
    "run": ("runbookkit.cli.run", "run_command"),
    "schema": ("runbookkit.cli.catalog", "schema_command"),
    "serve": ("runbookkit.cli.serve", "serve_command"),
    "show": ("runbookkit.cli.catalog", "show_command"),
}


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        # Start-up is over: keep what it built out of every later collection, collect the rest.
        gc.freeze()
        gc.enable()
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="runbookkit")
def cli() -> None:
    """Executable operations runbooks: parse, lint, run, record and publish them."""


def main(argv: list[str] | None = None) -> Any:
    """Entry point: run the CLI and turn every error into one line and an exit code."""
    # Importing a command builds thousands of long-lived objects (pydantic model classes,
    # parser rules); with the cyclic GC on they are scanned again and again, and once more at
    # exit. It stays off until the command is imported (see LazyGroup.get_command).
    gc.disable()
    try:
        return _main(argv)
    finally:
        gc.enable()


def _main(argv: list[str] | None) -> Any:
    try:
        cli.main(args=argv, prog_name="runbookkit", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return sys.exit(ExitCode.USAGE)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return sys.exit(ExitCode.DECLINED)
    except RunbookError as exc:
        from runbookkit.terminal import visible

        click.echo(visible(str(exc)), err=True)
        return sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return sys.exit(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        # The reader went away (`runbookkit match - | head`): that is not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return sys.exit(ExitCode.OK)
    except Exception as exc:
        if os.environ.get("RUNBOOKKIT_DEBUG"):
            raise
        click.echo(
            f"runbookkit: internal error: {type(exc).__name__}: {exc} "
            "(set RUNBOOKKIT_DEBUG=1 for a traceback)",
            err=True,
        )
        return sys.exit(ExitCode.INTERNAL)
    return sys.exit(ExitCode.OK)
