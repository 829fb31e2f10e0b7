"""What a person sees of a fleet run: a live table per host, output lines, and the summary.

What of the commands' output is shown is the :class:`OutputMode`: ``prefixed`` prints every
line as it arrives, after its host's name (``web-1 | active``, as ``pdsh`` does; the default when
stdout is not a terminal); ``all`` and ``failed`` show the output (of every step, or of the
failing ones) only in the summary; ``none`` shows none. The Rich view keeps one row per host
(current step, status, elapsed) updating in place, with the output of one host (``--follow``)
beneath it; the plain view prints one line per finished step, prefixed with its host. Both end
with a summary per step (``passed on 9/10 hosts``) whose outputs are grouped across hosts
(``12 hosts (web-[1-12]): active (running)``, as ``dshbak -c`` does), then each failing host's
failing step.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TextIO

from runbookkit.display.common import (
    BAD,
    GOOD,
    WARN,
    Lines,
    elapsed,
    notice,
    plain_console,
    run_result,
    run_title,
    say,
    seconds,
    write_line,
)
from runbookkit.errors import ConfigError
from runbookkit.execute.events import (
    Event,
    RunFinished,
    RunNotice,
    RunStarted,
    StepFinished,
    StepOutput,
    StepResult,
    StepStarted,
)
from runbookkit.execute.runner import RunOutcome
from runbookkit.fleet.grouped import group_outputs, hostlist
from runbookkit.fleet.hosts import Host
from runbookkit.terminal import visible

if TYPE_CHECKING:
    from runbookkit.fleet.dryrun import HostPlan
    from runbookkit.fleet.run import FleetOutcome
    from runbookkit.planning import Plan
    from runbookkit.secrets import Redactor

TAIL_LINES = 10
FOLLOW_LINES = 12


class OutputMode(StrEnum):
    """Which of the commands' output a fleet view shows."""

    prefixed = "prefixed"  # every line as it arrives, after its host's name; grouped at the end
    all = "all"  # every step's output, grouped across hosts, in the summary
    failed = "failed"  # the failing steps' output only, in the summary
    none = "none"  # no command output at all


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
        return elapsed((self.ended or time.monotonic()) - self.started)


class _FleetBase:
    """The state both views keep: a row per host, each host's output lines, every result."""

    def __init__(
        self, hosts: list[Host], output: OutputMode = OutputMode.failed, follow: str | None = None
    ) -> None:
        self.rows = {host.name: _Row(host) for host in hosts}
        self.active = list(self.rows)  # the hosts of the run going on (a rollback's are fewer)
        self.output = output
        self.follow = check_follow(hosts, follow)
        self.buffers = {host.name: Lines() for host in hosts}
        self.width = max((len(host.name) for host in hosts), default=0)
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

    def track(self, event: Event) -> list[tuple[str, str]]:
        """Update the rows from a run event; return the output lines it completed, by host."""
        if isinstance(event, RunStarted):
            self.total = event.steps
            self.results, self.titles = [], {}
            targets = set(event.targets)
            self.active = [n for n, row in self.rows.items() if row.host.label in targets]
            self.active = self.active or list(self.rows)
            if event.rollback_of:
                for name in self.active:
                    self.rows[name] = _Row(self.rows[name].host)
        elif isinstance(event, StepStarted) and event.host in self.rows:
            row = self.rows[event.host]
            again = f" (attempt {event.attempt})" if event.attempt > 1 else ""
            row.step = f"{event.number}/{self.total} {event.title}{again}"
            self.titles[event.number] = event.title
            if event.attempt == 1:
                self.buffers[event.host] = Lines()
        elif isinstance(event, StepOutput) and event.host in self.buffers:
            return [(event.host, line) for line in self.buffers[event.host].add(event.text)]
        elif isinstance(event, StepFinished):
            self.results.append(event.result)
            self.titles[event.result.number] = event.result.title
            host = event.result.host
            if host in self.buffers:
                return [(host, line) for line in self.buffers[host].flush()]
        return []

    def prefixed(self, host: str, line: str) -> str:
        """An output line after its host's name, the names padded to one width."""
        return f"{host:<{self.width}} | {line}"

    def live(self, host: str) -> bool:
        """Whether ``host``'s output lines are printed as they arrive."""
        return self.output is OutputMode.prefixed and self.follow in (None, host)

    def summary(self, finished: RunFinished) -> list[str]:
        """The end-of-run lines: per step with its grouped outputs, then the failing hosts."""
        return summary_lines(
            self.active, self.results, self.titles, self.rows, finished, self.output
        )


def check_follow(hosts: list[Host], name: str | None) -> str | None:
    """``name`` when it names a host of ``hosts`` (or is None).

    Raises:
        ConfigError: no host of the run has that name.
    """
    if name is None or any(host.name == name for host in hosts):
        return name
    known = ", ".join(host.name for host in hosts[:10]) + (", …" if len(hosts) > 10 else "")
    raise ConfigError(
        f"host {name!r} to follow is not a host of this run, expected one of: {known}"
    )


def summary_lines(
    hosts: list[str],
    results: list[StepResult],
    titles: dict[int, str],
    rows: dict[str, _Row],
    finished: RunFinished,
    output: OutputMode = OutputMode.failed,
) -> list[str]:
    """Per step ``passed on N/M hosts`` and its outputs grouped across hosts (as ``output``
    says), the hosts never started, then each failing host's failing step."""
    count = len(hosts)
    lines = ["summary:"]
    for number in sorted(titles):
        mine = [r for r in results if r.number == number]
        passed = [r for r in mine if r.status.ok]
        bad = [f"{r.host} {r.status.value}" for r in mine if not r.status.ok]
        extra = f" ({', '.join(bad)})" if bad else ""
        lines.append(
            f"  step {number} {titles[number]}: passed on {len(passed)}/{count} hosts{extra}"
        )
        lines += _grouped(mine, output)
    waiting = [name for name in hosts if rows[name].started is None]
    if waiting:
        lines.append(f"  not started: {', '.join(waiting)}")
    for result in results:
        if result.status.ok:
            continue
        lines.append(
            f"{result.host} failed at step {result.number} ({result.title}): {result.error}"
        )
    lines.append(run_result(finished))
    return lines


def _grouped(results: list[StepResult], output: OutputMode) -> list[str]:
    """A step's outputs, one entry per distinct text: ``3 hosts (web-[1-3]): text``, or the
    hosts then the last lines of a longer text."""
    if output is OutputMode.none:
        return []
    if output is OutputMode.failed:
        results = [r for r in results if not r.status.ok]
    outputs = [(r.host or "", visible(r.stdout + r.stderr)) for r in results]
    if not any(text.strip() for _, text in outputs):
        return []
    lines = []
    for group in group_outputs(outputs):
        many = len(group.hosts)
        who = hostlist(group.hosts)
        who = f"{many} hosts ({who})" if many > 1 else who
        text = group.text.split("\n") if group.text else []
        if len(text) <= 1:
            lines.append(f"    {who}: {text[0] if text else '(no output)'}")
            continue
        lines.append(f"    {who}:")
        if len(text) > TAIL_LINES:
            lines.append(f"      | … {len(text) - TAIL_LINES} lines before")
        lines += [f"      | {line}" for line in text[-TAIL_LINES:]]
    return lines


class PlainFleetView(_FleetBase):
    """Plain lines for logs, pipes and ``NO_COLOR``: output lines after their host's name (as
    the output mode says), one line per finished step, host first."""

    def __init__(
        self,
        hosts: list[Host],
        out: TextIO | None = None,
        output: OutputMode = OutputMode.prefixed,
        follow: str | None = None,
    ) -> None:
        super().__init__(hosts, output, follow)
        self.out = out or sys.stdout

    def _print(self, text: str) -> None:
        write_line(self.out, text)

    def __call__(self, event: Event) -> None:
        for host, line in self.track(event):
            if self.live(host):
                self._print(self.prefixed(host, line))
        if isinstance(event, RunStarted):
            self._print(_header(event, len(self.active)))
        elif isinstance(event, StepFinished):
            r = event.result
            why = f": {r.error}" if r.error else ""
            took = seconds(r.duration)
            self._print(f"[{r.host}] step {r.number} {r.title}: {r.status.value} ({took}){why}")
        elif isinstance(event, RunNotice):
            self._print(notice(event))
        elif isinstance(event, RunFinished):
            for line in self.summary(event):
                self._print(line)

    def host_finished(self, host: Host, outcome: RunOutcome) -> None:
        """Say so when a host is done."""
        super().host_finished(host, outcome)
        self._print(f"[{host.name}] {self.rows[host.name].status}")


def _header(event: RunStarted, hosts: int) -> str:
    return f"{run_title(event)} ({event.steps} steps) on {hosts} hosts"


class RichFleetView(_FleetBase):
    """A Rich live table, one row per host, redrawn as steps start and end, with the followed
    host's latest output lines beneath it (and, with ``prefixed``, every host's lines above)."""

    def __init__(
        self,
        hosts: list[Host],
        console: Any = None,
        output: OutputMode = OutputMode.all,
        follow: str | None = None,
    ) -> None:
        super().__init__(hosts, output, follow)
        self.console = console or plain_console()
        self.live_view: Any = None
        # The host whose output shows beneath the table: the one asked for, else the first.
        self.shown = self.follow or (hosts[0].name if hosts else None)

    def __rich__(self) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        table = Table(title=f"{len(self.active)} hosts")
        for column in ("host", "step", "status", "elapsed"):
            table.add_column(column)
        styles = {"passed": GOOD, "running": "cyan", "waiting": "dim"}
        for row in (self.rows[name] for name in self.active):
            style = styles.get(row.status, BAD)
            cells = (row.host.name, row.step, row.status, row.elapsed())
            table.add_row(*map(visible, cells), style=style)
        if self.shown is None or self.output is OutputMode.none:
            return table
        tail = self.buffers[self.shown].tail(FOLLOW_LINES)
        title = Text(visible(f"output of {self.shown}:"), style="bold")
        body = Text("\n".join(f"  {visible(line)}" for line in tail), style="dim")
        return Group(table, title, body)

    def __call__(self, event: Event) -> None:
        for host, line in self.track(event):
            if self.live(host):
                say(self.console, self.prefixed(host, line))
        if isinstance(event, RunStarted):
            say(self.console, _header(event, len(self.active)), "bold")
            self._start_live()
        elif isinstance(event, RunNotice):
            say(self.console, notice(event), WARN)
        elif isinstance(event, RunFinished):
            if self.live_view is not None:
                self._stop_live()
                self.console.print(self)  # the final table stays, once
            for line in self.summary(event):
                say(self.console, line)

    def _start_live(self) -> None:
        # Transient: when it stops (for a question, at the end) the table is erased, so no
        # partial table stays above a question; a new Live each time draws below what was
        # printed meanwhile instead of moving up over it.
        from rich.live import Live

        self.live_view = Live(self, console=self.console, refresh_per_second=8, transient=True)
        self.live_view.start()

    def _stop_live(self) -> None:
        self.live_view.stop()
        self.live_view = None

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Stop redrawing (and take the table off the screen) while the operator is asked
        something; draw it again below the question after."""
        if self.live_view is None:
            yield
            return
        self._stop_live()
        try:
            yield
        finally:
            self._start_live()


def fleet_view(
    hosts: list[Host],
    *,
    output: OutputMode | str | None = None,
    follow: str | None = None,
    as_json: bool = False,
    out: TextIO | None = None,
    terminal: bool = False,
) -> Any:
    """The listener that shows a fleet run: JSON lines, the Rich table on a ``terminal``, or
    plain lines. ``output`` defaults to ``all`` on a terminal and ``prefixed`` elsewhere.

    Raises:
        ConfigError: ``follow`` is not a host of the run, or ``output`` no mode.
    """
    check_follow(hosts, follow)
    if as_json:
        from runbookkit.display.run import JsonView

        return JsonView(out or sys.stdout)
    try:
        mode = OutputMode(output) if output is not None else None
    except ValueError:
        known = ", ".join(m.value for m in OutputMode)
        raise ConfigError(f"output {output!r}: expected one of {known}") from None
    if terminal:
        return RichFleetView(hosts, output=mode or OutputMode.all, follow=follow)
    return PlainFleetView(
        hosts, out or sys.stdout, output=mode or OutputMode.prefixed, follow=follow
    )


def outcome_lines(outcome: FleetOutcome, hosts: int) -> list[str]:
    """What the command says on stderr after a fleet run of ``hosts`` hosts: the hosts that
    did not pass, then how the rollback run ended, if there was one."""
    lines = []
    failed = outcome.failed()
    if failed:
        names = ", ".join(run.host.name for run in failed)
        lines.append(f"{outcome.status.value} on {len(failed)} of {hosts} hosts: {names}")
    back = outcome.rollback
    if back is not None:
        names = ", ".join(run.host.name for run in back.hosts)
        lines.append(f"rollback run {back.run_id} {back.status.value} on {names}")
    return lines


def dry_run_lines(
    plan: Plan, hosts: list[HostPlan], strategy: str, redactor: Redactor
) -> list[str]:
    """A fleet's dry run: the plan as every host runs it, then each host's target, values and
    unset variables, every line masked by ``redactor`` (the run's: every host's secrets)."""
    from runbookkit.display.plan import need_text
    from runbookkit.fleet.dryrun import shared_plan
    from runbookkit.planning import render

    lines = render(shared_plan(plan)).split("\n")
    lines.append(f"on {len(hosts)} hosts ({strategy}):")
    width = max((len(entry.host.name) for entry in hosts), default=0)
    for entry in hosts:
        host = entry.host
        lines.append(f"  {host.name:<{width}}  {host.label}  (from {host.source})")
        mine = [f"{v.name}={v.value}  ({v.origin})" for v in entry.values]
        mine += [need_text(need, entry.given) for need in entry.unset]
        lines += [f"      {visible(text)}" for text in mine]
    return [redactor.text(line) for line in lines]
