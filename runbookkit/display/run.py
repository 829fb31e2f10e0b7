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

from runbookkit.display.common import (
    STEP_WORDS,
    WARN,
    Lines,
    elapsed,
    notice,
    outcome_style,
    plain_console,
    run_result,
    run_title,
    say,
    seconds,
    step_style,
    write_line,
)
from runbookkit.execute.events import (
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
SUMMARY_COLUMNS = ("step", "title", "target", "status", "time")


class JsonView:
    """One JSON object per event and line (``--json``)."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout

    def __call__(self, event: Event) -> None:
        self.out.write(json.dumps(to_json(event), ensure_ascii=False) + "\n")
        self.out.flush()


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
    steps = f"partial: {event.partial}" if event.partial else f"{event.steps} steps"
    return f"{run_title(event)} ({steps})"


def _retrying(event: StepRetrying) -> str:
    return f"attempt {event.attempt} failed: {event.error}; again in {event.delay:g}s"


def _finished(result: StepResult) -> str:
    mark = STEP_WORDS[result.status]
    tries = f", {result.attempts} attempts" if result.attempts > 1 else ""
    text = f"{mark} ({seconds(result.duration)}{tries})"
    return f"{text}: {result.error}" if result.error else text


def _summary_cells(result: StepResult) -> tuple[str, str, str, str, str]:
    """A step's row in the end-of-run table, as :data:`SUMMARY_COLUMNS` name them."""
    r = result
    return (str(r.number), r.title, r.target, r.status.value, seconds(r.duration))


class PlainView(_Base):
    """Plain lines on a stream; output lines are prefixed with ``|``."""

    def __init__(self, out: TextIO | None = None, *, quiet: bool = False) -> None:
        super().__init__(quiet)
        self.out = out or sys.stdout

    def _print(self, text: str) -> None:
        write_line(self.out, text)

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
            self._print(f"    {_retrying(event)}")
        elif isinstance(event, StepFinished):
            self._step_finished(event.result)
        elif isinstance(event, RunNotice):
            self._print(notice(event))
        elif isinstance(event, RunFinished):
            self._print(summary_text(self.results))
            self._print(run_result(event))

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
    rows: list[tuple[str, ...]] = [SUMMARY_COLUMNS]
    for result in results:
        number, title, *rest = _summary_cells(result)
        rows.append((number, title[:40], *rest))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )


class RichView(_Base):
    """A Rich live view on a terminal."""

    def __init__(self, console: Any = None, *, quiet: bool = False) -> None:
        super().__init__(quiet)
        self.console = console or plain_console()
        self.live: Any = None
        self.spinner: Any = None
        self.since = 0.0

    def __rich__(self) -> Any:
        from rich.console import Group
        from rich.spinner import Spinner
        from rich.text import Text

        text = Text(
            visible(f"{self.header}  {elapsed(time.monotonic() - self.since)}"), style="bold"
        )
        if self.spinner is None:
            self.spinner = Spinner("dots", text=text)
        self.spinner.update(text=text)
        tail = self.output.tail(QUIET_LINES)
        return Group(self.spinner, Text("\n".join(f"  {line}" for line in tail), style="dim"))

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self.total, self.index = event.steps, 0
            say(self.console, _started(event), "bold")
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
            say(self.console, f"  {_retrying(event)}", WARN)
        elif isinstance(event, StepFinished):
            self._step_finished(event.result)
        elif isinstance(event, RunNotice):
            say(self.console, notice(event), WARN)
        elif isinstance(event, RunFinished):
            self.console.print(self._table())
            say(self.console, run_result(event), outcome_style(event.exit_code == 0))

    def _step_finished(self, result: StepResult) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None
        self._flush()
        ok = result.status.ok
        say(self.console, self.header, "bold")
        shown = self.lines if not self.quiet else (self.lines[-QUIET_LINES:] if not ok else [])
        for line in shown[-200:]:
            say(self.console, f"    {line}", "dim")
        self.results.append(result)
        say(self.console, f"    -> {_finished(result)}", outcome_style(ok))

    def _table(self) -> Any:
        from rich.table import Table

        table = Table(title="summary")
        for column in SUMMARY_COLUMNS:
            table.add_column(column)
        for result in self.results:
            cells = map(visible, _summary_cells(result))
            table.add_row(*cells, style=step_style(result.status))
        return table
