"""The catalog page: every runbook with its severity, title, owner, MTTR target, tags, review
state, last run (with why it failed) and runs of the last 30 days, sortable and filterable."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from runbookkit.model import Runbook, severity_rank
from runbookkit.publish.html import esc, severity_badge, when
from runbookkit.publish.page import review
from runbookkit.publish.runs import Href, RunLike, failure_cell, run_link, run_status

if TYPE_CHECKING:
    from runbookkit.publish.incidents import CatalogFigures


@dataclass(frozen=True)
class Entry:
    """One runbook in the catalog, with what the history says about it."""

    runbook: Runbook
    href: str | None  # link to the runbook's page
    last_run: RunLike | None = None
    recent_runs: int = 0  # runs in the last 30 days
    incidents: CatalogFigures | None = None  # incidents in the last 30 days, within target


def sort_key(entry: Entry) -> tuple[int, str, str]:
    """Most severe first, then by title; runbooks without a severity last."""
    rank = severity_rank(entry.runbook.metadata.severity)
    return (rank, entry.runbook.title.lower(), entry.runbook.id)


COLUMNS = [  # (heading, how the script sorts it)
    ("Severity", "num"),
    ("Runbook", "text"),
    ("Owner", "text"),
    ("MTTR target", "num"),
    ("Tags", "text"),
    ("Next review", "text"),
]
HISTORY_COLUMNS = [("Last run", "text"), ("Runs (30 days)", "num")]
INCIDENT_COLUMNS = [("Incidents (30 days)", "num"), ("Within MTTR target", "text")]


def catalog_table(
    entries: Sequence[Entry],
    *,
    today: dt.date,
    href: Href,
    history: bool = True,
    incidents: bool = False,
    reasons: Mapping[str, str] | None = None,
) -> str:
    """The catalog as an HTML table, sorted by severity, with a filter box and tag choice.

    Every cell carries the value it sorts by (``data-sort``) and every row its tags
    (``data-tags``, a JSON list), which the site's script sorts and filters by (see
    ``runbookkit.js``); without the script the table stays a sorted table.

    Args:
        entries: one per runbook, in any order.
        today: the date reviews are compared with.
        href: link to a run on its runs page, for the last run.
        history: whether to show the run columns (off when the site has no history).
        reasons: why each failed run failed, by run id, shown with the last run.
        incidents: whether to show the incident columns (on when the history has incidents).
    """
    columns = (
        COLUMNS + (HISTORY_COLUMNS if history else []) + (INCIDENT_COLUMNS if incidents else [])
    )
    head = "".join(
        f'<th data-sort-type="{kind}" aria-sort="none"><button type="button" '
        f'class="rbk-sort">{esc(name)}</button></th>'
        for name, kind in columns
    )
    ordered = sorted(entries, key=sort_key)
    rows = [_row(entry, today, href, history, reasons or {}, incidents) for entry in ordered]
    overdue = sum(1 for e in entries if _overdue(e.runbook, today))
    note = f"{len(entries)} runbooks, {overdue} with an overdue review."
    tags = sorted({tag for e in entries for tag in e.runbook.metadata.tags}, key=str.lower)
    options = "".join(f'<option value="{esc(tag)}">{esc(tag)}</option>' for tag in tags)
    controls = (
        '<div class="rbk-controls"><label>Filter <input type="search" class="rbk-filter" '
        'placeholder="title, owner, Pattern…"></label> <label>Tag <select class="rbk-tag">'
        f'<option value="">all</option>{options}</select></label> '
        '<span class="rbk-shown"></span></div>'
    )
    return (
        f'<p class="rbk-summary">{esc(note)}</p>{controls}<div class="rbk-catalog">'
        f'<table class="rbk-table rbk-sortable"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _overdue(runbook: Runbook, today: dt.date) -> bool:
    review_date = runbook.metadata.next_review
    return review_date is not None and review_date < today


def _cell(html: str, sort: object, css: str = "") -> str:
    kind = f' class="{css}"' if css else ""
    return f'<td{kind} data-sort="{esc(sort)}">{html}</td>'


def _row(
    entry: Entry,
    today: dt.date,
    href: Href,
    history: bool,
    reasons: Mapping[str, str],
    incidents: bool,
) -> str:
    meta = entry.runbook.metadata
    title = esc(entry.runbook.title)
    name = f'<a href="{esc(entry.href)}">{title}</a>' if entry.href else title
    about = f'<br><span class="rbk-about">{esc(meta.summary)}</span>' if meta.summary else ""
    rank = severity_rank(meta.severity)
    tags = " ".join(f'<span class="rbk-tag-chip">{esc(tag)}</span>' for tag in meta.tags)
    cells = [
        _cell(severity_badge(meta.severity.value if meta.severity else None), rank),
        _cell(f"{name}<br><code>{esc(entry.runbook.id)}</code>{about}", title, "rbk-title"),
        _cell(esc(meta.owner) if meta.owner else "—", meta.owner or ""),
        _cell(
            esc(meta.mttr.text) if meta.mttr else "—", meta.mttr.max_minutes if meta.mttr else ""
        ),
        _cell(tags or "—", " ".join(meta.tags)),
        _cell(review(meta.next_review, today), meta.next_review or ""),
    ]
    if history:
        last = entry.last_run
        if last is None:
            cells.append(_cell("never", ""))
        else:
            link = run_link(last, href, when(last.started_at))
            failure = failure_cell(last, reasons.get(last.id))
            below = f'<br><span class="rbk-about">{failure}</span>' if failure else ""
            cells.append(_cell(f"{run_status(last)} {link}{below}", last.started_at.isoformat()))
        cells.append(_cell(esc(entry.recent_runs), entry.recent_runs))
    if incidents:
        figures = entry.incidents
        cells.append(
            _cell(esc(figures.recent) if figures else "0", figures.recent if figures else 0)
        )
        within = figures.within_text() if figures else "—"
        cells.append(_cell(esc(within), within))
    data = json.dumps(meta.tags, ensure_ascii=False)
    return f'<tr data-tags="{esc(data)}">' + "".join(cells) + "</tr>"
