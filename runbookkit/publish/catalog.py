"""The catalog page: every runbook with its summary, owner, tags, severity, Pattern, last run and
review state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from runbookkit.model import Runbook
from runbookkit.publish.html import esc, severity_badge, when
from runbookkit.publish.page import review
from runbookkit.publish.runs import Href, RunLike, run_link, run_status

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
    severity = entry.runbook.metadata.severity
    return (severity.rank if severity else 99, entry.runbook.title.lower(), entry.runbook.id)


def catalog_table(
    entries: Sequence[Entry],
    *,
    today: dt.date,
    href: Href,
    history: bool = True,
    incidents: bool = False,
) -> str:
    """The catalog as an HTML table, sorted by severity.

    Args:
        entries: one per runbook, in any order.
        today: the date reviews are compared with.
        href: link to a run on its runs page, for the last run.
        history: whether to show the run columns (off when the site has no history).
        incidents: whether to show the incident columns (on when the history has incidents).
    """
    names = ["Runbook", "Severity", "Pattern", "Next review"]
    if history:
        names += ["Last run", "Runs (30 days)"]
    if incidents:
        names += ["Incidents (30 days)", "Within MTTR target"]
    head = "".join(f"<th>{name}</th>" for name in names)
    rows = [_row(entry, today, href, history, incidents) for entry in sorted(entries, key=sort_key)]
    overdue = sum(1 for e in entries if _overdue(e.runbook, today))
    note = f"{len(entries)} runbooks, {overdue} with an overdue review."
    return (
        f'<p class="rbk-summary">{esc(note)}</p><div class="rbk-catalog"><table class="rbk-table">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _overdue(runbook: Runbook, today: dt.date) -> bool:
    review_date = runbook.metadata.next_review
    return review_date is not None and review_date < today


def _row(entry: Entry, today: dt.date, href: Href, history: bool, incidents: bool) -> str:
    meta = entry.runbook.metadata
    title = esc(entry.runbook.title)
    name = f'<a href="{esc(entry.href)}">{title}</a>' if entry.href else title
    about = [esc(meta.summary)] if meta.summary else []
    if meta.owner:
        about.append(f"owner: {esc(meta.owner)}")
    if meta.tags:
        about.append("tags: " + ", ".join(esc(tag) for tag in meta.tags))
    details = "".join(f'<br><span class="rbk-about">{part}</span>' for part in about)
    cells = [
        f"{name}<br><code>{esc(entry.runbook.id)}</code>{details}",
        severity_badge(meta.severity.value if meta.severity else None),
        f"<code>{esc(meta.pattern)}</code>" if meta.pattern else "—",
        review(meta.next_review, today),
    ]
    if history:
        last = entry.last_run
        if last is None:
            cells.append("never")
        else:
            link = run_link(last, href, when(last.started_at))
            cells.append(f"{run_status(last)} {link}")
        cells.append(esc(entry.recent_runs))
    if incidents:
        figures = entry.incidents
        cells.append(esc(figures.recent) if figures else "0")
        cells.append(esc(figures.within_text()) if figures else "—")
    return "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"
