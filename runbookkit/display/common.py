"""What every view shares: the words and styles of a status, a run's header and result lines,
durations, and a stream's output as visible lines.

Only the standard library and :mod:`runbookkit.terminal` are imported when it loads (the
run's types only for the type checker, Rich only by :func:`plain_console`), so the lint and
match output, which use :func:`plural`, load neither the runner nor Rich.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TextIO

from runbookkit.terminal import visible

if TYPE_CHECKING:
    from runbookkit.execute.events import RunFinished, RunNotice, RunStarted, StepStatus

# The styles of what went well, what did not, and what needs a look.
GOOD, BAD, WARN = "green", "red", "yellow"

# What the run view says of a step that ended so (keyed by the StepStatus values).
STEP_WORDS: dict[str, str] = {
    "passed": "ok",
    "failed": "FAILED",
    "skipped": "skipped",
    "declined": "DECLINED",
    "manual": "done (manual)",
    "incomplete": "INCOMPLETE",
    "error": "ERROR",
}


def outcome_style(ok: bool) -> str:
    """Green for what went well, red for what did not."""
    return GOOD if ok else BAD


def step_style(status: StepStatus) -> str:
    """A step's row in a summary: green when it passed or was done by hand, yellow when it was
    skipped, red otherwise."""
    return WARN if status == "skipped" else outcome_style(status.ok)


def seconds(value: float) -> str:
    """A step's time as the views show it: ``0.12s``."""
    return f"{value:.2f}s"


def elapsed(value: float) -> str:
    """The time something has been running, as a live view ticks it: ``3.4s``."""
    return f"{value:.1f}s"


def took(value: float | None) -> str:
    """A recorded duration, its unit to its size: ``0.42s``, ``12.3s``, ``4.5m`` (empty when
    unknown)."""
    if value is None:
        return ""
    if value < 10:
        return seconds(value)
    return elapsed(value) if value < 120 else f"{value / 60:.1f}m"


def plural(count: int, noun: str) -> str:
    """``1 file``, ``2 files``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def run_title(event: RunStarted) -> str:
    """What a run's first line starts with: ``run ID: RUNBOOK section SECTION`` (or
    ``rollback after run ID2 ID: …``)."""
    kind = f"rollback after run {event.rollback_of}" if event.rollback_of else "run"
    return f"{kind} {event.run_id}: {event.runbook_id} section {event.section}"


def run_result(event: RunFinished) -> str:
    """A run's last line: ``run ID passed (exit 0)``."""
    return f"run {event.run_id} {event.status.value} (exit {event.exit_code})"


def notice(event: RunNotice) -> str:
    """``warning: message``, after ``[host] `` when a fleet host gave it."""
    where = f"[{event.host}] " if event.host else ""
    return f"{where}{event.level}: {event.message}"


def write_line(out: TextIO, text: str) -> None:
    """One line of a plain view, made visible, flushed at once (a log follows it live)."""
    out.write(visible(text) + "\n")
    out.flush()


def plain_console() -> Any:
    """A Rich console on stdout without Rich's highlighter, which would colour the numbers,
    paths and brackets of our own lines (``(0.12s)`` in three styles): each line keeps the one
    style it is printed with."""
    from rich.console import Console

    return Console(highlight=False)


def say(console: Any, text: str, style: str | None = None) -> None:
    """One line on a Rich console in one ``style``: made visible, read as neither markup nor
    highlighted (Rich would colour the numbers, paths and brackets of our own lines)."""
    console.print(visible(text), style=style, highlight=False, markup=False)


class Lines:
    """A stream's output as lines made visible, the unfinished last one held back.

    A CR ends a line as LF does; a trailing CR is held, as it may be the first half of CRLF.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.partial = ""

    def add(self, text: str) -> list[str]:
        """Add ``text``; return the lines it completed."""
        text = self.partial + text
        held = "\r" if text.endswith("\r") else ""
        parts = visible(text[: len(text) - len(held)]).split("\n")
        self.partial = parts.pop() + held
        self.lines += parts
        return parts

    def flush(self) -> list[str]:
        """End the unfinished line, if any; return it (as a list of at most one line)."""
        last = self.partial.rstrip("\r")
        rest = [last] if last else []
        self.lines += rest
        self.partial = ""
        return rest

    def tail(self, count: int) -> list[str]:
        """The last ``count`` complete lines, then the unfinished one (as a live view shows)."""
        return self.lines[-count:] + ([self.partial] if self.partial else [])
