"""Run one shell step: its commands in order on their targets, attempts, expected output.

A step passes when every command exits 0 and, where a command has an expected output, its
stdout contains that text (both trimmed). A failed attempt is retried while the step's retry
(``# Retry: N every Ds``, or the run's ``--retry``) has attempts left; connection errors are not
retried. The result is data: a :class:`StepResult`, whatever happened.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runbookkit.execute.events import (
    Event,
    StepOutput,
    StepResult,
    StepRetrying,
    StepStarted,
    StepStatus,
)
from runbookkit.execute.shells import Outcome, run_local, run_remote
from runbookkit.execute.ssh import ConnectError, Connections
from runbookkit.model import Command, Retry, Target
from runbookkit.plan import PlannedStep

TAIL = 4096


@dataclass
class Attempt:
    """The outcome of one attempt at a step."""

    outcome: Outcome
    error: str | None
    matched: bool | None
    retryable: bool


def tail(text: str, limit: int = TAIL) -> str:
    """The last ``limit`` bytes of ``text`` (cut on a character boundary)."""
    data = text.encode("utf-8", "replace")
    if len(data) <= limit:
        return text
    return data[-limit:].decode("utf-8", "ignore")


def last_line(text: str, width: int = 160) -> str:
    """The last non-empty line of ``text``, shortened to ``width``."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return "(nothing)"
    line = lines[-1]
    return line if len(line) <= width else line[: width - 1] + "…"


def check(command: Command, outcome: Outcome) -> tuple[str | None, bool | None]:
    """Why ``outcome`` fails ``command`` (None when it passes), and whether the output matched."""
    if outcome.error:
        return outcome.error, None
    wanted = command.expected.strip() if command.expected is not None else None
    if outcome.exit_code != 0:
        why = " (command not found)" if outcome.exit_code == 127 else ""
        detail = last_line(outcome.stderr) if outcome.stderr.strip() else last_line(outcome.stdout)
        if wanted is not None:
            return (
                f"exit {outcome.exit_code}{why}, expected output {wanted!r}, got {detail!r}",
                False,
            )
        return f"exit {outcome.exit_code}{why}: {detail}", None
    if wanted is None:
        return None, None
    if wanted in outcome.stdout.strip():
        return None, True
    return f"expected output {wanted!r}, got {last_line(outcome.stdout)!r}", False


class StepExecutor:
    """Runs shell steps for one run, on this machine or over the run's connections."""

    def __init__(
        self,
        run_id: str,
        emit: Callable[[Event], None],
        connections: Connections,
        *,
        host: str | None,
        timeout: float | None,
        retry: Retry | None,
    ) -> None:
        self.run_id = run_id
        self.emit = emit
        self.connections = connections
        self.host = host
        self.timeout = timeout
        self.retry = retry
        self._local: Any = None

    def target(self, command: Command) -> Target | None:
        """Where ``command`` runs after ``--host``: None for this machine."""
        if command.target is None or self.host == "local":
            return None
        if self.host is None:
            return command.target
        user, _, rest = self.host.rpartition("@")
        name, _, port = rest.partition(":")
        return command.target.model_copy(
            update={
                "host": name,
                "user": user or command.target.user,
                "port": int(port) if port.isdigit() else command.target.port,
            }
        )

    def label(self, target: Target | None) -> str:
        """``local`` or ``user@host:port`` as connected."""
        return "local" if target is None else self.connections.label(target)

    def run(self, planned: PlannedStep, commands: list[Command]) -> StepResult:
        """Run the step's ``commands`` (placeholders already filled) until it passes or gives up."""
        step = planned.step
        retry = step.retry or self.retry
        attempts = retry.attempts if retry else 1
        targets = [self.target(c) for c in commands]
        label = ", ".join(dict.fromkeys(self.label(t) for t in targets)) or "local"
        result = StepResult(
            number=planned.number,
            title=step.title,
            target=label,
            commands=[c.text for c in commands],
            status=StepStatus.failed,
            expected="; ".join(c.expected for c in commands if c.expected is not None) or None,
            line=step.line,
        )
        started = time.monotonic()
        for attempt in range(1, attempts + 1):
            self.emit(StepStarted(self.run_id, planned.number, step.title, label, attempt))
            outcome = self._attempt(planned.number, commands, targets)
            result.attempts = attempt
            result.exit_code = outcome.outcome.exit_code
            result.stdout, result.stderr = (
                tail(outcome.outcome.stdout),
                tail(outcome.outcome.stderr),
            )
            result.matched, result.error = outcome.matched, outcome.error
            if outcome.error is None:
                result.status = StepStatus.passed
                break
            if attempt < attempts and outcome.retryable and retry is not None:
                self.emit(
                    StepRetrying(self.run_id, planned.number, attempt, outcome.error, retry.delay)
                )
                time.sleep(retry.delay)
            else:
                break
        result.duration = time.monotonic() - started
        return result

    def _attempt(
        self, number: int, commands: list[Command], targets: list[Target | None]
    ) -> Attempt:
        def on_output(stream: str, text: str) -> None:
            self.emit(StepOutput(self.run_id, number, stream, text))

        stdout: list[str] = []
        stderr: list[str] = []
        total = 0.0
        outcome = Outcome(0, "", "", 0.0)
        for command, target in zip(commands, targets, strict=True):
            try:
                outcome = self._execute(command.text, target, on_output)
            except ConnectError as exc:
                joined = Outcome(None, "".join(stdout), "".join(stderr), total, str(exc))
                return Attempt(joined, str(exc), None, retryable=False)
            stdout.append(outcome.stdout)
            stderr.append(outcome.stderr)
            total += outcome.duration
            error, matched = check(command, outcome)
            if error is not None:
                joined = Outcome(outcome.exit_code, "".join(stdout), "".join(stderr), total)
                lost = (outcome.error or "").startswith("connection lost")
                return Attempt(joined, error, matched, retryable=not lost)
        joined = Outcome(outcome.exit_code, "".join(stdout), "".join(stderr), total)
        matched = True if any(c.expected is not None for c in commands) else None
        return Attempt(joined, None, matched, retryable=False)

    def _execute(self, text: str, target: Target | None, on_output: Any) -> Outcome:
        if target is None:
            if self._local is None:
                from runbookkit.execute.shells import local_context

                self._local = local_context()
            return run_local(self._local, text, self.timeout, on_output)
        return run_remote(self.connections.get(target), text, self.timeout, on_output)
