"""Run one shell step: its commands in order on their targets, attempts, expected output.

A step passes when every command exits 0 and, where a command has an expected output, its
stdout contains that text (both trimmed). A failed attempt is retried while the step's retry
(``# Retry: N every Ds``, or the run's ``--retry``) has attempts left; connection errors are not
retried. The result is data: a :class:`StepResult`, whatever happened.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from runbookkit.execute.events import (
    TAIL_BYTES,
    Event,
    StepOutput,
    StepResult,
    StepRetrying,
    StepStarted,
    StepStatus,
    tail,
)
from runbookkit.execute.session import CommandResult, Sessions
from runbookkit.execute.ssh import ConnectError
from runbookkit.execute.variables import expand
from runbookkit.model import changed
from runbookkit.planning import PlannedStep
from runbookkit.secrets import Redactor

if TYPE_CHECKING:
    from runbookkit.model import Command, Retry, Target


@dataclass
class Attempt:
    """The outcome of one attempt at a step."""

    outcome: CommandResult
    error: str | None
    matched: bool | None
    retryable: bool


class MaskedOutput:
    """One attempt's output: masked as it streams, shown masked, its tails kept masked.

    Each stream passes a :class:`~runbookkit.secrets.StreamRedactor` before anything is shown
    or kept, so the tails are cut from masked output (a secret cut by the tail, a private key
    whose BEGIN line falls before it, stays masked); at most about twice ``TAIL_BYTES`` of each
    stream is held.
    """

    def __init__(self, redactor: Redactor, show: Callable[[str, str], None]) -> None:
        self.show = show
        self.streams = {name: redactor.stream() for name in ("stdout", "stderr")}
        self.kept: dict[str, list[str]] = {name: [] for name in self.streams}
        self.sizes = dict.fromkeys(self.streams, 0)
        self.totals = dict.fromkeys(self.streams, 0)  # characters let out so far

    def __call__(self, stream: str, text: str) -> None:
        self._out(stream, self.streams[stream].feed(text))

    def _out(self, stream: str, text: str) -> None:
        if not text:
            return
        self.show(stream, text)
        kept = self.kept[stream]
        kept.append(text)
        self.sizes[stream] += len(text)
        self.totals[stream] += len(text)
        if self.sizes[stream] > 2 * TAIL_BYTES:  # as many characters hold at least as many bytes
            kept[:] = ["".join(kept)[-TAIL_BYTES:]]
            self.sizes[stream] = len(kept[0])

    def mark(self) -> dict[str, int]:
        """Where each stream is now (for :meth:`since`)."""
        return dict(self.totals)

    def since(self, mark: dict[str, int]) -> dict[str, str]:
        """What each stream let out since ``mark`` (its last ``TAIL_BYTES`` characters at most)."""
        shown = {}
        for name, kept in self.kept.items():
            count = self.totals[name] - mark[name]
            shown[name] = "".join(kept)[-count:] if count else ""
        return shown

    def finish(self) -> tuple[str, str]:
        """Show what was held back; the masked tails of stdout and stderr (again if repeated)."""
        for name, stream in self.streams.items():
            self._out(name, stream.flush())
        return tail("".join(self.kept["stdout"])), tail("".join(self.kept["stderr"]))


def last_line(text: str, width: int = 160) -> str:
    """The last non-empty line of ``text``, shortened to ``width``."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return "(nothing)"
    line = lines[-1]
    return line if len(line) <= width else line[: width - 1] + "…"


def check(command: Command, outcome: CommandResult) -> tuple[str | None, bool | None]:
    """Why ``outcome`` fails ``command`` (None when it passes), and whether the output matched.

    A command passes when its exit status is one the runbook counts as success (0, or those of
    ``# Exit:``), its stdout is empty if ``# Expected empty`` says so, neither stream holds a
    ``# Expected absent:`` text, and stdout contains the ``# Expected:`` text (both trimmed).
    """
    if outcome.error:
        return outcome.error, None
    wanted = command.expected.strip() if command.expected is not None else None
    checked = wanted is not None or command.empty or bool(command.absent)
    if outcome.exit_code not in (command.exit_codes or [0]):
        why = " (command not found)" if outcome.exit_code == 127 else ""
        detail = last_line(outcome.stderr) if outcome.stderr.strip() else last_line(outcome.stdout)
        if wanted is not None:
            return (
                f"exit {outcome.exit_code}{why}, expected output {wanted!r}, got {detail!r}",
                False,
            )
        return f"exit {outcome.exit_code}{why}: {detail}", False if checked else None
    if command.empty and outcome.stdout.strip():
        return f"expected no output, got {last_line(outcome.stdout)!r}", False
    for text in command.absent:
        for stream in (outcome.stdout, outcome.stderr):
            if text in stream:
                found = next(line for line in stream.splitlines() if text in line)
                return f"output contains {text!r}, expected it absent: {last_line(found)!r}", False
    if wanted is None:
        return None, True if checked else None
    if wanted in outcome.stdout.strip():
        return None, True
    return f"expected output {wanted!r}, got {last_line(outcome.stdout)!r}", False


class StepExecutor:
    """Runs shell steps for one run, each target's commands in that target's shell session."""

    def __init__(
        self,
        run_id: str,
        emit: Callable[[Event], None],
        sessions: Sessions,
        *,
        host: str | None,
        timeout: float | None,
        retry: Retry | None,
        variables: dict[str, str] | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        self.run_id = run_id
        self.redactor = redactor or Redactor()
        self.emit = emit
        self.sessions = sessions
        self.connections = sessions.connections
        self.host = host
        self.timeout = timeout
        self.retry = retry
        self.variables = variables or {}
        # Each planned command's target and its label, resolved once for these variables (by
        # the command's id; the command is kept with them, so the id can't be reused meanwhile).
        self._resolved: dict[int, tuple[Command, Target | None, str]] = {}
        self._resolved_for = self.variables

    def resolved(self, command: Command) -> tuple[Target | None, str]:
        """:meth:`target` of ``command`` and its :meth:`label`, worked out once per command."""
        if self._resolved_for is not self.variables:
            self._resolved.clear()
            self._resolved_for = self.variables
        entry = self._resolved.get(id(command))
        if entry is None or entry[0] is not command:
            target = self.target(command)
            entry = self._resolved[id(command)] = (command, target, self.label(target))
        return entry[1], entry[2]

    def target(self, command: Command) -> Target | None:
        """Where ``command`` runs after ``--host``: None for this machine.

        Variables in the runbook's ssh line (``ssh root@$HOST``, ``-p "$PORT"``) are filled
        from the run's variables (then this process's environment).
        """
        if command.target is None or self.host == "local":
            return None
        target = resolve_target(command.target, self.variables)
        return target if self.host is None else on_host(target, self.host)

    def label(self, target: Target | None) -> str:
        """``local`` or ``user@host:port`` as connected."""
        return "local" if target is None else self.connections.label(target)

    def run(self, planned: PlannedStep, commands: list[Command]) -> StepResult:
        """Run the step's ``commands`` until it passes or gives up."""
        step = planned.step
        retry = step.retry or self.retry
        attempts = retry.attempts if retry else 1
        targets: list[Target | None] = []
        labels: list[str] = []
        for command in commands:
            target, label = self.resolved(command)
            targets.append(target)
            labels.append(label)
        commands = [self._expecting(c) for c in commands]
        label = ", ".join(dict.fromkeys(labels)) or "local"
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
            output = MaskedOutput(self.redactor, self._shower(planned.number))
            outcome = self._attempt(planned.number, commands, targets, output)
            result.attempts = attempt
            result.exit_code = outcome.outcome.exit_code
            result.stdout, result.stderr = output.finish()
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

    def _expecting(self, command: Command) -> Command:
        """``command`` with the run's variables filled into its expected output (text, not code)."""
        if command.expected is None or "$" not in command.expected:
            return command
        expected = expand(command.expected, self.variables)
        return changed(command, expected=expected)

    def _shower(self, number: int) -> Callable[[str, str], None]:
        def show(stream: str, text: str) -> None:
            self.emit(StepOutput(self.run_id, number, stream, text))

        return show

    def _attempt(
        self,
        number: int,
        commands: list[Command],
        targets: list[Target | None],
        on_output: MaskedOutput,
    ) -> Attempt:
        stdout: list[str] = []
        stderr: list[str] = []
        total = 0.0
        outcome = CommandResult(0, "", "", 0.0)
        checked = False
        for command, target in zip(commands, targets, strict=True):
            mark = on_output.mark()
            try:
                session = self.sessions.get(target)
                if command.interactive:
                    outcome = session.run_on_terminal(command.text, self.timeout)
                else:
                    outcome = session.run(command.text, self.timeout, on_output)
            except ConnectError as exc:
                joined = CommandResult(None, "".join(stdout), "".join(stderr), total, str(exc))
                return Attempt(joined, str(exc), None, retryable=False)
            except OSError as exc:
                why = f"the shell session could not start: {exc}"
                joined = CommandResult(None, "".join(stdout), "".join(stderr), total, why)
                return Attempt(joined, why, None, retryable=False)
            if outcome.restarted:
                self.sessions.notice(
                    f"step {number}: {outcome.restarted}; the next command starts a new shell "
                    f"on {self.label(target)} (variables, functions and cd so far are lost)"
                )
            stdout.append(outcome.stdout)
            stderr.append(outcome.stderr)
            total += outcome.duration
            error, matched = check(command, outcome)
            if error is not None:  # the attempt ends: why is told from the output as shown
                on_output.finish()
                shown = on_output.since(mark)
                masked = replace(outcome, stdout=shown["stdout"], stderr=shown["stderr"])
                error = check(command, masked)[0] or error
            checked = checked or matched is not None
            if error is not None:
                joined = CommandResult(outcome.exit_code, "".join(stdout), "".join(stderr), total)
                lost = (outcome.error or "").startswith("connection lost")
                return Attempt(joined, error, matched, retryable=not lost)
        joined = CommandResult(outcome.exit_code, "".join(stdout), "".join(stderr), total)
        return Attempt(joined, None, True if checked else None, retryable=False)


def on_host(target: Target, host: str) -> Target:
    """``target`` sent to ``host`` (``[user@]host[:port]``, read by the fleet's address parser);
    what ``host`` leaves out stays as the runbook wrote it.

    Raises:
        ConfigError: ``host`` is not an address.
    """
    from runbookkit.fleet.hosts import parse_address

    user, name, port = parse_address(host)
    return changed(target, host=name, user=user or target.user, port=port or target.port)


def resolve_target(target: Target, values: dict[str, str]) -> Target:
    """``target`` with ``$NAME``/``${NAME}`` in its host, user and options filled.

    Values come from ``values``, then this process's environment; a name in neither stays.
    """
    fields = {"host": target.host, "user": target.user, **target.options}
    if not any(value and "$" in value for value in fields.values()):
        return target

    def fill(text: str | None) -> str | None:
        return None if text is None else expand(text, values)

    options = {key: fill(value) or "" for key, value in target.options.items()}
    return changed(target, host=fill(target.host), user=fill(target.user), options=options)
