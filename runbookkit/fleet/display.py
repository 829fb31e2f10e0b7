"""What a person sees of a fleet run: a live table per host, plain lines, and the summary.

The Rich view keeps one row per host (current step, status, elapsed) updating in place; the
plain view prints one line per finished step, prefixed with its host. Both end with a summary
per step (``passed on 9/10 hosts``) and, for each failing host, its failing step's output tail.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO

from runbookkit.execute.events import (
    Event,
    RunFinished,
    RunNotice,
    RunStarted,
    StepFinished,
    StepResult,
    StepStarted,
    StepStatus,
)
from runbookkit.execute.runner import RunOutcome
from runbookkit.fleet.hosts import Host
from runbookkit.terminal import visible

TAIL_LINES = 10
_OK = (StepStatus.passed, StepStatus.manual, StepStatus.skipped)


@dataclass
class _Row:
    """What the table shows of one host."""

    host: Host
    step: str = ""
    status: str = "waiting"
    started: float | None = None
    ended: float | None = None

    def elapsed(self) -> str:
        if self.started is None:
            return ""
        return f"{(self.ended or time.monotonic()) - self.started:.1f}s"


class _FleetBase:
    """The state both views keep: a row per host and every step result."""

    def __init__(self, hosts: list[Host]) -> None:
        self.rows = {host.name: _Row(host) for host in hosts}
        self.results: list[StepResult] = []
        self.total = 0
        self.titles: dict[int, str] = {}
        self.lock = threading.Lock()

    def host_started(self, host: Host) -> None:
        """A worker took ``host``."""
        row = self.rows[host.name]
        row.status, row.started = "running", time.monotonic()

    def host_finished(self, host: Host, outcome: RunOutcome) -> None:
        """``host`` ran to its end."""
        row = self.rows[host.name]
        row.ended = time.monotonic()
        row.status = outcome.status.value
        if outcome.failed_step:
            row.status += f" at step {outcome.failed_step}"

    def track(self, event: Event) -> None:
        """Update the rows from a run event."""
        if isinstance(event, RunStarted):
            self.total = event.steps
        elif isinstance(event, StepStarted) and event.host in self.rows:
            row = self.rows[event.host]
            again = f" (attempt {event.attempt})" if event.attempt > 1 else ""
            row.step = f"{event.number}/{self.total} {event.title}{again}"
            self.titles[event.number] = event.title
        elif isinstance(event, StepFinished):
            self.results.append(event.result)
            self.titles[event.result.number] = event.result.title

    def summary(self, finished: RunFinished) -> list[str]:
        """The end-of-run lines: per step, then failing hosts with their output tails."""
        return summary_lines(list(self.rows), self.results, self.titles, self.rows, finished)


def summary_lines(
    hosts: list[str],
    results: list[StepResult],
    titles: dict[int, str],
    rows: dict[str, _Row],
    finished: RunFinished,
) -> list[str]:
    """Per step ``passed on N/M hosts``, then each failing host's failing step and output."""
    count = len(hosts)
    lines = ["summary:"]
    for number in sorted(titles):
        mine = [r for r in results if r.number == number]
        passed = [r for r in mine if r.status in _OK]
        bad = [f"{r.host} {r.status.value}" for r in mine if r.status not in _OK]
        extra = f" ({', '.join(bad)})" if bad else ""
        lines.append(
            f"  step {number} {titles[number]}: passed on {len(passed)}/{count} hosts{extra}"
        )
    waiting = [name for name in hosts if rows[name].started is None]
    if waiting:
        lines.append(f"  not started: {', '.join(waiting)}")
    for result in results:
        if result.status in _OK:
            continue
        lines.append(
            f"{result.host} failed at step {result.number} ({result.title}): {result.error}"
        )
        output = (result.stdout + result.stderr).rstrip("\n")
        lines += [f"    | {line}" for line in output.split("\n")[-TAIL_LINES:] if output]
    lines.append(f"run {finished.run_id} {finished.status.value} (exit {finished.exit_code})")
    return lines


class PlainFleetView(_FleetBase):
    """Plain lines for logs, pipes and ``NO_COLOR``: one per finished step, host first."""

    def __init__(self, hosts: list[Host], out: TextIO | None = None) -> None:
        super().__init__(hosts)
        self.out = out or sys.stdout

    def _print(self, text: str) -> None:
        self.out.write(visible(text) + "\n")
        self.out.flush()

    def __call__(self, event: Event) -> None:
        self.track(event)
        if isinstance(event, RunStarted):
            self._print(
                f"run {event.run_id}: {event.runbook_id} section {event.section} "
                f"({event.steps} steps) on {len(self.rows)} hosts"
            )
        elif isinstance(event, StepFinished):
            r = event.result
            why = f": {r.error}" if r.error else ""
            self._print(
                f"[{r.host}] step {r.number} {r.title}: {r.status.value} ({r.duration:.2f}s){why}"
            )
        elif isinstance(event, RunNotice):
            where = f"[{event.host}] " if event.host else ""
            self._print(f"{where}{event.level}: {event.message}")
        elif isinstance(event, RunFinished):
            for line in self.summary(event):
                self._print(line)

    def host_finished(self, host: Host, outcome: RunOutcome) -> None:
        """Say so when a host is done."""
        super().host_finished(host, outcome)
        self._print(f"[{host.name}] {self.rows[host.name].status}")


class RichFleetView(_FleetBase):
    """A Rich live table, one row per host, redrawn as steps start and end."""

    def __init__(self, hosts: list[Host], console: Any = None) -> None:
        from rich.console import Console

        super().__init__(hosts)
        self.console = console or Console()
        self.live: Any = None

    def __rich__(self) -> Any:
        from rich.table import Table

        table = Table(title=f"{len(self.rows)} hosts")
        for column in ("host", "step", "status", "elapsed"):
            table.add_column(column)
        styles = {"passed": "green", "running": "cyan", "waiting": "dim"}
        for row in self.rows.values():
            style = styles.get(row.status, "red")
            cells = (row.host.name, row.step, row.status, row.elapsed())
            table.add_row(*map(visible, cells), style=style)
        return table

    def __call__(self, event: Event) -> None:
        self.track(event)
        if isinstance(event, RunStarted):
            from rich.live import Live

            self.console.print(
                visible(
                    f"run {event.run_id}: {event.runbook_id} section {event.section} "
                    f"({event.steps} steps) on {len(self.rows)} hosts"
                ),
                style="bold",
                highlight=False,
                markup=False,
            )
            self.live = Live(self, console=self.console, refresh_per_second=8)
            self.live.start()
        elif isinstance(event, RunNotice):
            where = f"[{event.host}] " if event.host else ""
            self.console.print(
                visible(f"{where}{event.level}: {event.message}"), style="yellow", markup=False
            )
        elif isinstance(event, RunFinished):
            if self.live is not None:
                self.live.stop()
                self.live = None
            for line in self.summary(event):
                self.console.print(visible(line), markup=False, highlight=False)

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Stop redrawing while the operator is asked something."""
        if self.live is None:
            yield
            return
        self.live.stop()
        try:
            yield
        finally:
            self.live.start()
