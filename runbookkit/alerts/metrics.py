"""The receiver's own metrics, in the Prometheus text format (``GET /metrics``)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping

_HELP = {
    "runbookkit_alerts_received_total": ("counter", "Alerts read from webhook bodies."),
    "runbookkit_alerts_routed_total": ("counter", "Firing alerts routed to a runbook."),
    "runbookkit_alerts_unrouted_total": ("counter", "Firing alerts no runbook answers."),
    "runbookkit_alerts_repeated_total": ("counter", "Repeats of open alerts (counted, not run)."),
    "runbookkit_requests_rejected_total": ("counter", "Requests refused, by HTTP status."),
    "runbookkit_runs_started_total": ("counter", "Diagnosis runs started."),
    "runbookkit_runs_finished_total": ("counter", "Diagnosis runs finished, by status."),
    "runbookkit_runs_failed_total": ("counter", "Diagnosis runs that failed or could not run."),
    "runbookkit_queue_depth": ("gauge", "Queue rows by state."),
}


class Metrics:
    """Counters by name and labels; thread-safe."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, tuple[tuple[str, str], ...]]] = Counter()
        self._lock = threading.Lock()

    def add(self, name: str, amount: int = 1, **labels: str) -> None:
        """Add ``amount`` to counter ``name`` with ``labels``."""
        with self._lock:
            self._counts[(name, tuple(sorted(labels.items())))] += amount

    def value(self, name: str, **labels: str) -> int:
        """The counter's value (0 if never added to)."""
        with self._lock:
            return self._counts[(name, tuple(sorted(labels.items())))]

    def render(self, queue_depth: Mapping[str, int]) -> str:
        """Every metric as Prometheus text, with the queue's depth by state."""
        with self._lock:
            counts = dict(self._counts)
        lines: list[str] = []
        for name, (kind, text) in _HELP.items():
            lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
            samples: list[tuple[tuple[tuple[str, str], ...], int]]
            if name == "runbookkit_queue_depth":
                samples = [((("state", s),), n) for s, n in queue_depth.items()]
            else:
                samples = [(labels, n) for (n_, labels), n in counts.items() if n_ == name]
                if not samples and not name.endswith(("rejected_total", "finished_total")):
                    samples = [((), 0)]
            for labels, value in sorted(samples):
                shown = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
                lines.append(f"{name}{{{shown}}} {value}" if shown else f"{name} {value}")
        return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
