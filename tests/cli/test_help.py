"""Every command in the table (``runbookkit/cli/commands.py``), and each of a group's
subcommands, has a help page of its own."""

from __future__ import annotations

import importlib

import click
import pytest

from runbookkit.cli import COMMANDS


def _pages() -> list[tuple[str, ...]]:
    pages: list[tuple[str, ...]] = []
    for name, (module, attribute, _) in sorted(COMMANDS.items()):
        pages.append((name,))
        command = getattr(importlib.import_module(module), attribute)
        if isinstance(command, click.Group):
            pages.extend((name, sub) for sub in sorted(command.commands))
    return pages


@pytest.mark.parametrize("words", _pages(), ids=" ".join)
def test_has_help(cli, words: tuple[str, ...]) -> None:
    done = cli(*words, "--help")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith(f"Usage: runbookkit {' '.join(words)} ")
    # Under the usage line, a description of its own: more than a few words.
    assert len(done.stdout.split("\n\n")[1].strip()) > 20
    assert "Options:\n" in done.stdout and "--help" in done.stdout


def test_every_command_is_listed_in_the_top_help(cli) -> None:
    done = cli("--help")
    for name, (_, _, summary) in COMMANDS.items():
        assert f"  {name} " in done.stdout and summary in done.stdout, name
