"""Front ends of a run, as listeners: a Rich live view, plain text, and JSON lines.

The Rich view shows the running step (number, title, target, spinner, elapsed) with its output
streaming beneath, and a summary table at the end. The plain view prints the same as lines,
without colour or cursor movement, for logs, pipes and ``NO_COLOR``. Both show control and
escape sequences in what they print as text (:func:`runbookkit.terminal.visible`).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any, TextIO

from runbookkit.execute.events import (
    OK_STEP_STATUSES,
    Event,
    RunFinished,
    RunNotice,
    RunStarted,
    StepFinished,
    StepOutput,
    StepResult,
    StepRetrying,
    StepStarted,
    StepStatus,
    to_json,
)
from runbookkit.terminal import visible

QUIET_LINES = 10
_MARKS = {
    StepStatus.passed: "ok",
    StepStatus.failed: "FAILED",
    StepStatus.skipped: "skipped",
    StepStatus.declined: "DECLINED",
    StepStatus.manual: "done (manual)",
    StepStatus.incomplete: "INCOMPLETE",
    StepStatus.error: "ERROR",
}


class JsonView:
    """One JSON object per event and line (``--json``)."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout

    def __call__(self, event: Event) -> None:
        self.out.write(json.dumps(to_json(event), ensure_ascii=False) + "\n")
        self.out.flush()


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


class _Base:
    """What both human views track: the run, the step and its output lines."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.total = 0
        self.index = 0
        self.results: list[StepResult] = []
        self.output = Lines()
        self.header = ""

    @property
    def lines(self) -> list[str]:
        """The running step's complete output lines."""
        return self.output.lines

    def _output(self, text: str) -> list[str]:
        """Add ``text``; return the lines it completed."""
        return self.output.add(text)

    def _flush(self) -> list[str]:
        return self.output.flush()

    def _start(self, event: StepStarted) -> None:
        if event.attempt == 1:
            self.index += 1
            self.output = Lines()
        attempt = f"  attempt {event.attempt}" if event.attempt > 1 else ""
        self.header = (
            f"[{self.index}/{self.total}] step {event.number}: {event.title}  "
            f"on {event.target}{attempt}"
        )


def _started(event: RunStarted) -> str:
    kind = f"rollback after run {event.rollback_of}" if event.rollback_of else "run"
    steps = f"partial: {event.partial}" if event.partial else f"{event.steps} steps"
    return f"{kind} {event.run_id}: {event.runbook_id} section {event.section} ({steps})"


def _finished(result: StepResult) -> str:
    mark = _MARKS[result.status]
    tries = f", {result.attempts} attempts" if result.attempts > 1 else ""
    text = f"{mark} ({result.duration:.2f}s{tries})"
    return f"{text}: {result.error}" if result.error else text


class PlainView(_Base):
    """Plain lines on a stream; output lines are prefixed with ``|``."""

    def __init__(self, out: TextIO | None = None, *, quiet: bool = False) -> None:
        super().__init__(quiet)
        self.out = out or sys.stdout

    def _print(self, text: str) -> None:
        self.out.write(visible(text) + "\n")
        self.out.flush()

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self.total, self.index = event.steps, 0
            self._print(_started(event))
        elif isinstance(event, StepStarted):
            self._start(event)
            self._print(self.header)
        elif isinstance(event, StepOutput):
            for line in self._output(event.text):
                if not self.quiet:
                    self._print(f"    | {line}")
        elif isinstance(event, StepRetrying):
            self._print(
                f"    attempt {event.attempt} failed: {event.error}; again in {event.delay:g}s"
            )
        elif isinstance(event, StepFinished):
            self._step_finished(event.result)
        elif isinstance(event, RunNotice):
            self._print(f"{event.level}: {event.message}")
        elif isinstance(event, RunFinished):
            self._print(summary_text(self.results))
            self._print(f"run {event.run_id} {event.status.value} (exit {event.exit_code})")

    def _step_finished(self, result: StepResult) -> None:
        rest = self._flush()
        if not self.quiet:
            for line in rest:
                self._print(f"    | {line}")
        elif result.status is StepStatus.failed:
            for line in self.lines[-QUIET_LINES:]:
                self._print(f"    | {line}")
        self.results.append(result)
        self._print(f"    -> {_finished(result)}")


def summary_text(results: list[StepResult]) -> str:
    """The end-of-run table as plain text."""
    rows = [("step", "title", "target", "status", "time")]
    rows += [
        (str(r.number), r.title[:40], r.target, r.status.value, f"{r.duration:.2f}s")
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )


class RichView(_Base):
    """A Rich live view on a terminal."""

    def __init__(self, console: Any = None, *, quiet: bool = False) -> None:
        from rich.console import Console

        super().__init__(quiet)
        # Rich's highlighter would colour the numbers, paths and brackets of our own lines
        # (``(0.12s)`` in three styles): each line has the one style it is printed with.
        self.console = console or Console(highlight=False)
        self.live: Any = None
        self.spinner: Any = None
        self.since = 0.0

    def __rich__(self) -> Any:
        from rich.console import Group
        from rich.spinner import Spinner
        from rich.text import Text

        elapsed = time.monotonic() - self.since
        text = Text(visible(f"{self.header}  {elapsed:.1f}s"), style="bold")
        if self.spinner is None:
            self.spinner = Spinner("dots", text=text)
        self.spinner.update(text=text)
        partial = self.output.partial
        tail = self.lines[-QUIET_LINES:] + ([partial] if partial else [])
        return Group(self.spinner, Text("\n".join(f"  {line}" for line in tail), style="dim"))

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self.total, self.index = event.steps, 0
            self.console.print(
                visible(_started(event)), style="bold", highlight=False, markup=False
            )
        elif isinstance(event, StepStarted):
            self._start(event)
            if event.target != "operator" and self.live is None:
                from rich.live import Live

                self.since = time.monotonic()
                self.spinner = None
                self.live = Live(self, console=self.console, refresh_per_second=10, transient=True)
                self.live.start()
        elif isinstance(event, StepOutput):
            self._output(event.text)
        elif isinstance(event, StepRetrying):
            self.console.print(
                visible(
                    f"  attempt {event.attempt} failed: {event.error}; again in {event.delay:g}s"
                ),
                style="yellow",
                highlight=False,
                markup=False,
            )
        elif isinstance(event, StepFinished):
            self._step_finished(event.result)
        elif isinstance(event, RunNotice):
            self.console.print(
                visible(f"{event.level}: {event.message}"),
                style="yellow",
                highlight=False,
                markup=False,
            )
        elif isinstance(event, RunFinished):
            self.console.print(self._table())
            style = "green" if event.exit_code == 0 else "red"
            self.console.print(
                f"run {event.run_id} {event.status.value} (exit {event.exit_code})",
                style=style,
                highlight=False,
                markup=False,
            )

    def _step_finished(self, result: StepResult) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None
        self._flush()
        ok = result.status in OK_STEP_STATUSES
        self.console.print(visible(self.header), style="bold", highlight=False, markup=False)
        shown = self.lines if not self.quiet else (self.lines[-QUIET_LINES:] if not ok else [])
        for line in shown[-200:]:
            self.console.print(f"    {line}", style="dim", highlight=False, markup=False)
        self.results.append(result)
        self.console.print(
            visible(f"    -> {_finished(result)}"),
            style="green" if ok else "red",
            highlight=False,
            markup=False,
        )

    def _table(self) -> Any:
        from rich.table import Table

        table = Table(title="summary")
        for column in ("step", "title", "target", "status", "time"):
            table.add_column(column)
        for r in self.results:
            style = "green" if r.status in (StepStatus.passed, StepStatus.manual) else "red"
            if r.status is StepStatus.skipped:
                style = "yellow"
            table.add_row(
                str(r.number),
                visible(r.title),
                visible(r.target),
                r.status.value,
                f"{r.duration:.2f}s",
                style=style,
            )
        return table
