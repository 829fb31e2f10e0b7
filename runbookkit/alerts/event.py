"""One alert as runbookkit keeps it, whatever sent it.

A webhook payload may carry several alerts (Alertmanager groups them); each becomes one
:class:`AlertEvent`. ``key`` is what identifies the same alert over time: Alertmanager's and
Grafana's ``fingerprint``, PagerDuty's incident id, or a hash of the generic form's labels.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class AlertSource(StrEnum):
    """Who sent the alert."""

    alertmanager = "alertmanager"
    grafana = "grafana"
    pagerduty = "pagerduty"
    generic = "generic"


class AlertState(StrEnum):
    """What the event says of the alert: it fires, an operator took it, or it is over."""

    firing = "firing"
    acknowledged = "acknowledged"  # PagerDuty's incident.acknowledged
    resolved = "resolved"


@dataclass(frozen=True)
class AlertEvent:
    """One alert from one webhook delivery.

    ``labels`` are the alert's labels exactly as sent (the only values that may reach a
    runbook's commands, as variables); ``annotations`` are free text (summary, description,
    ``runbook_url``) used for routing and display only. ``starts_at`` is when the impact began
    as the source saw it; ``received_at`` when runbookkit got it.
    """

    source: AlertSource
    state: AlertState
    key: str
    name: str
    received_at: dt.datetime
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    url: str | None = None  # generatorURL / the PagerDuty incident's html_url

    @property
    def text(self) -> str:
        """The alert's words for Pattern routing: summary, description and message."""
        parts = [self.annotations.get(k, "") for k in ("summary", "description", "message")]
        return "\n".join(p for p in parts if p) or self.name
