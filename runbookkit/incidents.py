"""Incidents and how fast they were handled, measured against each runbook's MTTR Target.

The incidents themselves live in the history store (:mod:`runbookkit.history.incidents`, whose
functions are re-exported here: :func:`record_alert`, :func:`link_run`, :func:`acknowledge`,
:func:`resolve`, :func:`list_incidents`, :func:`get_incident`). This module measures them.

Every duration is measured from the impact start (the alert's ``startsAt``), the way incident
tools measure milestones, not from when runbookkit heard of it:

- MTTA, time to acknowledge = acknowledged − impact start;
- MTTR, time to resolve = resolved − impact start.

A runbook's figures are the median and the 90th percentile (linear between the closest ranks),
never the mean: resolution time has no upper bound, so one long incident would make a mean
say nothing of the usual one. An incident is within target when its MTTR is at most the upper
end of the runbook's MTTR Target ("3-5 minutes": 5 minutes).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from runbookkit.history.incidents import (
    DIAGNOSIS,
    OPERATOR,
    Incident,
    IncidentLink,
    IncidentRun,
    acknowledge,
    get_incident,
    incidents_of_run,
    link_run,
    list_incidents,
    record_alert,
    resolve,
)

__all__ = [
    "DIAGNOSIS",
    "OPERATOR",
    "Incident",
    "IncidentLink",
    "IncidentRun",
    "RunbookStats",
    "Target",
    "acknowledge",
    "get_incident",
    "incidents_of_run",
    "link_run",
    "list_incidents",
    "percentile",
    "record_alert",
    "resolve",
    "stats",
    "within_target",
]


class Target(Protocol):
    """A runbook's MTTR Target (``metadata.mttr`` of a parsed or validated runbook)."""

    @property
    def text(self) -> str:
        """As written: ``3-5 minutes``."""
        ...

    @property
    def max_minutes(self) -> float:
        """Its upper end, in minutes."""
        ...


def percentile(values: Sequence[float], share: float) -> float | None:
    """The ``share`` (0..1) percentile of ``values``, linear between the closest ranks; None
    for no values. ``percentile(v, 0.5)`` is the median."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * share
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def within_target(incident: Incident, target: Target | None) -> bool | None:
    """Whether the incident was resolved within the target (None: no target, or still open)."""
    if target is None or incident.mttr is None:
        return None
    return incident.mttr <= target.max_minutes * 60


@dataclass(frozen=True)
class RunbookStats:
    """How a runbook's incidents went: counts, MTTA and MTTR (seconds), against its target."""

    runbook_id: str | None  # None: incidents no runbook was routed to
    incidents: int
    open: int
    mtta_median: float | None
    mtta_p90: float | None
    mttr_median: float | None
    mttr_p90: float | None
    target: Target | None
    within: int | None  # resolved incidents within target (None without a target)
    resolved: int

    @property
    def within_share(self) -> float | None:
        """The share (0..1) of the resolved incidents resolved within target."""
        if self.within is None or not self.resolved:
            return None
        return self.within / self.resolved


def stats(
    incidents: Iterable[Incident], targets: Mapping[str, Target | None] | None = None
) -> list[RunbookStats]:
    """Per runbook (sorted by id, the unrouted last): counts, median and p90 of MTTA and MTTR,
    and how many were resolved within the runbook's MTTR target (``targets``, by runbook id)."""
    grouped: dict[str | None, list[Incident]] = {}
    for incident in incidents:
        grouped.setdefault(incident.runbook_id, []).append(incident)
    found = []
    for runbook_id in sorted(grouped, key=lambda key: (key is None, key or "")):
        group = grouped[runbook_id]
        target = (targets or {}).get(runbook_id) if runbook_id is not None else None
        mtta = [i.mtta for i in group if i.mtta is not None]
        mttr = [i.mttr for i in group if i.mttr is not None]
        verdicts = [within_target(i, target) for i in group]
        found.append(
            RunbookStats(
                runbook_id=runbook_id,
                incidents=len(group),
                open=sum(1 for i in group if i.is_open),
                mtta_median=percentile(mtta, 0.5),
                mtta_p90=percentile(mtta, 0.9),
                mttr_median=percentile(mttr, 0.5),
                mttr_p90=percentile(mttr, 0.9),
                target=target,
                within=None if target is None else sum(1 for v in verdicts if v),
                resolved=len(mttr),
            )
        )
    return found
