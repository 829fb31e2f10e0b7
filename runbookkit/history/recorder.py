"""The listener that records a run into a store as the run's events arrive.

Every text that reaches the store passes a :class:`runbookkit.secrets.Redactor` first: the
run's own, the one its runner masks the screen's events with, so the record keeps what the
screen shows. A store that fails mid-run does not stop the run: the failure is
kept in :attr:`HistoryRecorder.failures` for the command line to report at the end.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, replace
from typing import TYPE_CHECKING

from runbookkit.errors import HistoryError, NotFoundError
from runbookkit.execute.events import Event, RunFinished, RunStarted, StepFinished, StepResult
from runbookkit.history import liveness
from runbookkit.history.records import StepRecord, run_record
from runbookkit.history.store import RunWriter, Transactional
from runbookkit.secrets import Redactor

if TYPE_CHECKING:
    from runbookkit.history.incidents import Incident, IncidentLink


class HistoryRecorder:
    """A run listener writing each run, step by step, into ``store``.

    Args:
        store: where to record.
        redactor: what masks every text before it is stored: the run's redactor, shared with
            its runner and the screen, so it knows each secret value (``--secret`` values,
            secret ``--var``s, values asked for, every fleet host's). Default: one that masks
            the secret shapes only.
        heartbeat: seconds between heartbeats while a run goes on (0 for none).
        close_store: whether :meth:`close` closes the store too (it was opened for this run).
        incident: link each run to its incident(s) as it starts (a person's run acknowledges
            them, a passing Fix run mitigates them; see :mod:`runbookkit.history.incidents`).
    """

    def __init__(
        self,
        store: RunWriter,
        *,
        redactor: Redactor | None = None,
        heartbeat: float = liveness.HEARTBEAT,
        close_store: bool = False,
        incident: IncidentLink | None = None,
    ) -> None:
        self.store = store
        self._close_store = close_store
        self.redactor = redactor if redactor is not None else Redactor()
        self.failures: list[str] = []
        self.recorded: list[str] = []  # ids of the runs recorded, in order
        self._interval = heartbeat
        self._seq: dict[str, int] = {}
        self._beats: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self.incident = incident
        self.incidents: list[Incident] = []  # the incidents the runs were linked to
        self._started_runs: dict[str, RunStarted] = {}

    def __call__(self, event: Event) -> None:
        # A fleet run may report the steps of several hosts from several threads at once.
        with self._lock:
            try:
                if isinstance(event, RunStarted):
                    self._started(event)
                elif isinstance(event, StepFinished):
                    self._step(event)
                elif isinstance(event, RunFinished):
                    self._finished(event)
            except HistoryError as exc:
                self.failures.append(str(exc))

    def close(self) -> None:
        """Stop every heartbeat (a run that never finished stays ``running`` until reaped)."""
        with self._lock:
            for stop in self._beats.values():
                stop.set()
            self._beats.clear()
            if self._close_store:
                self.store.close()
            # A store that spools while its server is away says so (see history.spool).
            self.failures += getattr(self.store, "notices", [])

    def _started(self, event: RunStarted) -> None:
        run = run_record(event)
        run.operator = self.redactor.text(event.operator)
        run.targets = [self.redactor.text(target) for target in event.targets]
        self.store.begin_run(run)
        self.recorded.append(event.run_id)
        self._seq[event.run_id] = 0
        if self._interval > 0:
            self._beats[event.run_id] = self._start_heartbeat(event.run_id)
        if self.incident is not None:
            self._started_runs[event.run_id] = event
            self._link(event, run.operator)

    def _link(self, event: RunStarted, operator: str) -> None:
        from runbookkit.history import incidents

        assert self.incident is not None
        if not isinstance(self.store, Transactional):
            return
        try:
            linked = incidents.run_started(
                self.store,
                self.incident,
                run_id=event.run_id,
                runbook_id=event.runbook_id,
                operator=operator,
                started_at=event.started_at,
            )
        except (HistoryError, NotFoundError) as exc:
            self.failures.append(f"the run was not linked to its incident: {exc}")
            return
        self.incidents += linked
        if self.incident.tell is not None:
            for incident in linked:
                self.incident.tell(incidents.describe_link(incident, event.run_id))

    def _mitigate(self, event: RunFinished) -> None:
        from runbookkit.history import incidents

        start = self._started_runs.pop(event.run_id, None)
        if start is None or not isinstance(self.store, Transactional):
            return
        try:
            incidents.run_finished(self.store, start, event)
        except HistoryError as exc:
            self.failures.append(f"the incident of the run was not marked mitigated: {exc}")

    def _step(self, event: StepFinished) -> None:
        seq = self._seq.get(event.run_id, 0) + 1
        self._seq[event.run_id] = seq
        self.store.record_step(event.run_id, self.redactor.fields(step_record(event.result, seq)))

    def _finished(self, event: RunFinished) -> None:
        stop = self._beats.pop(event.run_id, None)
        if stop is not None:
            stop.set()
        self.store.finish_run(replace(event, error=self.redactor.optional(event.error)))
        if self.incident is not None:
            self._mitigate(event)

    def _start_heartbeat(self, run_id: str) -> threading.Event:
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(self._interval):
                try:
                    self.store.heartbeat(run_id)
                except HistoryError as exc:
                    self.failures.append(str(exc))

        threading.Thread(target=beat, name=f"heartbeat-{run_id}", daemon=True).start()
        return stop


def step_record(result: StepResult, seq: int) -> StepRecord:
    """A step's result as a record (not yet masked)."""
    return StepRecord(**asdict(result), seq=seq)
