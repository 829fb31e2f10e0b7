"""The receiver's work, apart from HTTP: take alerts in, queue their runs, run them.

:meth:`Receiver.accept` reads one webhook body, routes each firing alert and queues its run
(an open alert again is counted, not queued), closes the rows of resolved alerts and returns a
summary. Worker threads (at most ``concurrency`` runs at once) take queued rows, run their
diagnosis (:func:`runbookkit.alerts.diagnose.diagnose`), linked to the alert's incident
(:mod:`runbookkit.history.incidents`, which every event also updates), and mark them done.
Every event goes to ``log`` as a name and fields; nothing here prints.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runbookkit.alerts import payloads
from runbookkit.alerts.diagnose import Targets, diagnose, section_of
from runbookkit.alerts.event import AlertEvent, AlertState
from runbookkit.alerts.metrics import Metrics
from runbookkit.alerts.queue import DEDUP_WINDOW, AlertQueue, Job
from runbookkit.alerts.route import Router
from runbookkit.errors import RunbookError
from runbookkit.execute.events import Event, RunStarted, RunStatus, StepStarted
from runbookkit.history.incidents import DIAGNOSIS, OPEN_BY_KEY, IncidentLink, record_alert
from runbookkit.history.liveness import HEARTBEAT

Log = Callable[..., None]  # log(event_name, **fields)
_FAILED = (RunStatus.failed, RunStatus.error, RunStatus.interrupted)


@dataclass
class ReceiverOptions:
    """How the receiver runs what alerts start."""

    history: str | Path
    targets: Targets = field(default_factory=Targets)
    ssh: Any = None  # SshOptions for the runs (None: the defaults)
    concurrency: int = 4
    dedup_window: float = DEDUP_WINDOW.total_seconds()
    timeout: float | None = 300.0  # per step


class Receiver:
    """Alerts in, recorded diagnosis runs out, through the queue in the history store."""

    def __init__(
        self, router: Router, queue: AlertQueue, options: ReceiverOptions, log: Log
    ) -> None:
        import datetime as dt

        self.router = router
        self.queue = queue
        self.options = options
        self.log = log
        self.metrics = Metrics()
        self._window = dt.timedelta(seconds=options.dedup_window)
        self._wake = threading.Condition()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._by_id = {r.id: r for r in router.runbooks}
        self.on_step: Callable[[Job, StepStarted], None] | None = None  # for the bench

    # -- taking alerts in --------------------------------------------------------------------

    def accept(self, body: bytes) -> dict[str, Any]:
        """Read, route and queue the alerts of one body; returns what became of them.

        Raises:
            PayloadError: the body is not a payload runbookkit reads (nothing was queued).
        """
        events = payloads.read(body)
        summary: dict[str, Any] = {"alerts": len(events), "queued": 0, "repeats": 0}
        for event in events:
            self.metrics.add("runbookkit_alerts_received_total", source=str(event.source))
            if event.state is AlertState.firing:
                summary["queued" if self._fire(event) else "repeats"] += 1
                continue
            incident = record_alert(self.queue.store, event, None)
            if event.state is AlertState.resolved:
                closed = self.queue.resolve(event.key)
                self.log(
                    "resolved",
                    alert=event.name,
                    key=event.key,
                    closed=len(closed),
                    incident=incident.id,
                    mttr=incident.mttr,
                )
            else:
                self.log("acknowledged", alert=event.name, key=event.key, incident=incident.id)
        if summary["queued"]:
            with self._wake:
                self._wake.notify(summary["queued"])
        return summary

    def _fire(self, event: AlertEvent) -> bool:
        routing = self.router.route(event)
        runbook = routing.runbook
        incident = record_alert(self.queue.store, event, routing.runbook_id)
        section = section_of(runbook) if runbook is not None else None
        host = self.options.targets.for_labels(event.labels) if runbook is not None else None
        job, new = self.queue.offer(
            event,
            routing.runbook_id,
            section=section,
            rule=routing.rule,
            host=host,
            window=self._window,
        )
        if not new:
            self.metrics.add("runbookkit_alerts_repeated_total")
            self.log("repeat", alert=event.name, key=event.key, repeats=job.repeats)
            return False
        if runbook is None:
            self.metrics.add("runbookkit_alerts_unrouted_total")
            self.log(
                "unrouted",
                alert=event.name,
                key=event.key,
                source=str(event.source),
                incident=incident.id,
            )
            return False
        self.metrics.add("runbookkit_alerts_routed_total")
        self.log(
            "routed",
            alert=event.name,
            key=event.key,
            runbook=routing.runbook_id,
            rule=routing.rule,
            section=section,
            host=host,
            incident=incident.id,
        )
        return True

    # -- running what was queued -------------------------------------------------------------

    def start(self) -> None:
        """Put back the rows of a process that died, and start the workers and the heartbeat."""
        # What the first alert would otherwise pay for: the runner's modules, the Patterns.
        import runbookkit.execute.runner
        import runbookkit.runs  # noqa: F401

        self.router.prepare()
        requeued = self.queue.requeue_dead()
        counts = self.queue.counts()
        self.log("resumed", requeued=requeued, queued=counts["queued"])
        for n in range(max(1, self.options.concurrency)):
            thread = threading.Thread(target=self._work, name=f"alert-worker-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)
        beat = threading.Thread(target=self._beat, name="alert-heartbeat", daemon=True)
        beat.start()
        self._threads.append(beat)

    def stop(self, wait: float = 5.0) -> None:
        """Ask the workers to stop after their current run (a run still going when the process
        ends is queued again by the next start)."""
        self._stopping.set()
        with self._wake:
            self._wake.notify_all()
        for thread in self._threads:
            thread.join(wait)

    def _beat(self) -> None:
        while not self._stopping.wait(HEARTBEAT):
            try:
                self.queue.heartbeat()
            except RunbookError as exc:
                self.log("error", message=str(exc))

    def _work(self) -> None:
        while not self._stopping.is_set():
            try:
                job = self.queue.claim()
            except RunbookError as exc:
                self.log("error", message=str(exc))
                job = None
            if job is None:
                with self._wake:
                    self._wake.wait(1.0)
                continue
            try:
                self._run(job)
            except Exception as exc:  # the store went away mid-run: say so, take the next one
                self.log("error", message=f"alert run {job.id}: {type(exc).__name__}: {exc}")

    def _run(self, job: Job) -> None:
        runbook = self._by_id.get(job.runbook_id)
        if runbook is None:
            self._failed(job, f"not run: runbook {job.runbook_id!r} is no longer in the catalog")
            return

        def listen(event: Event) -> None:
            if isinstance(event, RunStarted):
                self.queue.started(job.id, event.run_id)
                self.metrics.add("runbookkit_runs_started_total")
                self.log(
                    "run started",
                    run=event.run_id,
                    runbook=job.runbook_id,
                    section=event.section,
                    alert=job.name,
                    key=job.alert_key,
                )
            elif isinstance(event, StepStarted) and self.on_step is not None:
                self.on_step(job, event)

        try:
            outcome, refused = diagnose(
                job,
                runbook,
                incident=self._incident_of(job),
                history=self.queue.store,  # type: ignore[arg-type]  # a Store: a RunWriter
                ssh=self.options.ssh,
                listeners=[listen],
                timeout=self.options.timeout,
            )
        except RunbookError as exc:
            self._failed(job, f"not run: {exc}")
            return
        except Exception as exc:  # a fault of runbookkit's own: the row is done, the loop goes on
            self._failed(job, f"not run: internal error: {type(exc).__name__}: {exc}")
            return
        for line in refused:
            self.log("label refused", run=outcome.run_id, message=line)
        error = getattr(outcome, "error", None)  # a fleet's outcome says it host by host
        text = str(outcome.status) + (f": {error}" if error else "")
        self.queue.finish(job.id, text, outcome.run_id)
        self.metrics.add("runbookkit_runs_finished_total", status=str(outcome.status))
        if outcome.status in _FAILED:
            self.metrics.add("runbookkit_runs_failed_total")
        self.log(
            "run finished",
            run=outcome.run_id,
            runbook=job.runbook_id,
            status=str(outcome.status),
            error=error,
        )

    def _incident_of(self, job: Job) -> IncidentLink | None:
        """The link to the open incident of the job's alert (None: it resolved meanwhile)."""
        with self.queue.store.transaction(write=False) as tx:
            row = tx.one(OPEN_BY_KEY, {"key": job.alert_key})
        return IncidentLink(incident_id=row["id"], role=DIAGNOSIS) if row else None

    def _failed(self, job: Job, why: str) -> None:
        self.queue.finish(job.id, why)
        self.metrics.add("runbookkit_runs_failed_total")
        self.log("run not started", runbook=job.runbook_id, alert=job.name, message=why)
