"""Read terminal transcripts: ``$ `` prompts, the commands after them and their sample output.

A shell block (bash, sh, shell, zsh) is a transcript when one of its lines starts with ``$ ``;
a console block (console, shell-session) always is. There the prompt is removed and the lines
up to the next prompt, step marker or check comment (``# Expected:``, ``# Exit:``…) are that
command's sample output, kept in ``Command.sample`` for reference: it is not a check, since
real output differs from run to run. An ``# Expected:`` after it makes a check as anywhere.
A command continues on the next line after a trailing ``\\``, or on ``> `` lines while a quote,
heredoc or loop is still open.

A root prompt ``# cmd`` counts as a prompt only in a transcript, when ``cmd`` reads as a command
(a well-known one such as ``systemctl``, or a lower-case word with options or paths after it)
and output follows it; any other ``# …`` line stays a comment.

With ``transcript_checks: true`` in the front matter, :func:`promote` turns each sample into the
command's expected output. Lines that can never match (``...``, ``…``, ``[...]``, lines of only
dots, anything with ``<redacted>``) are left out: the expectation is the longest run of lines
between them (output must contain it as one piece), and a sample with nothing else has no check.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from runbookkit.parsing import shellwords

if TYPE_CHECKING:
    from runbookkit.model import Block, Runbook

TRIGGER = re.compile(r"^\$ ", re.MULTILINE)
_MARKER = re.compile(r"^#+\s*(?:step\s+\d|\d+[.)](?:\s|$)|expected|exit|retry)", re.IGNORECASE)
_ROOT_WORD = re.compile(r"[a-z][a-z0-9._-]*|/[\w./-]+")
_ROOT_COMMANDS = frozenset(
    [
        "apt",
        "apt-get",
        "cat",
        "chmod",
        "chown",
        "cp",
        "crontab",
        "curl",
        "df",
        "dig",
        "dmesg",
        "dnf",
        "docker",
        "du",
        "echo",
        "find",
        "free",
        "grep",
        "head",
        "hostname",
        "id",
        "ip",
        "iptables",
        "journalctl",
        "kill",
        "kubectl",
        "ls",
        "lsblk",
        "mkdir",
        "mount",
        "mv",
        "netstat",
        "nft",
        "nginx",
        "passwd",
        "ping",
        "ps",
        "reboot",
        "rm",
        "service",
        "ss",
        "su",
        "sudo",
        "systemctl",
        "tail",
        "tar",
        "top",
        "umount",
        "uptime",
        "useradd",
        "vi",
        "vim",
        "whoami",
        "yum",
    ]
)
_NEVER_MATCHES = re.compile(r"^\s*(?:\.{2,}|…+|\[(?:\.{3}|…)\])\s*$|<redacted>", re.IGNORECASE)

# (line number, text, sample output): text a command or a comment line.
Item = tuple[int, str, str | None]


def items(
    lines: list[str],
    first_line: int,
    logical: Callable[[list[str], int], list[tuple[int, str]]],
    console: bool,
) -> Iterator[Item]:
    """The commands and comments of a transcript, each command with its sample output.

    Lines outside any command's output run as a script (``logical`` groups them), or in a
    console block become comments (notes).
    """
    index, pending = 0, 0  # pending: where the lines not yet given out start
    sample: list[str] | None = None
    command: tuple[int, str] | None = None
    while index <= len(lines):
        line = lines[index] if index < len(lines) else None
        prompt = line is not None and _prompt(line, lines[index + 1 : index + 2])
        ends = line is None or prompt or (_MARKER.match(line.strip()) is not None)
        if command is not None and ends:
            yield (*command, "\n".join(sample or []).strip("\n") or None)
            command, sample, pending = None, None, index
        if line is None:
            break
        if sample is not None:
            sample.append(line)
        elif prompt:
            yield from _script(lines[pending:index], first_line + pending, logical, console)
            start = index
            text, index = _join(lines, index)
            command, sample = (first_line + start, text), []
            pending = index
            continue
        index += 1
    yield from _script(lines[pending:], first_line + pending, logical, console)


def _prompt(line: str, following: list[str]) -> bool:
    if line.startswith("$ ") or line.rstrip() == "$":
        return True
    if not line.startswith("# ") or _MARKER.match(line) or not following:
        return False
    nxt = following[0]
    if not nxt.strip() or nxt.startswith(("$ ", "#")):
        return False  # no output follows: a comment
    word = line[2:].split(None, 1)
    if not word or not _ROOT_WORD.fullmatch(word[0]):
        return False
    rest = word[1] if len(word) > 1 else ""
    return word[0] in _ROOT_COMMANDS or bool(re.search(r"(?:^|\s)-|/|\|", rest))


def _join(lines: list[str], index: int) -> tuple[str, int]:
    """The command of the prompt at ``index`` (with its continuation lines), and the next index."""
    line = lines[index]
    parts = [line[2:] if line.startswith(("$ ", "# ")) else ""]
    reader = shellwords.LineReader()
    reader.feed(parts[0])
    last = parts[0].rstrip()  # the last line with text
    index += 1
    while index < len(lines):
        nxt = lines[index]
        prefixed = nxt.startswith("> ") or nxt.rstrip() == ">"
        if not (last.endswith("\\") or (prefixed and reader.open)):
            break
        parts.append(nxt[2:] if prefixed else nxt)
        reader.feed(parts[-1])
        last = parts[-1].rstrip() or last
        index += 1
    return "\n".join(parts), index


def _script(
    lines: list[str],
    first_line: int,
    logical: Callable[[list[str], int], list[tuple[int, str]]],
    console: bool,
) -> Iterator[Item]:
    if not any(line.strip() for line in lines):
        return
    if console:  # text outside the output of a console block is a note, never a command
        for offset, line in enumerate(lines):
            if line.strip():
                yield first_line + offset, "# " + line.strip().lstrip("#").strip(), None
        return
    for line_no, chunk in logical(lines, first_line):
        yield line_no, chunk, None


def checkable(sample: str) -> str | None:
    """The part of ``sample`` that can be an expected output, or None when no part can."""
    runs: list[list[str]] = [[]]
    for line in sample.splitlines():
        if _NEVER_MATCHES.search(line):
            runs.append([])
        else:
            runs[-1].append(line)
    best = max(("\n".join(run).strip() for run in runs), key=len)
    return best or None


def promote(runbook: Runbook) -> None:
    """Make each command's sample output its expected output (``transcript_checks: true``)."""
    for section in runbook.sections:
        for block in (section, *section.subsections):
            _promote(block)


def _promote(block: Block) -> None:
    for step in block.steps:
        for command in step.commands:
            if command.sample is not None and command.expected is None:
                command.expected = checkable(command.sample)
