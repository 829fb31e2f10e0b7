"""Incidents in both stores: opened by an alert, repeated, acknowledged, mitigated, resolved."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from runbookkit.alerts.event import AlertEvent, AlertSource, AlertState
from runbookkit.errors import HistoryError, NotFoundError
from runbookkit.execute.events import RunFinished, RunStatus, StepFinished
from runbookkit.history import HistoryRecorder, Store, incidents, open_store
from runbookkit.history.incidents import (
    DIAGNOSIS,
    IncidentLink,
    acknowledge,
    export_incidents,
    get_incident,
    import_incidents,
    incidents_of_run,
    link_run,
    list_incidents,
    record_alert,
    resolve,
)
from tests.history.conftest import T0, result, started


def alert(
    state: AlertState = AlertState.firing,
    key: str = "fp1",
    *,
    at: float = 30,
    starts: float | None = 0,
    ends: float | None = None,
    source: AlertSource = AlertSource.alertmanager,
) -> AlertEvent:
    """An event of alert ``key``; times in seconds after T0."""
    return AlertEvent(
        source=source,
        state=state,
        key=key,
        name="RedisDown",
        received_at=T0 + dt.timedelta(seconds=at),
        starts_at=None if starts is None else T0 + dt.timedelta(seconds=starts),
        ends_at=None if ends is None else T0 + dt.timedelta(seconds=ends),
        labels={"instance": "cache-1", "job": "redis"},
        annotations={"summary": "redis is down"},
        url="http://prometheus/graph",
    )


def seconds(value: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=value)


def test_the_history_reads_the_states_the_alerts_front_end_gives() -> None:
    """The history compares an event's state with its own constants, not AlertState."""
    states = (incidents.FIRING, incidents.ACKNOWLEDGED, incidents.RESOLVED)
    assert [state.value for state in AlertState] == list(states)


def test_the_first_firing_event_opens_an_incident_and_repeats_are_counted(store: Store) -> None:
    first = record_alert(store, alert(), "redis-down")
    assert first.is_open and first.status == "open" and first.repeats == 0 and first.opened
    assert (first.started_at, first.detected_at) == (T0, seconds(30))
    assert (
        first.labels == {"instance": "cache-1", "job": "redis"} and first.runbook_id == "redis-down"
    )
    again = record_alert(store, alert(at=90), "redis-down")
    assert again.id == first.id and again.repeats == 1 and again.last_event_at == seconds(90)
    assert not again.opened
    other = record_alert(store, alert(key="fp2"), "redis-down")
    assert other.id != first.id
    assert [i.id for i in list_incidents(store, open_only=True)] == [other.id, first.id]


def test_a_resolved_event_resolves_and_gives_the_mttr_from_impact_start(store: Store) -> None:
    opened = record_alert(store, alert(starts=0, at=30), "redis-down")
    done = record_alert(store, alert(AlertState.resolved, at=700, ends=660), "redis-down")
    assert done.id == opened.id and done.status == "resolved"
    assert done.resolved_at == seconds(660) and done.mttr == 660.0
    assert done.resolved_by == "alertmanager resolved"
    # Alertmanager repeats a resolved notification: counted, not a new incident.
    repeat = record_alert(store, alert(AlertState.resolved, at=760, ends=660), "redis-down")
    assert repeat.id == opened.id and repeat.resolved_at == seconds(660)
    # The same alert firing again later is a new incident.
    reopened = record_alert(store, alert(starts=1000, at=1010), "redis-down")
    assert reopened.id != opened.id and reopened.is_open
    assert len(list_incidents(store)) == 2


def test_pagerduty_acknowledged_then_resolved(store: Store) -> None:
    pd = AlertSource.pagerduty
    record_alert(store, alert(key="PD1", source=pd, starts=None, at=10), None)
    acked = record_alert(store, alert(AlertState.acknowledged, "PD1", source=pd, at=70), None)
    assert acked.status == "acknowledged" and acked.mtta == 60.0  # started = received, no startsAt
    assert acked.acknowledged_by == "pagerduty acknowledged"
    later = record_alert(store, alert(AlertState.acknowledged, "PD1", source=pd, at=99), None)
    assert later.acknowledged_at == seconds(70)  # the first acknowledgement counts
    done = record_alert(store, alert(AlertState.resolved, "PD1", source=pd, at=130), None)
    assert done.mttr == 120.0 and [m[0] for m in done.timeline()] == [
        "started",
        "detected",
        "acknowledged",
        "resolved",
    ]


def test_events_of_a_resolved_incident_are_counted_on_it(store: Store) -> None:
    opened = record_alert(store, alert(starts=0, at=30), "redis-down")
    resolve(store, opened.id, "ops", at=seconds(60))  # by hand, while the alert still fires
    still = record_alert(store, alert(starts=0, at=90), "redis-down")  # a repeat notification
    assert still.id == opened.id and still.repeats == 1 and still.resolved_at == seconds(60)
    pd = AlertSource.pagerduty
    first = record_alert(store, alert(key="PD7", source=pd, starts=None, at=10), None)
    record_alert(store, alert(AlertState.resolved, "PD7", source=pd, starts=None, at=20), None)
    late = record_alert(store, alert(AlertState.acknowledged, "PD7", source=pd, starts=None), None)
    assert late.id == first.id and late.acknowledged_at is None  # delivered after it resolved
    assert len(list_incidents(store)) == 2
    again = record_alert(store, alert(key="PD7", source=pd, starts=None, at=99), None)
    assert again.id != first.id  # a firing event without an impact start is a new incident


def test_an_event_for_a_missed_firing_opens_the_incident_first(store: Store) -> None:
    done = record_alert(store, alert(AlertState.resolved, "fp9", starts=5, at=50, ends=40), "x")
    assert done.started_at == seconds(5) and done.resolved_at == seconds(40) and done.mttr == 35
    assert done.opened


def test_ack_and_resolve_by_hand_with_a_prefix(store: Store) -> None:
    incident = record_alert(store, alert(), "redis-down")
    acked, changed = acknowledge(store, incident.id[:20], "ops@box", at=seconds(120))
    assert changed and acked.acknowledged_by == "ops@box" and acked.mtta == 120.0
    assert acknowledge(store, incident.id, "someone else")[1] is False
    done, changed = resolve(store, incident.id, "ops@box", at=seconds(300))
    assert changed and done.mttr == 300.0 and done.resolved_by == "ops@box"
    assert resolve(store, incident.id, "again")[1] is False
    assert acknowledge(store, incident.id, "late")[1] is False  # resolved: nothing to take


def test_unknown_and_ambiguous_ids(store: Store) -> None:
    with pytest.raises(NotFoundError, match="no incident 'NOPE'"):
        get_incident(store, "NOPE")
    with pytest.raises(NotFoundError):
        acknowledge(store, "", "me")
    a = record_alert(store, alert(key="a"), None)
    b = record_alert(store, alert(key="b"), None)
    common = 0
    while a.id[common] == b.id[common]:
        common += 1
    with pytest.raises(HistoryError, match="ambiguous"):
        resolve(store, a.id[:common], "me")
    assert get_incident(store, a.id[: common + 1]).id == a.id


def test_diagnosis_runs_are_linked(store: Store) -> None:
    incident = record_alert(store, alert(), "redis-down")
    linked = link_run(store, incident.id, "run-1", DIAGNOSIS)
    assert [(r.run_id, r.role) for r in linked.runs] == [("run-1", "diagnosis")]
    assert link_run(store, incident.id, "run-1", DIAGNOSIS).runs == linked.runs  # idempotent
    assert [i.id for i in incidents_of_run(store, "run-1")] == [incident.id]
    assert linked.acknowledged_at is None  # the alert's own run is nobody's acknowledgement


def record_run(store: Store, link: IncidentLink, run_id: str, section: str, **kw: object) -> None:
    status = kw.pop("status", RunStatus.passed)
    at = kw.pop("at", seconds(200))
    assert isinstance(at, dt.datetime)
    recorder = HistoryRecorder(store, heartbeat=0, incident=link)
    recorder(started(run_id, "redis-down", at=at, section=section, **kw))
    recorder(StepFinished(run_id, result(1)))
    recorder(RunFinished(run_id, status, 0, at + dt.timedelta(seconds=40)))  # type: ignore[arg-type]
    recorder.close()
    assert recorder.failures == []


def test_a_persons_run_acknowledges_and_a_passing_fix_mitigates(store: Store) -> None:
    incident = record_alert(store, alert(), "redis-down")
    other = record_alert(store, alert(key="fp-other"), "other-runbook")
    told: list[str] = []
    record_run(store, IncidentLink(tell=told.append), "diag-1", "diagnosis")
    now = get_incident(store, incident.id)
    assert now.acknowledged_at == seconds(200) and now.acknowledged_by == "run diag-1 by ops@box"
    assert now.mitigated_at is None and len(told) == 1 and incident.id in told[0]
    assert told[0].endswith("acknowledged by this run")
    record_run(store, IncidentLink(tell=told.append), "diag-2", "diagnosis", at=seconds(250))
    assert "acknowledged already at 03:07:25 UTC by run diag-1 by ops@box" in told[1]
    assert get_incident(store, other.id).acknowledged_at is None  # another runbook's
    record_run(store, IncidentLink(), "fix-fail", "fix", status=RunStatus.failed, at=seconds(300))
    assert get_incident(store, incident.id).mitigated_at is None
    record_run(store, IncidentLink(), "fix-part", "fix", partial="step 2 of 3", at=seconds(400))
    assert get_incident(store, incident.id).mitigated_at is None  # not the whole section
    record_run(store, IncidentLink(), "fix-1", "fix", at=seconds(500))
    done = get_incident(store, incident.id)
    assert done.status == "mitigated" and done.mitigated_at == seconds(540)
    assert done.mitigated_by == "fix-1" and done.acknowledged_at == seconds(200)
    assert {r.run_id for r in done.runs} == {"diag-1", "diag-2", "fix-fail", "fix-part", "fix-1"}


def test_a_run_for_a_named_incident_and_a_diagnosis_link(store: Store) -> None:
    incident = record_alert(store, alert(), "redis-down")
    told: list[str] = []
    link = IncidentLink(incident.id, role=DIAGNOSIS, tell=told.append)
    record_run(store, link, "auto-1", "diagnosis")
    assert get_incident(store, incident.id).acknowledged_at is None
    since = "since 2026-01-02 03:04:05 UTC"
    assert told == [f"incident {incident.id} (RedisDown, {since}): linked to this run (open)"]
    recorder = HistoryRecorder(store, heartbeat=0, incident=IncidentLink("NOPE"))
    recorder(started("r-bad", "redis-down", at=seconds(300)))
    assert "not linked to its incident" in recorder.failures[0]  # the run itself is recorded
    assert store.get_run("r-bad").status == RunStatus.running


def test_a_run_with_no_open_incident_links_nothing(store: Store) -> None:
    incident = record_alert(store, alert(), "redis-down")
    resolve(store, incident.id, "ops", at=seconds(100))
    record_run(store, IncidentLink(), "fix-late", "fix", at=seconds(200))
    assert get_incident(store, incident.id).runs == []


def test_listing_filters(store: Store) -> None:
    old = record_alert(store, alert(key="old", starts=0), "redis-down")
    new = record_alert(store, alert(key="new", starts=5000, at=5001), "other")
    resolve(store, old.id, "ops")
    assert [i.id for i in list_incidents(store)] == [new.id, old.id]
    assert [i.id for i in list_incidents(store, runbook="redis-down")] == [old.id]
    assert [i.id for i in list_incidents(store, since=seconds(100))] == [new.id]
    assert [i.id for i in list_incidents(store, open_only=True)] == [new.id]
    assert [i.id for i in list_incidents(store, limit=1)] == [new.id]


def test_concurrent_firing_events_open_one_incident(store_location: str) -> None:
    errors: list[BaseException] = []

    def fire() -> None:
        try:
            with open_store(store_location, readonly=False) as mine:
                for _ in range(5):
                    record_alert(mine, alert(key="burst"), "redis-down")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=fire) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with open_store(store_location) as reader:
        found = list_incidents(reader)
    assert len(found) == 1 and found[0].repeats == 19


def test_export_and_import_keep_incidents_and_links(store: Store, new_location) -> None:
    first = record_alert(store, alert(key="a"), "redis-down")
    link_run(store, first.id, "run-1", DIAGNOSIS)
    resolve(store, first.id, "ops", at=seconds(99))
    record_alert(store, alert(key="b"), "redis-down")
    exported = list(export_incidents(store))
    with open_store(new_location(), readonly=False) as target:
        record_alert(target, alert(key="b", at=1), "redis-down")  # the same alert, open there
        assert import_incidents(target, exported) == (2, 0)
        assert import_incidents(target, exported) == (0, 2)
        copied = get_incident(target, first.id)
        assert copied.resolved_at == seconds(99) and copied.runs[0].run_id == "run-1"
        assert len(list_incidents(target, open_only=True)) == 1


def test_a_store_of_version_5_gains_the_incident_tables(tmp_path) -> None:
    from tests.history.test_migrations import old_store

    path = tmp_path / "history.sqlite"
    old_store(path, 5)
    with open_store(path) as reader:  # read-only: migrated once, then read
        assert list_incidents(reader) == []
    with open_store(path, readonly=False) as store:
        assert record_alert(store, alert(), "redis-down").opened
        assert store.get_run("old-1").status == RunStatus.failed
