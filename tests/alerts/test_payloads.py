"""Each source's webhook body read into AlertEvents; a malformed one gives one clear error."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from runbookkit.alerts import payloads
from runbookkit.alerts.event import AlertSource, AlertState
from runbookkit.errors import PayloadError

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def alertmanager(**alert: object) -> dict[str, object]:
    one = {
        "status": "firing",
        "labels": {"alertname": "RedisDown", "instance": "cache-1:6379", "namespace": "shop"},
        "annotations": {"summary": "redis on cache-1 is down", "runbook_url": "x/redis.md"},
        "startsAt": "2026-01-02T03:00:00.123456789Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus/graph",
        "fingerprint": "c0ffee",
        **alert,
    }
    return {
        "version": "4",
        "groupKey": "{}:{}",
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "runbookkit",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {"team": "ops"},
        "externalURL": "http://alertmanager",
        "alerts": [one],
    }


def test_alertmanager_alert() -> None:
    [event] = payloads.read(json.dumps(alertmanager()).encode(), NOW)
    assert event.source is AlertSource.alertmanager
    assert event.state is AlertState.firing
    assert (event.key, event.name) == ("c0ffee", "RedisDown")
    assert event.labels["namespace"] == "shop"
    assert event.annotations == {
        "team": "ops",
        "summary": "redis on cache-1 is down",
        "runbook_url": "x/redis.md",
    }
    assert event.starts_at == dt.datetime(2026, 1, 2, 3, 0, 0, 123456, tzinfo=dt.UTC)
    assert event.ends_at is None
    assert event.received_at == NOW
    assert event.url == "http://prometheus/graph"
    assert event.text == "redis on cache-1 is down"


def test_alertmanager_resolved_and_several_alerts() -> None:
    body = alertmanager(status="resolved", endsAt="2026-01-02T03:10:00Z")
    body["alerts"] = [*body["alerts"], {**body["alerts"][0], "fingerprint": "beef"}]  # type: ignore[misc]
    events = payloads.read(body, NOW)
    assert [e.key for e in events] == ["c0ffee", "beef"]
    assert events[0].state is AlertState.resolved
    assert events[0].ends_at == dt.datetime(2026, 1, 2, 3, 10, tzinfo=dt.UTC)


def test_alertmanager_without_fingerprint_is_keyed_by_labels() -> None:
    body = alertmanager(fingerprint=None)
    [event] = payloads.read(body, NOW)
    assert event.key == payloads.labels_key(event.labels)
    assert len(event.key) == 16


def test_grafana_alert() -> None:
    body = alertmanager(
        silenceURL="http://grafana/silence",
        dashboardURL="http://grafana/d/1",
        panelURL="http://grafana/d/1?viewPanel=2",
        values={"B": 1.0},
    )
    body.update(orgId=1, version="1", title="[FIRING:1] RedisDown", state="alerting")
    [event] = payloads.read(body, NOW)
    assert event.source is AlertSource.grafana
    assert event.name == "RedisDown"


@pytest.mark.parametrize(
    ("kind", "state"),
    [
        ("incident.triggered", AlertState.firing),
        ("incident.acknowledged", AlertState.acknowledged),
        ("incident.resolved", AlertState.resolved),
    ],
)
def test_pagerduty_events(kind: str, state: AlertState) -> None:
    body = {
        "event": {
            "id": "01EVENT",
            "event_type": kind,
            "resource_type": "incident",
            "occurred_at": "2026-01-02T03:05:00.000Z",
            "data": {
                "id": "PINC42",
                "type": "incident",
                "number": 42,
                "title": "Redis connection refused",
                "status": kind.split(".")[1],
                "html_url": "https://x.pagerduty.com/incidents/PINC42",
                "service": {"id": "PSVC", "summary": "shop"},
            },
        }
    }
    [event] = payloads.read(body, NOW)
    assert event.source is AlertSource.pagerduty
    assert (event.state, event.key, event.name) == (state, "PINC42", "Redis connection refused")
    assert event.labels == {}
    assert event.text == "Redis connection refused"
    occurred = dt.datetime(2026, 1, 2, 3, 5, tzinfo=dt.UTC)
    assert event.starts_at == (occurred if state is AlertState.firing else None)


def test_pagerduty_other_event_types_give_no_alert() -> None:
    body = {"event": {"id": "E", "event_type": "incident.annotated", "data": {}}}
    assert payloads.read(body, NOW) == []


def test_generic_form() -> None:
    [event] = payloads.read(b'{"message": "disk full on db-1", "labels": {"host": "db-1"}}', NOW)
    assert event.source is AlertSource.generic
    assert event.name == "disk full on db-1"
    assert event.key == payloads.labels_key({"host": "db-1"})
    assert event.text == "disk full on db-1"
    [again] = payloads.read({"message": "other words", "labels": {"host": "db-1"}}, NOW)
    assert again.key == event.key


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "the body is not JSON at line 1 column 2"),
        (b"\xff\xfe", "the body is not JSON"),
        (b"[1, 2]", "the body is not a JSON object"),
        (b'{"hello": 1}', "not an Alertmanager, Grafana, PagerDuty or generic payload"),
        (b'{"version": "3", "alerts": []}', "version: Alertmanager payload version '3'"),
        (b'{"version": "4", "alerts": {}}', "alerts: expected a list of alerts"),
        (b'{"alerts": [7]}', "alerts[0]: expected a JSON object"),
        (
            b'{"alerts": [{"status": "firing", "labels": {"a": 1}}]}',
            "alerts[0].labels: expected an object of string values",
        ),
        (b'{"alerts": [{"status": "odd"}]}', "alerts[0].status: status 'odd'"),
        (
            b'{"alerts": [{"status": "firing", "startsAt": "yesterday"}]}',
            "alerts[0].startsAt: 'yesterday' is not an RFC 3339 time",
        ),
        (b'{"event": {"event_type": 5}}', "event.event_type: expected the event type"),
        (
            b'{"event": {"event_type": "incident.triggered", "data": {}}}',
            "event.data.id: expected the incident id",
        ),
        (b'{"message": ""}', "message: expected the alert's message"),
        (b'{"message": "x", "labels": ["a"]}', "labels: expected an object of string values"),
    ],
)
def test_malformed_bodies_give_one_clear_error(body: bytes, message: str) -> None:
    with pytest.raises(PayloadError) as caught:
        payloads.read(body, NOW)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
