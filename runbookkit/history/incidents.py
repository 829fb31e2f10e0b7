"""Incidents in the history store: opened by an alert, closed when it resolves.

An incident is opened by the first firing event of an alert key (Alertmanager's or Grafana's
fingerprint, PagerDuty's incident id) and holds its milestones, each a time in UTC:

- started: impact start, the alert's ``startsAt`` (when it has none: when it was received);
- detected: when runbookkit received the first event;
- acknowledged: the first operator action: PagerDuty's acknowledged event, ``runbookkit ack``, or
  a ``runbookkit run`` of the incident's runbook by a person while it is open;
- mitigated: the first passing whole run of the runbook's Fix section while it is open;
- resolved: the resolved event, or ``runbookkit resolve``.

Repeats of a firing alert are counted on its open incident; a resolved alert firing again opens
a new one. Every change is one transaction of the store (:meth:`Transactional.transaction`), and a
unique index allows one open incident per key, so concurrent deliveries cannot open two.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from runbookkit.errors import NotFoundError
from runbookkit.execute.events import RunFinished, RunStarted, RunStatus
from runbookkit.execute.ids import new_run_id
from runbookkit.history.records import parse_timestamp, timestamp, utc
from runbookkit.history.store import by_id_or_prefix

if TYPE_CHECKING:
    from runbookkit.history.store import Row, Transaction, Transactional

FIX_SECTION = "fix"  # the canonical id of the Fix section (mitigation, remediation, ...)
DIAGNOSIS = "diagnosis"  # the role of a run started by an alert
OPERATOR = "operator"  # the role of a run started by a person
# What an alert event says of its alert (the values of runbookkit.alerts.event.AlertState).
FIRING, ACKNOWLEDGED, RESOLVED = "firing", "acknowledged", "resolved"


class Alert(Protocol):
    """What an incident keeps of one alert event: the fields of
    :class:`runbookkit.alerts.event.AlertEvent`, which the webhook receiver builds. The history
    reads them through this protocol, so it does not depend on the alerts front end."""

    @property
    def source(self) -> str:
        """Who sent it: ``alertmanager``, ``grafana``, ``pagerduty`` or ``generic``."""
        ...

    @property
    def state(self) -> str:
        """:data:`FIRING`, :data:`ACKNOWLEDGED` or :data:`RESOLVED`."""
        ...

    @property
    def key(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def received_at(self) -> dt.datetime: ...

    @property
    def starts_at(self) -> dt.datetime | None: ...

    @property
    def ends_at(self) -> dt.datetime | None: ...

    @property
    def labels(self) -> Mapping[str, str]: ...

    @property
    def annotations(self) -> Mapping[str, str]: ...

    @property
    def url(self) -> str | None: ...


@dataclass
class IncidentRun:
    """A run linked to an incident: the alert's diagnosis, or a person's run."""

    run_id: str
    role: str
    linked_at: dt.datetime


@dataclass
class Incident:
    """One incident with its milestones (see the module's docstring)."""

    id: str
    key: str
    source: str
    name: str
    runbook_id: str | None
    started_at: dt.datetime
    detected_at: dt.datetime
    last_event_at: dt.datetime
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    url: str | None = None
    repeats: int = 0
    acknowledged_at: dt.datetime | None = None
    acknowledged_by: str | None = None
    mitigated_at: dt.datetime | None = None
    mitigated_by: str | None = None
    resolved_at: dt.datetime | None = None
    resolved_by: str | None = None
    runs: list[IncidentRun] = field(default_factory=list)
    # Set by record_alert on the incident its event opened (not stored: True only there).
    opened: bool = field(default=False, compare=False, repr=False)

    @property
    def is_open(self) -> bool:
        """Not resolved yet."""
        return self.resolved_at is None

    @property
    def status(self) -> str:
        """The last milestone reached: open, acknowledged, mitigated or resolved."""
        if self.resolved_at is not None:
            return "resolved"
        if self.mitigated_at is not None:
            return "mitigated"
        return "acknowledged" if self.acknowledged_at is not None else "open"

    @property
    def mtta(self) -> float | None:
        """Seconds from impact start to the first acknowledgement (None until acknowledged)."""
        return _since(self.started_at, self.acknowledged_at)

    @property
    def mttr(self) -> float | None:
        """Seconds from impact start to resolution (None while open)."""
        return _since(self.started_at, self.resolved_at)

    def timeline(self) -> list[tuple[str, dt.datetime, str]]:
        """The milestones reached, in time order: (name, when, by whom or what)."""
        marks: list[tuple[str, dt.datetime | None, str]] = [
            ("started", self.started_at, "impact start"),
            ("detected", self.detected_at, self.source),
            ("acknowledged", self.acknowledged_at, self.acknowledged_by or ""),
            ("mitigated", self.mitigated_at, self.mitigated_by or ""),
            ("resolved", self.resolved_at, self.resolved_by or ""),
        ]
        reached = [(name, at, by) for name, at, by in marks if at is not None]
        return sorted(reached, key=lambda mark: mark[1])


@dataclass(frozen=True)
class IncidentLink:
    """How a run is tied to incidents as it is recorded.

    ``incident_id`` names one (a unique prefix is enough); None means the open incidents of the
    run's runbook, if any. A run of ``role`` :data:`OPERATOR` (a person) acknowledges them and,
    a passing whole Fix run, mitigates them; a :data:`DIAGNOSIS` run is only linked.
    ``tell`` is called with one line for each incident the run is linked to.
    """

    incident_id: str | None = None
    role: str = OPERATOR
    tell: Callable[[str], None] | None = None


# -- the SQL (named parameters; the PostgreSQL store turns them into its own style) -----------

COLUMNS = (
    "id, alert_key, source, name, runbook_id, labels, annotations, url, repeats, started_at, "
    "detected_at, last_event_at, acknowledged_at, acknowledged_by, mitigated_at, mitigated_by, "
    "resolved_at, resolved_by"
)
_VALUES = ", ".join(f":{name.strip()}" for name in COLUMNS.split(","))
INSERT = f"INSERT INTO incidents ({COLUMNS}) VALUES ({_VALUES})"
# A firing event: a new incident, or one more repeat of the open one (which may learn its runbook).
OPEN_OR_REPEAT = f"""{INSERT}
    ON CONFLICT (alert_key) WHERE resolved_at IS NULL DO UPDATE SET
        repeats = incidents.repeats + 1, last_event_at = excluded.last_event_at,
        runbook_id = coalesce(incidents.runbook_id, excluded.runbook_id)
    RETURNING id"""
INSERT_IF_NEW = f"{INSERT} ON CONFLICT DO NOTHING"
OPEN_BY_KEY = f"SELECT {COLUMNS} FROM incidents WHERE alert_key = :key AND resolved_at IS NULL"
LATEST_BY_KEY = f"""SELECT {COLUMNS} FROM incidents WHERE alert_key = :key
    ORDER BY started_at DESC, id DESC LIMIT 1"""
BY_ID = f"SELECT {COLUMNS} FROM incidents WHERE id = :id"
BY_PREFIX = f"""SELECT {COLUMNS} FROM incidents
    WHERE substr(id, 1, length(CAST(:id AS TEXT))) = :id ORDER BY id LIMIT 10"""
OPEN_OF_RUNBOOK = f"""SELECT {COLUMNS} FROM incidents
    WHERE runbook_id = :runbook AND resolved_at IS NULL AND detected_at <= :at ORDER BY id"""
SEEN = "UPDATE incidents SET last_event_at = :at, repeats = repeats + :repeat WHERE id = :id"
ACKNOWLEDGE = """UPDATE incidents SET acknowledged_at = :at, acknowledged_by = :by
    WHERE id = :id AND acknowledged_at IS NULL"""
MITIGATE = """UPDATE incidents SET mitigated_at = :at, mitigated_by = :by
    WHERE id = :id AND mitigated_at IS NULL"""
RESOLVE = """UPDATE incidents SET resolved_at = :at, resolved_by = :by
    WHERE id = :id AND resolved_at IS NULL"""
LINK = """INSERT INTO incident_runs (incident_id, run_id, role, linked_at)
    VALUES (:incident, :run, :role, :at) ON CONFLICT DO NOTHING"""
LINKS_OF_RUN = f"""SELECT {", ".join(f"i.{c.strip()}" for c in COLUMNS.split(","))}, r.role
    FROM incident_runs AS r JOIN incidents AS i ON i.id = r.incident_id
    WHERE r.run_id = :run ORDER BY i.id"""
RUNS_OF = """SELECT incident_id, run_id, role, linked_at FROM incident_runs
    WHERE incident_id IN ({ids}) ORDER BY incident_id, linked_at, run_id"""
EXPORT_BATCH = f"""SELECT {COLUMNS} FROM incidents WHERE id > :after ORDER BY id LIMIT :batch"""


def list_sql(*, runbook: bool, since: bool, open_only: bool, limited: bool) -> str:
    """The listing query with only the filters that are given, newest first."""
    where = []
    if runbook:
        where.append("runbook_id = :runbook")
    if since:
        where.append("started_at >= :since")
    if open_only:
        where.append("resolved_at IS NULL")
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    limit = " LIMIT :limit" if limited else ""
    return f"SELECT {COLUMNS} FROM incidents {clause} ORDER BY started_at DESC, id DESC{limit}"


# -- changes ----------------------------------------------------------------------------------


def record_alert(store: Transactional, event: Alert, runbook_id: str | None) -> Incident:
    """Apply one alert event to its incident and return the incident as it now stands.

    A firing event opens an incident for its key or counts a repeat on the open one; an
    acknowledged event (PagerDuty) marks it acknowledged; a resolved event resolves it.

    An event of an alert whose last incident is resolved already (a notification repeated,
    delivered late, or an alert still firing after ``runbookkit resolve``) is counted on that
    incident when it is the same alert: the same impact start, or none given by an event that
    is not a firing one. Otherwise a firing event opens a new incident; so does an acknowledged
    or resolved event of an alert runbookkit never saw firing, so its milestones are kept.
    """
    received = timestamp(utc(event.received_at))
    with store.transaction() as tx:
        incident_id = _open_id(tx, event.key)
        if incident_id is None:
            latest = tx.one(LATEST_BY_KEY, {"key": event.key})
            if latest is not None and _same_alert(latest, event):
                tx.execute(SEEN, {"at": received, "repeat": 1, "id": latest["id"]})
                return _get(tx, latest["id"])
        opened = False
        if incident_id is None or event.state == FIRING:
            incident_id, opened = _open_or_repeat(tx, event, runbook_id)  # or counts a repeat
        else:
            tx.execute(SEEN, {"at": received, "repeat": 0, "id": incident_id})
        if event.state == FIRING:
            return _get(tx, incident_id, opened=opened)
        by = f"{event.source} {event.state}"
        if event.state == ACKNOWLEDGED:
            tx.execute(ACKNOWLEDGE, {"at": received, "by": by, "id": incident_id})
        else:
            ended = timestamp(utc(event.ends_at)) if event.ends_at is not None else received
            tx.execute(RESOLVE, {"at": ended, "by": by, "id": incident_id})
        return _get(tx, incident_id, opened=opened)


def _same_alert(latest: Row, event: Alert) -> bool:
    """Whether ``event`` belongs to ``latest``, the resolved last incident of its key."""
    if event.starts_at is None:
        return event.state != FIRING
    return bool(latest["started_at"] == timestamp(utc(event.starts_at)))


def link_run(
    store: Transactional, incident_id: str, run_id: str, role: str = DIAGNOSIS
) -> Incident:
    """Link run ``run_id`` to the incident (``role``: why, e.g. :data:`DIAGNOSIS`).

    Raises:
        NotFoundError: no incident has that id (or prefix).
        HistoryError: the prefix is shared by several incidents.
    """
    with store.transaction() as tx:
        found = _find(tx, incident_id, store.path)
        tx.execute(LINK, {"incident": found, "run": run_id, "role": role, "at": _now()})
        return _get(tx, found)


def acknowledge(
    store: Transactional, incident_id: str, by: str, at: dt.datetime | None = None
) -> tuple[Incident, bool]:
    """Mark the incident acknowledged by ``by`` (``runbookkit ack``); returns it and whether
    this acknowledged it (False: it was acknowledged already, or is resolved)."""
    return _milestone(store, incident_id, ACKNOWLEDGE, by, at, "acknowledged_at")


def resolve(
    store: Transactional, incident_id: str, by: str, at: dt.datetime | None = None
) -> tuple[Incident, bool]:
    """Mark the incident resolved by ``by`` (``runbookkit resolve``); returns it and whether
    this resolved it (False: it was resolved already)."""
    return _milestone(store, incident_id, RESOLVE, by, at, "resolved_at")


def _milestone(
    store: Transactional, incident_id: str, sql: str, by: str, at: dt.datetime | None, column: str
) -> tuple[Incident, bool]:
    moment = timestamp(at) if at is not None else _now()
    with store.transaction() as tx:
        found = _find(tx, incident_id, store.path)
        row = tx.one(BY_ID, {"id": found})
        changed = False
        if row is not None and row[column] is None and row["resolved_at"] is None:
            changed = tx.execute(sql, {"at": moment, "by": by, "id": found}) == 1
        return _get(tx, found), changed


def run_started(
    store: Transactional,
    link: IncidentLink,
    *,
    run_id: str,
    runbook_id: str,
    operator: str,
    started_at: dt.datetime,
) -> list[Incident]:
    """Link a run that just started to its incident(s) (see :class:`IncidentLink`); a person's
    run acknowledges the open ones. Returns the incidents linked.

    Raises:
        NotFoundError, HistoryError: ``link.incident_id`` names no incident, or several.
    """
    at = timestamp(started_at)
    with store.transaction() as tx:
        if link.incident_id is not None:
            ids = [_find(tx, link.incident_id, store.path)]
        else:
            rows = tx.all(OPEN_OF_RUNBOOK, {"runbook": runbook_id, "at": at})
            ids = [row["id"] for row in rows]
        for incident_id in ids:
            tx.execute(LINK, {"incident": incident_id, "run": run_id, "role": link.role, "at": at})
            if link.role == OPERATOR:
                by = f"run {run_id} by {operator}"
                row = tx.one(BY_ID, {"id": incident_id})
                if row is not None and row["resolved_at"] is None:
                    tx.execute(ACKNOWLEDGE, {"at": at, "by": by, "id": incident_id})
        return [_get(tx, incident_id) for incident_id in ids]


def run_finished(store: Transactional, start: RunStarted, finished: RunFinished) -> list[Incident]:
    """A person's run that ended (as ``start`` and ``finished`` say): a passing whole Fix run
    mitigates the incidents it is linked to that were open when it started. Returns the
    incidents it mitigated."""
    fix = start.section.split("/")[0] == FIX_SECTION
    if finished.status != RunStatus.passed or start.partial or not fix:
        return []
    run_id = start.run_id
    began, end = timestamp(start.started_at), timestamp(finished.finished_at)
    mitigated = []
    with store.transaction() as tx:
        for row in tx.all(LINKS_OF_RUN, {"run": run_id}):
            if row["role"] != OPERATOR:
                continue
            resolved = row["resolved_at"]
            if resolved is not None and resolved < began:
                continue  # resolved before this run began: it did not mitigate it
            at = min(end, resolved) if resolved is not None else end
            if tx.execute(MITIGATE, {"at": at, "by": run_id, "id": row["id"]}):
                mitigated.append(_get(tx, row["id"]))
    return mitigated


def _open_or_repeat(tx: Transaction, event: Alert, runbook_id: str | None) -> tuple[str, bool]:
    """The id of the open incident of the event's key, opened now or counting a repeat, and
    whether it was opened now."""
    received = utc(event.received_at)
    started = utc(event.starts_at) if event.starts_at is not None else received
    values = {
        "id": new_run_id(),
        "alert_key": event.key,
        "source": str(event.source),
        "name": event.name,
        "runbook_id": runbook_id,
        "labels": json.dumps(event.labels, sort_keys=True),
        "annotations": json.dumps(event.annotations, sort_keys=True),
        "url": event.url,
        "repeats": 0,
        "started_at": timestamp(started),
        "detected_at": timestamp(received),
        "last_event_at": timestamp(received),
        "acknowledged_at": None,
        "acknowledged_by": None,
        "mitigated_at": None,
        "mitigated_by": None,
        "resolved_at": None,
        "resolved_by": None,
    }
    row = tx.one(OPEN_OR_REPEAT, values)
    assert row is not None  # RETURNING gives the row inserted or updated
    return str(row["id"]), row["id"] == values["id"]


def _open_id(tx: Transaction, key: str) -> str | None:
    row = tx.one(OPEN_BY_KEY, {"key": key})
    return None if row is None else str(row["id"])


def describe_link(incident: Incident, run_id: str) -> str:
    """One line saying run ``run_id`` was linked to ``incident`` and what that did."""
    since = incident.started_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    head = f"incident {incident.id} ({incident.name}, since {since})"
    by = incident.acknowledged_by or ""
    if by.startswith(f"run {run_id} "):
        return f"{head}: acknowledged by this run"
    if incident.acknowledged_at is not None:
        at = incident.acknowledged_at.strftime("%H:%M:%S UTC")
        return f"{head}: linked to this run (acknowledged already at {at} by {by})"
    return f"{head}: linked to this run ({incident.status})"


# -- reading ----------------------------------------------------------------------------------


def get_incident(store: Transactional, incident_id: str) -> Incident:
    """One incident with its runs, by id or a unique prefix of it.

    Raises:
        NotFoundError: no incident has that id (or prefix).
        HistoryError: the prefix is shared by several incidents.
    """
    with store.transaction(write=False) as tx:
        return _get(tx, _find(tx, incident_id, store.path))


def list_incidents(
    store: Transactional,
    *,
    runbook: str | None = None,
    since: dt.datetime | None = None,
    open_only: bool = False,
    limit: int | None = None,
) -> list[Incident]:
    """Incidents (with their runs) newest first by impact start, filtered as given."""
    sql = list_sql(
        runbook=runbook is not None,
        since=since is not None,
        open_only=open_only,
        limited=limit is not None,
    )
    params = {"runbook": runbook, "since": timestamp(since) if since else None, "limit": limit}
    with store.transaction(write=False) as tx:
        return _with_runs(tx, [from_row(row) for row in tx.all(sql, params)])


def incidents_of_run(store: Transactional, run_id: str) -> list[Incident]:
    """The incidents a run is linked to."""
    with store.transaction(write=False) as tx:
        return [_get(tx, row["id"]) for row in tx.all(LINKS_OF_RUN, {"run": run_id})]


def export_incidents(store: Transactional) -> Iterator[Incident]:
    """Every incident with its runs, in id order (so in the order they were opened), in batches."""
    after = ""
    while True:
        with store.transaction(write=False) as tx:
            rows = tx.all(EXPORT_BATCH, {"after": after, "batch": 500})
            batch = _with_runs(tx, [from_row(row) for row in rows])
        if not batch:
            return
        yield from batch
        after = batch[-1].id


def import_incidents(store: Transactional, incidents: Iterable[Incident]) -> tuple[int, int]:
    """Add the incidents not already in the store (by id), with their runs; returns (added,
    already there). An open incident of an alert that has another open incident in the store
    is added closed at its last event (an alert has one open incident at a time)."""
    added = present = 0
    for incident in incidents:
        with store.transaction() as tx:
            if tx.one(BY_ID, {"id": incident.id}) is not None:
                present += 1
                continue
            row = to_row(incident)
            other = _open_id(tx, incident.key) if incident.is_open else None
            if other is not None:
                row["resolved_at"] = row["last_event_at"]
                row["resolved_by"] = "history copy (another incident of this alert is open)"
            tx.execute(INSERT_IF_NEW, row)
            for run in incident.runs:
                link = {"incident": incident.id, "run": run.run_id, "role": run.role}
                tx.execute(LINK, {**link, "at": timestamp(run.linked_at)})
            added += 1
    return added, present


def _find(tx: Transaction, incident_id: str, where: str) -> str:
    rows = tx.all(BY_PREFIX, {"id": incident_id}) if incident_id else []
    return str(by_id_or_prefix(rows, incident_id, "incident", where)["id"])


def _get(tx: Transaction, incident_id: str, *, opened: bool = False) -> Incident:
    row = tx.one(BY_ID, {"id": incident_id})
    if row is None:  # only ever called with an id found in this transaction
        raise NotFoundError(f"no incident {incident_id!r} in the run history")
    incident = _with_runs(tx, [from_row(row)])[0]
    incident.opened = opened
    return incident


def _with_runs(tx: Transaction, incidents: list[Incident]) -> list[Incident]:
    if not incidents:
        return incidents
    by_id = {incident.id: incident for incident in incidents}
    ids = list(by_id)
    for start in range(0, len(ids), 500):
        batch = {f"i{n}": incident_id for n, incident_id in enumerate(ids[start : start + 500])}
        sql = RUNS_OF.format(ids=", ".join(f":{name}" for name in batch))
        for row in tx.all(sql, batch):
            run = IncidentRun(row["run_id"], row["role"], parse_timestamp(row["linked_at"]))
            by_id[row["incident_id"]].runs.append(run)
    return incidents


def from_row(row: Row) -> Incident:
    """An incident (without its runs) from a row of :data:`COLUMNS`."""

    def when(name: str) -> dt.datetime | None:
        value = row[name]
        return parse_timestamp(value) if value else None

    return Incident(
        id=row["id"],
        key=row["alert_key"],
        source=row["source"],
        name=row["name"],
        runbook_id=row["runbook_id"],
        labels=json.loads(row["labels"]),
        annotations=json.loads(row["annotations"]),
        url=row["url"],
        repeats=row["repeats"],
        started_at=parse_timestamp(row["started_at"]),
        detected_at=parse_timestamp(row["detected_at"]),
        last_event_at=parse_timestamp(row["last_event_at"]),
        acknowledged_at=when("acknowledged_at"),
        acknowledged_by=row["acknowledged_by"],
        mitigated_at=when("mitigated_at"),
        mitigated_by=row["mitigated_by"],
        resolved_at=when("resolved_at"),
        resolved_by=row["resolved_by"],
    )


def to_row(incident: Incident) -> dict[str, Any]:
    """The column values of an incident."""

    def when(moment: dt.datetime | None) -> str | None:
        return timestamp(moment) if moment is not None else None

    return {
        "id": incident.id,
        "alert_key": incident.key,
        "source": incident.source,
        "name": incident.name,
        "runbook_id": incident.runbook_id,
        "labels": json.dumps(incident.labels, sort_keys=True),
        "annotations": json.dumps(incident.annotations, sort_keys=True),
        "url": incident.url,
        "repeats": incident.repeats,
        "started_at": timestamp(incident.started_at),
        "detected_at": timestamp(incident.detected_at),
        "last_event_at": timestamp(incident.last_event_at),
        "acknowledged_at": when(incident.acknowledged_at),
        "acknowledged_by": incident.acknowledged_by,
        "mitigated_at": when(incident.mitigated_at),
        "mitigated_by": incident.mitigated_by,
        "resolved_at": when(incident.resolved_at),
        "resolved_by": incident.resolved_by,
    }


def _since(start: dt.datetime, end: dt.datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds()


def _now() -> str:
    return timestamp(dt.datetime.now(dt.UTC))
