"""The incidents on the site: a section on each runbook's page, the Incidents page, the incident
of an alert's diagnosis run on its runs page, and the catalog's incident figures.

Durations are measured from impact start, and a runbook's are given as median and p90 (see
:mod:`runbookkit.incidents`). Every value from an alert (its name, labels, who acknowledged it)
passes :func:`~runbookkit.publish.html.esc`: alert labels are text, never markup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from runbookkit.history.records import duration_label
from runbookkit.incidents import percentile, within_target
from runbookkit.publish.html import badge, esc, when

if TYPE_CHECKING:
    from runbookkit.history.incidents import Incident
    from runbookkit.incidents import Target
    from runbookkit.model import Runbook
    from runbookkit.publish.runs import RunLike

RECENT = dt.timedelta(days=30)
_STATUS_KIND = {"open": "bad", "acknowledged": "warn", "mitigated": "info", "resolved": "ok"}

# Where an incident is shown (the Incidents page's row), and a runbook's page or a run's
# section (None when it is not on the site).
IncidentHref = Callable[[str], str | None]
RunHref = Callable[[str], str | None]


def anchor(incident_id: str) -> str:
    """The HTML id of an incident's row on the Incidents page."""
    return f"incident-{incident_id}"


def status_badge(incident: Incident) -> str:
    """The incident's last milestone as a badge."""
    return badge(incident.status, _STATUS_KIND.get(incident.status, "muted"))


def labels_html(labels: Mapping[str, str]) -> str:
    """An alert's labels as ``name=value`` code chips (— for none)."""
    if not labels:
        return "—"
    return " ".join(f"<code>{esc(name)}={esc(value)}</code>" for name, value in labels.items())


def _link(incident: Incident, href: IncidentHref) -> str:
    text = f"<code>{esc(incident.id)}</code>"
    target = href(incident.id)
    return f'<a href="{esc(target)}">{text}</a>' if target else text


def _verdict(incident: Incident, target: Target | None) -> str:
    verdict = within_target(incident, target)
    if verdict is None:
        return ""
    return " " + (badge("within target", "ok") if verdict else badge("over target", "bad"))


def timeline(incident: Incident) -> str:
    """The incident's milestones in time order, each with its time from impact start."""
    items = []
    for name, at, by in incident.timeline():
        offset = (at - incident.started_at).total_seconds()
        after = f" (+{esc(duration_label(offset))})" if offset > 0 else ""
        who = f" — {esc(by)}" if by else ""
        items.append(f"<li><strong>{esc(name)}</strong> {when(at)}{after}{who}</li>")
    return f'<ol class="rbk-timeline">{"".join(items)}</ol>'


def runbook_section(
    incidents: Sequence[Incident], target: Target | None, href: IncidentHref
) -> str:
    """A runbook page's incidents: the open ones, the last one's timeline, and MTTR median and
    p90 against the runbook's MTTR Target. ``incidents``: the runbook's, newest first."""
    if not incidents:
        return '<p class="rbk-empty">No incidents recorded.</p>'
    parts = [f'<p class="rbk-summary">{esc(figures(incidents, target))}</p>']
    still = [incident for incident in incidents if incident.is_open]
    if still:
        items = "".join(
            f"<li>{_link(i, href)} {esc(i.name)} {status_badge(i)} since {when(i.started_at)}"
            f" {labels_html(i.labels)}</li>"
            for i in still
        )
        parts.append(f'<p>Open incidents:</p><ul class="rbk-open-incidents">{items}</ul>')
    last = incidents[0]
    parts.append(
        f"<p>Last incident {_link(last, href)} {esc(last.name)} {status_badge(last)}"
        f"{_verdict(last, target)}:</p>{timeline(last)}"
    )
    return f'<div class="rbk-incidents">{"".join(parts)}</div>'


def figures(incidents: Sequence[Incident], target: Target | None) -> str:
    """One sentence of a runbook's figures: counts, MTTR median and p90 against the target."""
    mttr = [i.mttr for i in incidents if i.mttr is not None]
    count = f"{len(incidents)} incident{'s' if len(incidents) != 1 else ''}"
    text = f"{count}, {sum(1 for i in incidents if i.is_open)} open."
    if mttr:
        median, p90 = percentile(mttr, 0.5), percentile(mttr, 0.9)
        text += (
            f" MTTR from impact start: median {duration_label(median)}, p90 {duration_label(p90)}"
        )
        if target is not None:
            within = sum(1 for i in incidents if within_target(i, target))
            text += f" (target {target.text}; {within} of {len(mttr)} within it)"
        text += "."
    elif target is not None:
        text += f" MTTR target {target.text}."
    return text


def incidents_page(
    incidents: Sequence[Incident],
    targets: Mapping[str, Target | None],
    *,
    runbook_href: Callable[[str], str | None],
    run_href: RunHref,
) -> str:
    """The Incidents page: every incident, newest first, with its milestones and runs."""
    if not incidents:
        return '<p class="rbk-empty">No incidents recorded.</p>'
    names = ("Incident", "Started", "Alert", "Runbook", "Status", "MTTA", "MTTR", "Labels", "Runs")
    head = "".join(f"<th>{name}</th>" for name in names)
    rows = []
    for incident in incidents:
        target = targets.get(incident.runbook_id or "")
        book = incident.runbook_id
        page = runbook_href(book) if book else None
        book_cell = "unrouted" if not book else f"<code>{esc(book)}</code>"
        if page:
            book_cell = f'<a href="{esc(page)}">{book_cell}</a>'
        repeats = f" ×{incident.repeats + 1}" if incident.repeats else ""
        cells = (
            f"<code>{esc(incident.id)}</code>",
            when(incident.started_at),
            esc(incident.name + repeats),
            book_cell,
            status_badge(incident),
            esc(duration_label(incident.mtta)) or "—",
            (esc(duration_label(incident.mttr)) or "—") + _verdict(incident, target),
            labels_html(incident.labels),
            _runs(incident, run_href),
        )
        row = "".join(f"<td>{cell}</td>" for cell in cells)
        rows.append(f'<tr id="{esc(anchor(incident.id))}">{row}</tr>')
    note = f"{len(incidents)} incidents, newest first; durations from impact start."
    return (
        f'<p class="rbk-summary">{esc(note)}</p><div class="rbk-incidents"><table '
        f'class="rbk-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody>'
        "</table></div>"
    )


def _runs(incident: Incident, run_href: RunHref) -> str:
    links = []
    for run in incident.runs:
        text = f"{esc(run.role)} <code>{esc(run.run_id[:10])}</code>"
        target = run_href(run.run_id)
        links.append(f'<a href="{esc(target)}">{text}</a>' if target else text)
    return "<br>".join(links) or "—"


def run_rows(incidents: Sequence[Incident], href: IncidentHref) -> list[tuple[str, str]]:
    """The rows a run's section on its runs page gets for the incidents it is linked to: the
    incident (linked), and the alert with its labels."""
    rows = []
    for incident in incidents:
        rows.append(("Incident", f"{_link(incident, href)} {status_badge(incident)}"))
        rows.append(("Alert", f"{esc(incident.name)} {labels_html(incident.labels)}"))
    return rows


@dataclass(frozen=True)
class CatalogFigures:
    """A runbook's incident figures for the catalog."""

    recent: int  # incidents whose impact began in the last 30 days
    within: int | None  # of those resolved, how many within the MTTR target (None: no target)
    resolved: int

    def within_text(self) -> str:
        """``2 of 3`` (``—`` without a target or a resolved incident)."""
        if self.within is None or not self.resolved:
            return "—"
        return f"{self.within} of {self.resolved}"


def catalog_figures(
    incidents: Sequence[Incident], target: Target | None, now: dt.datetime
) -> CatalogFigures:
    """The catalog's incident columns of one runbook (``incidents``: the runbook's)."""
    recent = [i for i in incidents if i.started_at >= now - RECENT]
    resolved = [i for i in recent if i.mttr is not None]
    within = None if target is None else sum(1 for i in resolved if within_target(i, target))
    return CatalogFigures(recent=len(recent), within=within, resolved=len(resolved))


class Incidents:
    """The history's incidents as the site's pages need them: by runbook, by run, with each
    runbook's MTTR target."""

    def __init__(self, incidents: Sequence[Incident], runbooks: Mapping[str, Runbook]) -> None:
        self.all = list(incidents)
        self.targets: dict[str, Target | None] = {
            runbook_id: runbook.metadata.mttr for runbook_id, runbook in runbooks.items()
        }
        self._by_runbook: dict[str, list[Incident]] = {}
        self._by_run: dict[str, list[Incident]] = {}
        for incident in self.all:
            if incident.runbook_id is not None:
                self._by_runbook.setdefault(incident.runbook_id, []).append(incident)
            for run in incident.runs:
                self._by_run.setdefault(run.run_id, []).append(incident)

    def of_runbook(self, runbook_id: str) -> list[Incident]:
        """The runbook's incidents, newest first."""
        return self._by_runbook.get(runbook_id, [])

    def catalog(self, runbook_id: str, now: dt.datetime) -> CatalogFigures | None:
        """The runbook's catalog figures (None when the history holds no incidents at all)."""
        if not self.all:
            return None
        return catalog_figures(self.of_runbook(runbook_id), self.targets.get(runbook_id), now)

    def run_rows(
        self, runs: Sequence[RunLike], href: IncidentHref
    ) -> dict[str, list[tuple[str, str]]]:
        """For each of ``runs`` linked to incidents, the rows its section gets."""
        return {
            run.id: run_rows(self._by_run[run.id], href) for run in runs if run.id in self._by_run
        }
