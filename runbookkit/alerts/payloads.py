"""Webhook bodies read into :class:`~runbookkit.alerts.event.AlertEvent` lists, per source.

Pure functions: bytes or decoded JSON in, events out. A body that is not what its source sends
raises one :class:`~runbookkit.errors.PayloadError` naming the field (``alerts[2].labels``).
:func:`read` tells the sources apart by their shape: PagerDuty's ``event``, Grafana's ``orgId``,
Alertmanager's ``version: "4"``, the generic form's ``message``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from runbookkit.alerts.event import AlertEvent, AlertSource, AlertState
from runbookkit.errors import PayloadError

_PAGERDUTY_STATES = {
    "incident.triggered": AlertState.firing,
    "incident.acknowledged": AlertState.acknowledged,
    "incident.resolved": AlertState.resolved,
}
# Alertmanager's "no end yet" and Go's zero time.
_UNSET_TIMES = ("0001-01-01T00:00:00Z",)


def read(body: bytes | Any, received_at: dt.datetime | None = None) -> list[AlertEvent]:
    """The alerts of one webhook body from any source runbookkit reads.

    Raises:
        PayloadError: not JSON, or not the shape of any source.
    """
    data = decode(body) if isinstance(body, bytes | str) else body
    return reader(data)(data, received_at)


def decode(body: bytes | str) -> Any:
    """The JSON value of a body (raises :class:`PayloadError` when it isn't JSON)."""
    try:
        return json.loads(body)
    except UnicodeDecodeError:
        raise PayloadError("the body is not JSON (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise PayloadError(
            f"the body is not JSON at line {exc.lineno} column {exc.colno}"
        ) from None


def reader(data: Any) -> Callable[[Any, dt.datetime | None], list[AlertEvent]]:
    """The reader for a decoded body, chosen by its shape."""
    if not isinstance(data, dict):
        raise PayloadError("the body is not a JSON object")
    if isinstance(data.get("event"), dict):
        return read_pagerduty
    if "alerts" in data:
        return read_grafana if "orgId" in data else read_alertmanager
    if "message" in data:
        return read_generic
    raise PayloadError(
        "not an Alertmanager, Grafana, PagerDuty or generic payload: expected `alerts`, "
        "`event` or `message`"
    )


def read_alertmanager(data: Any, received_at: dt.datetime | None = None) -> list[AlertEvent]:
    """An Alertmanager webhook (payload version 4): one event per entry of ``alerts``."""
    _object(data, "the body")
    if str(data.get("version", "4")) != "4":
        raise PayloadError(
            f"Alertmanager payload version {data['version']!r}, expected 4", path="version"
        )
    return _grouped(data, AlertSource.alertmanager, received_at)


def read_grafana(data: Any, received_at: dt.datetime | None = None) -> list[AlertEvent]:
    """A Grafana alerting webhook: Alertmanager's shape with Grafana's fields beside it."""
    _object(data, "the body")
    return _grouped(data, AlertSource.grafana, received_at)


def _grouped(
    data: dict[str, Any], source: AlertSource, received_at: dt.datetime | None
) -> list[AlertEvent]:
    alerts = data.get("alerts")
    if not isinstance(alerts, list):
        raise PayloadError("expected a list of alerts", path="alerts")
    now = received_at or _now()
    common = _strings(data.get("commonAnnotations") or {}, "commonAnnotations")
    events = []
    for index, alert in enumerate(alerts):
        where = f"alerts[{index}]"
        _object(alert, where)
        labels = _strings(alert.get("labels") or {}, f"{where}.labels")
        annotations = {**common, **_strings(alert.get("annotations") or {}, f"{where}.annotations")}
        status = alert.get("status", data.get("status"))
        if status not in ("firing", "resolved"):
            raise PayloadError(
                f"status {status!r}, expected firing or resolved", path=f"{where}.status"
            )
        key = alert.get("fingerprint")
        if key is not None and not isinstance(key, str):
            raise PayloadError("expected a string", path=f"{where}.fingerprint")
        events.append(
            AlertEvent(
                source=source,
                state=AlertState(status),
                key=key or labels_key(labels),
                name=labels.get("alertname", ""),
                received_at=now,
                starts_at=_time(alert.get("startsAt"), f"{where}.startsAt"),
                ends_at=_time(alert.get("endsAt"), f"{where}.endsAt"),
                labels=labels,
                annotations=annotations,
                url=_optional_string(alert.get("generatorURL"), f"{where}.generatorURL"),
            )
        )
    return events


def read_pagerduty(data: Any, received_at: dt.datetime | None = None) -> list[AlertEvent]:
    """A PagerDuty V3 webhook: ``incident.triggered``, ``.acknowledged`` or ``.resolved`` give
    one event keyed by the incident id; other event types give none. PagerDuty has no labels."""
    _object(data, "the body")
    event = data.get("event")
    _object(event, "event")
    kind = event.get("event_type")
    if not isinstance(kind, str):
        raise PayloadError("expected the event type as a string", path="event.event_type")
    state = _PAGERDUTY_STATES.get(kind)
    if state is None:
        return []
    incident = event.get("data")
    _object(incident, "event.data")
    key = incident.get("id")
    if not isinstance(key, str) or not key:
        raise PayloadError("expected the incident id", path="event.data.id")
    title = _optional_string(incident.get("title"), "event.data.title") or ""
    occurred = _time(event.get("occurred_at"), "event.occurred_at")
    created = _time(incident.get("created_at"), "event.data.created_at")
    return [
        AlertEvent(
            source=AlertSource.pagerduty,
            state=state,
            key=key,
            name=title,
            received_at=received_at or _now(),
            starts_at=created or (occurred if state is AlertState.firing else None),
            ends_at=occurred if state is AlertState.resolved else None,
            annotations={"summary": title} if title else {},
            url=_optional_string(incident.get("html_url"), "event.data.html_url"),
        )
    ]


def read_generic(data: Any, received_at: dt.datetime | None = None) -> list[AlertEvent]:
    """The generic form ``{"message": "...", "labels": {...}}`` (optional ``status``: firing or
    resolved); keyed by a hash of its labels, or of its message when it has none."""
    _object(data, "the body")
    message = data.get("message")
    if not isinstance(message, str) or not message.strip():
        raise PayloadError("expected the alert's message as a non-empty string", path="message")
    labels = _strings(data.get("labels") or {}, "labels")
    status = data.get("status", "firing")
    if status not in ("firing", "resolved"):
        raise PayloadError(f"status {status!r}, expected firing or resolved", path="status")
    return [
        AlertEvent(
            source=AlertSource.generic,
            state=AlertState(status),
            key=labels_key(labels) if labels else labels_key({"message": message}),
            name=labels.get("alertname", message.strip().splitlines()[0]),
            received_at=received_at or _now(),
            labels=labels,
            annotations={"message": message},
        )
    ]


def labels_key(labels: Mapping[str, str]) -> str:
    """A stable key for an alert known only by its labels (the first 16 hex digits of a hash)."""
    text = json.dumps(dict(sorted(labels.items())), separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _object(value: Any, where: str) -> None:
    if not isinstance(value, dict):
        raise PayloadError("expected a JSON object", path=where)


def _strings(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise PayloadError("expected an object of string values", path=where)
    return dict(value)


def _optional_string(value: Any, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    raise PayloadError("expected a string", path=where)


def _time(value: Any, where: str) -> dt.datetime | None:
    if value is None or value == "" or value in _UNSET_TIMES:
        return None
    if not isinstance(value, str):
        raise PayloadError("expected an RFC 3339 time as a string", path=where)
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise PayloadError(f"{value!r} is not an RFC 3339 time", path=where) from None
    if parsed.year <= 1:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
