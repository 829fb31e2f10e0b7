"""What the site is built from: the runbooks directory and the run history, read once per build."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from runbookkit.errors import ParseError
from runbookkit.finder import load_all
from runbookkit.model import Runbook
from runbookkit.secrets import Redactor

if TYPE_CHECKING:
    from runbookkit.history import RunRecord, StepRecord
    from runbookkit.history.incidents import Incident
    from runbookkit.parsing.safety import Policy

RECENT = dt.timedelta(days=30)


@dataclass
class History:
    """The runs the site shows: the latest per runbook (without steps), recent counts, hosts."""

    runs: dict[str, list[RunRecord]] = field(default_factory=dict)
    recent: dict[str, int] = field(default_factory=dict)
    hosts: dict[str, dict[str, bool]] = field(default_factory=dict)  # of fleet runs, by run id
    incidents: list[Incident] = field(default_factory=list)  # every incident, newest first
    reasons: dict[str, str] = field(default_factory=dict)  # why each failed run failed, by id


@dataclass
class Sources:
    """Parsed runbooks (with the files they came from), parse errors and the history."""

    runbooks: list[tuple[Path, Runbook]]
    errors: list[ParseError]
    history: History


def read_runbooks(
    directory: Path, policy: Policy | None = None, *, meanwhile: Callable[[], object] | None = None
) -> tuple[list[tuple[Path, Runbook]], list[ParseError]]:
    """Parse every runbook under ``directory``; a file that fails is reported, not raised
    (``meanwhile``: see :func:`runbookkit.finder.load_all`)."""
    runbooks, errors = load_all(directory, policy, meanwhile=meanwhile)
    return [(Path(rb.path), rb) for rb in runbooks], errors


def read_history(path: Path | str | None, max_runs: int, now: dt.datetime) -> History:
    """The latest ``max_runs`` runs of every runbook, the count of the last 30 days, the hosts
    of fleet runs and every incident; the runs come without their steps (see :func:`load_steps`).

    ``path`` is an SQLite file or a store URL. A file that does not exist yet is an empty
    history, not an error.
    """
    from runbookkit.history import open_store
    from runbookkit.history.incidents import list_incidents
    from runbookkit.history.location import parse
    from runbookkit.history.records import FAILED_STATUSES

    if path is None or (parse(path).backend == "sqlite" and not parse(path).path.exists()):
        return History()

    store = open_store(path, readonly=True)
    try:
        latest = store.runs_by_runbook(max_runs, steps=False) if max_runs else {}
        recent = store.run_counts(since=now - RECENT)
        hosts = store.host_outcomes([run.id for runs in latest.values() for run in runs])
        incidents = list_incidents(store)
        failed = [run for runs in latest.values() for run in runs if run.status in FAILED_STATUSES]
        # The reasons come from the failed steps alone: only those are read.
        steps = store.steps_of([run.id for run in failed], failed=True) if failed else {}
    finally:
        store.close()
    redactor = Redactor()  # a store imported from elsewhere shows no secret shape either
    runs = {key: [redactor.fields(run) for run in found] for key, found in latest.items()}
    return History(
        runs=runs, recent=recent, hosts=hosts, incidents=incidents, reasons=_reasons(runs, steps)
    )


def _reasons(
    runs: dict[str, list[RunRecord]], steps: dict[str, list[StepRecord]]
) -> dict[str, str]:
    """Why each failed run failed (its failed steps are read for this and let go again)."""
    from runbookkit.publish.runs import failure_reason

    redactor = Redactor()
    reasons = {}
    for run in (run for found in runs.values() for run in found if run.id in steps):
        run.steps = [redactor.fields(step) for step in steps[run.id]]
        reasons[run.id] = failure_reason(run)
        run.steps = []
    return reasons


def load_steps(path: Path | str, runs: Sequence[RunRecord]) -> None:
    """Give ``runs`` (read by :func:`read_history` from the store at ``path``) their steps."""
    from runbookkit.history import open_store

    store = open_store(path, readonly=True)
    try:
        steps = store.steps_of([run.id for run in runs])
    finally:
        store.close()
    redactor = Redactor()
    for run in runs:
        run.steps = [redactor.fields(step) for step in steps.get(run.id, [])]
