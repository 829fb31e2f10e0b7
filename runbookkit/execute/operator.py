"""The person running a runbook: answers manual steps, destructive confirmations, rollbacks.

The runner asks an :class:`Operator`; ``None`` means nobody could be asked (no terminal), and the
runner decides what that means (incomplete, refused). ``--yes``, ``--allow-destructive`` and
``--rollback-on-failure`` are applied by the runner before an operator is asked at all.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Protocol, TextIO

from runbookkit.planning import PlannedStep
from runbookkit.terminal import visible


def default_name() -> str:
    """Who runs a run when nobody says: ``user@machine``."""
    import getpass
    import socket

    return f"{getpass.getuser()}@{socket.gethostname()}"


class Choice(StrEnum):
    """What an operator can answer at a manual step."""

    done = "done"
    skip = "skip"
    abort = "abort"


class Confirmation(StrEnum):
    """What an operator can answer at a destructive step."""

    run = "run"
    skip = "skip"
    abort = "abort"


class Operator(Protocol):
    """Answers the questions a run asks; None when nobody can answer."""

    def manual(self, planned: PlannedStep, notes: list[str]) -> Choice | None:
        """The operator did the manual step (done), skipped it, or aborts the run."""

    def confirm_destructive(self, planned: PlannedStep, commands: list[str]) -> Confirmation | None:
        """Run this destructive step (the number typed back), skip it, or abort the run."""

    def offer_rollback(self, failed: int, title: str, steps: int) -> bool | None:
        """The operator wants the section's rollback after step ``failed`` failed."""

    def variable(self, name: str, where: str) -> str | None:
        """A value for the variable ``name``, which ``where`` reads and nothing gives."""


class Unattended:
    """Nobody at a terminal: every question goes unanswered."""

    def manual(self, planned: PlannedStep, notes: list[str]) -> Choice | None:
        """Nobody to do it."""
        return None

    def confirm_destructive(self, planned: PlannedStep, commands: list[str]) -> Confirmation | None:
        """Nobody to confirm."""
        return None

    def offer_rollback(self, failed: int, title: str, steps: int) -> bool | None:
        """Nobody to decide."""
        return None

    def variable(self, name: str, where: str) -> str | None:
        """Nobody to ask."""
        return None


# Bold yellow, and back to normal: a destructive step's warning on a terminal with colour.
WARNING, NORMAL = "\x1b[1;33m", "\x1b[0m"


class TerminalOperator:
    """Asks on a terminal: questions on ``out``, answers read from ``inp``.

    With ``color``, a destructive step's warning line is shown bold yellow.
    """

    def __init__(
        self, out: TextIO | None = None, inp: TextIO | None = None, *, color: bool = False
    ) -> None:
        self.out = out or sys.stdout
        self.inp = inp or sys.stdin
        self.color = color

    def _warning(self, text: str) -> str:
        return f"{WARNING}{text}{NORMAL}" if self.color else text

    def _ask(self, prompt: str) -> str | None:
        self.out.write(prompt)
        self.out.flush()
        line = self.inp.readline()
        return None if not line else line.strip()

    def manual(self, planned: PlannedStep, notes: list[str]) -> Choice | None:
        """Show the step's text; ask done / skip / abort until one of them is given."""
        lines = [f"\nStep {planned.number} is manual: {planned.step.title}"]
        lines += [f"    {note}" for note in notes] or ["    (no instructions written)"]
        self.out.write("\n".join(lines) + "\n")
        while True:
            answer = self._ask("Done, skip or abort? [d/s/a]: ")
            if answer is None:
                return Choice.abort
            for choice in Choice:
                if answer.lower() in (choice.value, choice.value[0]):
                    return choice

    def confirm_destructive(self, planned: PlannedStep, commands: list[str]) -> Confirmation | None:
        """Show the exact commands and targets; ask run (the step number), skip or abort.

        Any other answer asks again; the end of input aborts.
        """
        step = planned.step
        reasons = "; ".join(step.destructive_reasons) or "marked destructive"
        head = visible(f"Step {planned.number} is DESTRUCTIVE ({reasons}): {step.title}")
        lines = [f"\n{self._warning(head)}", *(f"    {command}" for command in commands)]
        self.out.write("\n".join(lines) + "\n")
        prompt = f"Type the step number ({planned.number}) to run it, s to skip it, a to abort: "
        while True:
            answer = self._ask(prompt)
            if answer is None:
                return Confirmation.abort
            if answer == str(planned.number):
                return Confirmation.run
            if answer.lower() in ("s", "skip"):
                return Confirmation.skip
            if answer.lower() in ("a", "abort"):
                return Confirmation.abort

    def offer_rollback(self, failed: int, title: str, steps: int) -> bool | None:
        """Ask yes/no (default no)."""
        answer = self._ask(
            f"\nStep {failed} failed. Run the rollback {title!r} ({steps} steps) now? [y/N]: "
        )
        return answer is not None and answer.lower() in ("y", "yes")

    def variable(self, name: str, where: str) -> str | None:
        """Ask for the value (an empty answer gives none); the ``--var`` hint included."""
        answer = self._ask(f"{name} is needed by {where} (or pass --var {name}=VALUE): ")
        return answer or None
