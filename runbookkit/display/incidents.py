"""What ``runbookkit incidents`` shows: the incidents table, the per-runbook figures, and the
JSON of both (durations from impact start, times in UTC)."""

from __future__ import annotations

import datetime as dt
import sys
from typing import TYPE_CHECKING, Any

from runbookkit.history.records import duration_label, timestamp

if TYPE_CHECKING:
    from runbookkit.history.incidents import Incident
    from runbookkit.incidents import RunbookStats, Target


def moment(at: dt.datetime | None) -> str:
    """A time as the incident commands print it: ``2026-01-31 03:12:09 UTC`` (``-``: none)."""
    return at.strftime("%Y-%m-%d %H:%M:%S UTC") if at else "-"


def incident_json(incident: Incident, targets: dict[str, Target | None]) -> dict[str, Any]:
    """An incident as ``incidents --json`` prints it: every field, times in ISO 8601 UTC."""
    from dataclasses import asdict

    from runbookkit.incidents import within_target

    target = targets.get(incident.runbook_id or "")
    data = asdict(incident)
    data.pop("opened")
    for key, value in data.items():
        if isinstance(value, dt.datetime):
            data[key] = timestamp(value)
    for run in data["runs"]:
        run["linked_at"] = timestamp(run["linked_at"])
    data.update(
        status=incident.status,
        mtta=incident.mtta,
        mttr=incident.mttr,
        mttr_target=target.text if target else None,
        within_target=within_target(incident, target),
    )
    return data


def stats_json(figures: RunbookStats) -> dict[str, Any]:
    """One runbook's figures as ``incidents stats --json`` prints them (seconds)."""
    target = figures.target
    return {
        "runbook_id": figures.runbook_id,
        "incidents": figures.incidents,
        "open": figures.open,
        "resolved": figures.resolved,
        "mtta_median": figures.mtta_median,
        "mtta_p90": figures.mtta_p90,
        "mttr_median": figures.mttr_median,
        "mttr_p90": figures.mttr_p90,
        "mttr_target": target.text if target else None,
        "mttr_target_max_seconds": target.max_minutes * 60 if target else None,
        "within_target": figures.within,
        "within_target_share": figures.within_share,
    }


def print_incidents(found: list[Incident], targets: dict[str, Target | None], store: str) -> None:
    """The incidents table, one row per incident, with its MTTA, MTTR and the target."""
    from rich.table import Table

    from runbookkit.incidents import within_target
    from runbookkit.terminal import visible

    table = Table(title=f"incidents in {store} (times in UTC, durations from impact start)")
    columns = ("incident", "started", "alert", "runbook", "status", "MTTA", "MTTR", "target")
    for column in columns:
        table.add_column(column, no_wrap=column in ("incident", "started", "status"))
    for incident in found:
        target = targets.get(incident.runbook_id or "")
        verdict = {True: " (within)", False: " (over)", None: ""}[within_target(incident, target)]
        cells = (
            incident.id,
            incident.started_at.strftime("%Y-%m-%d %H:%M:%S"),
            incident.name + (f" ×{incident.repeats + 1}" if incident.repeats else ""),
            incident.runbook_id or "(unrouted)",
            incident.status,
            duration_label(incident.mtta) or "-",
            (duration_label(incident.mttr) or "-") + verdict,
            target.text if target else "-",
        )
        table.add_row(*map(visible, cells))
    _print(table)


def print_stats(figures: list[RunbookStats], store: str) -> None:
    """Per runbook: incidents, open ones, MTTA and MTTR medians and p90s, within target."""
    from rich.table import Table

    from runbookkit.terminal import visible

    table = Table(title=f"incidents in {store}: medians and 90th percentiles from impact start")
    columns = ("runbook", "incidents", "open", "MTTA p50", "MTTA p90", "MTTR p50", "MTTR p90")
    for column in (*columns, "target", "within target"):
        table.add_column(column)
    for row in figures:
        share = row.within_share
        within = "-" if row.within is None else f"{row.within} of {row.resolved}"
        if share is not None:
            within += f" ({share:.0%})"
        cells = (
            row.runbook_id or "(unrouted)",
            str(row.incidents),
            str(row.open),
            duration_label(row.mtta_median) or "-",
            duration_label(row.mtta_p90) or "-",
            duration_label(row.mttr_median) or "-",
            duration_label(row.mttr_p90) or "-",
            row.target.text if row.target else "-",
            within,
        )
        table.add_row(*map(visible, cells))
    _print(table)


def _print(table: Any) -> None:
    from rich.console import Console

    Console(width=None if sys.stdout.isatty() else 200).print(table)
