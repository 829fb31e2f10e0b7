"""The SQL of the SQLite store, and the mapping between its rows and the records.

Every query that returns runs takes ``:dead``, a JSON list of the ids of runs whose recording
process is gone, and reports those as ``interrupted`` (their stored status still says running).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from runbookkit.execute.events import RunFinished, RunStatus, StepStatus, tail
from runbookkit.history.records import (
    FAILED_STATUSES,
    RunRecord,
    StepRecord,
    parse_timestamp,
    timestamp,
)

Row = sqlite3.Row | Mapping[str, Any]  # an SQLite row, or a PostgreSQL one as a dict

STATUS = (
    "CASE WHEN status = 'running' AND id IN (SELECT value FROM json_each(:dead)) "
    "THEN 'interrupted' ELSE status END"
)
FAILED_TITLE = (
    "(SELECT s.title FROM steps AS s WHERE s.run_id = runs.id AND s.number = runs.failed_step "
    "ORDER BY s.seq LIMIT 1)"
)
RUN_COLUMNS = (
    "id, runbook_id, runbook_title, runbook_sha256, section, operator, targets, version, "
    f"started_at, finished_at, {STATUS} AS status, exit_code, failed_step, planned_steps, "
    f"rollback_of, rollback_run, dry_run, partial, error, machine, pid, "
    # The failed step's title is looked up only for a run that has one.
    f"CASE WHEN runs.failed_step IS NULL THEN NULL ELSE {FAILED_TITLE} END AS failed_title"
)
STEP_COLUMNS = (
    "run_id, seq, number, title, target, host, commands, status, exit_code, duration, expected, "
    "matched, stdout, stderr, attempts, error, line"
)

INSERT_RUN = """INSERT INTO runs (id, runbook_id, runbook_title, runbook_sha256, section, operator,
    targets, version, started_at, finished_at, status, exit_code, failed_step, planned_steps,
    rollback_of, rollback_run, dry_run, partial, error, machine, pid, process, heartbeat_at)
    VALUES (:id, :runbook_id, :runbook_title, :runbook_sha256, :section, :operator, :targets,
    :version, :started_at, :finished_at, :status, :exit_code, :failed_step, :planned_steps,
    :rollback_of, :rollback_run, :dry_run, :partial, :error, :machine, :pid, :process,
    :heartbeat_at)"""
INSERT_RUN_IF_NEW = INSERT_RUN.replace("INSERT INTO", "INSERT OR IGNORE INTO", 1)
INSERT_STEP = f"INSERT INTO steps ({STEP_COLUMNS}) VALUES ({', '.join('?' * 17)})"
INSERT_STEP_IF_NEW = INSERT_STEP.replace("INSERT INTO", "INSERT OR IGNORE INTO", 1)
FINISH_RUN = """UPDATE runs SET status = ?, exit_code = ?, finished_at = ?, failed_step = ?,
    rollback_run = coalesce(?, rollback_run), error = ? WHERE id = ?"""
MERGE_END = """UPDATE runs SET status = :status, exit_code = :exit_code,
    finished_at = :finished_at, failed_step = :failed_step,
    rollback_run = coalesce(:rollback_run, rollback_run), error = :error
    WHERE id = :id AND status IN ('running', 'interrupted') AND :status <> 'running'"""
DELETE_RUN = "DELETE FROM runs WHERE id = ?"
RUNNING = "SELECT id, machine, pid, process, heartbeat_at FROM runs WHERE status = 'running'"
REAP = """UPDATE runs SET status = 'interrupted', finished_at = coalesce(heartbeat_at, started_at)
    WHERE status = 'running' AND id IN (SELECT value FROM json_each(:dead))"""
RUN_BY_PREFIX = f"""SELECT {RUN_COLUMNS} FROM runs
    WHERE id >= :id AND id < :id || char(1114111) ORDER BY id LIMIT 10"""
# Each runbook's latest runs off the runs_by_runbook index (a negative :limit: all of them),
# not a ranking of every run.
LATEST_PER_RUNBOOK = f"""SELECT {RUN_COLUMNS} FROM (SELECT DISTINCT runbook_id AS book FROM runs)
        AS books
    JOIN runs ON runs.id IN (SELECT latest.id FROM runs AS latest
        WHERE latest.runbook_id = books.book
        ORDER BY latest.started_at DESC, latest.id DESC LIMIT :limit)
    ORDER BY runbook_id, started_at DESC, id DESC"""
RUN_COUNTS = "SELECT runbook_id, count(*) FROM runs WHERE started_at >= :since GROUP BY runbook_id"
EXPORT_BATCH = f"""SELECT {RUN_COLUMNS} FROM runs
    WHERE started_at > :at OR (started_at = :at AND id > :id)
    ORDER BY started_at, id LIMIT :batch"""
STEPS_OF_RUNS = f"""SELECT {STEP_COLUMNS} FROM steps
    WHERE run_id IN (SELECT value FROM json_each(:ids)) ORDER BY run_id, seq"""
# The steps a failed run's reason comes from.
FAILED_STEPS = f"status IN ({', '.join(repr(status) for status in sorted(FAILED_STATUSES))})"
FAILED_STEPS_OF_RUNS = STEPS_OF_RUNS.replace(" ORDER BY", f" AND {FAILED_STEPS} ORDER BY")
HOSTS_OF_RUNS = """SELECT run_id, host, max(status = 'failed') AS failed FROM steps
    WHERE host IS NOT NULL AND run_id IN (SELECT value FROM json_each(:ids))
    GROUP BY run_id, host ORDER BY run_id, min(seq)"""


def list_runs(
    *, runbook: str | None, section: str | None, status: str | None, since: dt.datetime | None
) -> str:
    """The query of ``history`` with only the filters that are given (so indexes apply)."""
    where = []
    if runbook is not None:
        where.append("runbook_id = :runbook")
    if section is not None:
        where.append("section = :section")
    if status is not None:
        where.append(f"{STATUS} = :status")
    if since is not None:
        where.append("started_at >= :since")
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    return f"SELECT {RUN_COLUMNS} FROM runs {clause} ORDER BY started_at DESC, id DESC LIMIT :limit"


def run_row(run: RunRecord) -> dict[str, Any]:
    """The column values of a run (without the recording process, which the store adds)."""
    return {
        "id": run.id,
        "runbook_id": run.runbook_id,
        "runbook_title": run.runbook_title,
        "runbook_sha256": run.runbook_sha256,
        "section": run.section,
        "operator": run.operator,
        "targets": json.dumps(run.targets),
        "version": run.version,
        "started_at": timestamp(run.started_at),
        "finished_at": timestamp(run.finished_at) if run.finished_at else None,
        "status": str(run.status),
        "exit_code": run.exit_code,
        "failed_step": run.failed_step,
        "planned_steps": run.planned_steps,
        "rollback_of": run.rollback_of,
        "rollback_run": run.rollback_run,
        "dry_run": run.dry_run,
        "partial": run.partial,
        "error": run.error,
        "machine": run.machine,
        "pid": run.pid,
        "process": None,
        "heartbeat_at": None,
    }


def finish_values(end: RunFinished) -> tuple[Any, ...]:
    """The parameters of :data:`FINISH_RUN` (and of the PostgreSQL one): how a run ended."""
    return (
        str(end.status),
        end.exit_code,
        timestamp(end.finished_at),
        end.failed_step,
        end.rollback_run,
        end.error,
        end.run_id,
    )


def step_row(run_id: str, step: StepRecord) -> tuple[Any, ...]:
    """The column values of a step, in :data:`STEP_COLUMNS` order, outputs cut to their tails."""
    return (
        run_id,
        step.seq,
        step.number,
        step.title,
        step.target,
        step.host,
        json.dumps(step.commands),
        str(step.status),
        step.exit_code,
        step.duration,
        step.expected,
        step.matched,
        tail(step.stdout),
        tail(step.stderr),
        step.attempts,
        step.error,
        step.line,
    )


# Statuses by their stored value: a dict lookup, not an enum call per row.
_RUN_STATUS = {status.value: status for status in RunStatus}
_STEP_STATUS = {status.value: status for status in StepStatus}


def _run_status(value: str) -> RunStatus:
    found = _RUN_STATUS.get(value)
    return RunStatus(value) if found is None else found  # unknown: the enum's own error


def _step_status(value: str) -> StepStatus:
    found = _STEP_STATUS.get(value)
    return StepStatus(value) if found is None else found


@functools.lru_cache(maxsize=4096)
def _texts(stored: str) -> tuple[str, ...]:
    """A stored JSON list of texts (a step's commands, a run's targets), decoded once: the same
    few lists recur in row after row."""
    return tuple(json.loads(stored))


def run_from_row(row: Row) -> RunRecord:
    """A run (without steps) from a row of :data:`RUN_COLUMNS`."""
    finished = row["finished_at"]
    return RunRecord(
        id=row["id"],
        runbook_id=row["runbook_id"],
        runbook_title=row["runbook_title"],
        runbook_sha256=row["runbook_sha256"],
        section=row["section"],
        operator=row["operator"],
        targets=list(_texts(row["targets"])),
        version=row["version"],
        started_at=parse_timestamp(row["started_at"]),
        finished_at=parse_timestamp(finished) if finished else None,
        status=_run_status(row["status"]),
        exit_code=row["exit_code"],
        failed_step=row["failed_step"],
        failed_title=row["failed_title"],
        planned_steps=row["planned_steps"],
        rollback_of=row["rollback_of"],
        rollback_run=row["rollback_run"],
        dry_run=bool(row["dry_run"]),
        partial=row["partial"],
        error=row["error"],
        machine=row["machine"],
        pid=row["pid"],
    )


def step_from_row(row: Row) -> StepRecord:
    """A step from a row of :data:`STEP_COLUMNS`."""
    matched = row["matched"]
    return StepRecord(
        seq=row["seq"],
        number=row["number"],
        title=row["title"],
        target=row["target"],
        host=row["host"],
        commands=list(_texts(row["commands"])),
        status=_step_status(row["status"]),
        exit_code=row["exit_code"],
        duration=row["duration"],
        expected=row["expected"],
        matched=None if matched is None else bool(matched),
        stdout=row["stdout"],
        stderr=row["stderr"],
        attempts=row["attempts"],
        error=row["error"],
        line=row["line"],
    )
