"""The SQL of the PostgreSQL store, where it differs from SQLite's (:mod:`.queries`).

Rows map to records with :mod:`.queries` too: the columns are the same. ``%(dead)s`` is a list
of the ids of runs whose recording process is gone (reported as ``interrupted``).
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from runbookkit.history import queries

STATUS = "CASE WHEN status = 'running' AND id = ANY(%(dead)s) THEN 'interrupted' ELSE status END"
RUN_COLUMNS = queries.RUN_COLUMNS.replace(queries.STATUS, STATUS)
STEP_COLUMNS = queries.STEP_COLUMNS

INSERT_RUN = """INSERT INTO runs (id, runbook_id, runbook_title, runbook_sha256, section, operator,
    targets, version, started_at, finished_at, status, exit_code, failed_step, planned_steps,
    rollback_of, rollback_run, dry_run, partial, error, machine, pid, process, heartbeat_at)
    VALUES (%(id)s, %(runbook_id)s, %(runbook_title)s, %(runbook_sha256)s, %(section)s,
    %(operator)s, %(targets)s, %(version)s, %(started_at)s, %(finished_at)s, %(status)s,
    %(exit_code)s, %(failed_step)s, %(planned_steps)s, %(rollback_of)s, %(rollback_run)s,
    %(dry_run)s, %(partial)s, %(error)s, %(machine)s, %(pid)s, %(process)s, %(heartbeat_at)s)"""
INSERT_RUN_IF_NEW = f"{INSERT_RUN} ON CONFLICT (id) DO NOTHING"
_STEP_VALUES = ", ".join(["%s"] * 17)
INSERT_STEP = f"INSERT INTO steps ({STEP_COLUMNS}) VALUES ({_STEP_VALUES})"
INSERT_STEP_IF_NEW = f"{INSERT_STEP} ON CONFLICT (run_id, seq) DO NOTHING"
# One statement, so one round trip: the step and the run's heartbeat.
RECORD_STEP = f"""WITH step AS ({INSERT_STEP})
    UPDATE runs SET heartbeat_at = %s WHERE id = %s"""
HEARTBEAT = "UPDATE runs SET heartbeat_at = %s WHERE id = %s"
FINISH_RUN = """UPDATE runs SET status = %s, exit_code = %s, finished_at = %s, failed_step = %s,
    rollback_run = coalesce(%s, rollback_run), error = %s WHERE id = %s"""
# A run merged in from a spool: its ending, where the store has it running (or, its process
# gone, reaped as interrupted).
MERGE_END = """UPDATE runs SET status = %(status)s, exit_code = %(exit_code)s,
    finished_at = %(finished_at)s, failed_step = %(failed_step)s,
    rollback_run = coalesce(%(rollback_run)s, rollback_run), error = %(error)s
    WHERE id = %(id)s AND status IN ('running', 'interrupted') AND %(status)s <> 'running'"""
RUNNING = queries.RUNNING
REAP = """UPDATE runs SET status = 'interrupted', finished_at = coalesce(heartbeat_at, started_at)
    WHERE status = 'running' AND id = ANY(%(dead)s)"""
RUN_BY_PREFIX = f"""SELECT {RUN_COLUMNS} FROM runs
    WHERE starts_with(id, %(id)s) ORDER BY id LIMIT 10"""
# Each runbook's latest runs off the runs_by_runbook index (a NULL limit: all of them).
LATEST_PER_RUNBOOK = f"""SELECT {RUN_COLUMNS} FROM (SELECT DISTINCT runbook_id AS book FROM runs)
        AS books
    CROSS JOIN LATERAL (SELECT * FROM runs AS latest WHERE latest.runbook_id = books.book
        ORDER BY latest.started_at DESC, latest.id DESC LIMIT %(limit)s::integer) AS runs
    ORDER BY runbook_id, started_at DESC, id DESC"""
RUN_COUNTS = """SELECT runbook_id, count(*) AS n FROM runs WHERE started_at >= %(since)s
    GROUP BY runbook_id"""
EXPORT_BATCH = f"""SELECT {RUN_COLUMNS} FROM runs
    WHERE started_at > %(at)s OR (started_at = %(at)s AND id > %(id)s)
    ORDER BY started_at, id LIMIT %(batch)s"""
STEPS_OF_RUNS = f"""SELECT {STEP_COLUMNS} FROM steps
    WHERE run_id = ANY(%(ids)s) ORDER BY run_id, seq"""
FAILED_STEPS_OF_RUNS = STEPS_OF_RUNS.replace(" ORDER BY", f" AND {queries.FAILED_STEPS} ORDER BY")
HOSTS_OF_RUNS = """SELECT run_id, host, bool_or(status = 'failed') AS failed FROM steps
    WHERE host IS NOT NULL AND run_id = ANY(%(ids)s)
    GROUP BY run_id, host ORDER BY run_id, min(seq)"""


def list_runs(
    *, runbook: str | None, section: str | None, status: str | None, since: dt.datetime | None
) -> str:
    """The query of ``history`` with only the filters that are given (so indexes apply): the
    SQLite one (:func:`.queries.list_runs`) with this store's status and parameters."""
    sql = queries.list_runs(runbook=runbook, section=section, status=status, since=since)
    return named(sql.replace(queries.RUN_COLUMNS, RUN_COLUMNS).replace(queries.STATUS, STATUS))


_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@functools.lru_cache(maxsize=256)
def named(sql: str) -> str:
    """SQL written with SQLite's ``:name`` parameters in psycopg's ``%(name)s`` style."""
    return _NAMED.sub(r"%(\1)s", sql)
