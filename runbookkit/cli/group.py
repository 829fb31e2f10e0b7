"""The click group: commands imported when asked for, errors turned into one line each."""

from __future__ import annotations

import gc
import importlib
import os
import sys
from typing import Any

import click

from runbookkit._version import __version__
from runbookkit.cli.commands import COMMANDS, DESCRIPTION
from runbookkit.cli.common import ExitCode
from runbookkit.errors import RunbookError


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        # Start-up is over: keep what it built out of every later collection, collect the rest.
        gc.freeze()
        gc.enable()
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the table: the help page imports no command."""
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(
    cls=LazyGroup, help=DESCRIPTION, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(__version__, prog_name="runbookkit")
def cli() -> None:
    pass


def run(argv: list[str] | None) -> Any:
    """Run the group on ``argv``; every error becomes one line and its exit code."""
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
