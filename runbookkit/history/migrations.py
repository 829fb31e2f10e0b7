"""The schema of the history stores as one ordered list of forward migrations.

Each migration has its SQL for SQLite and, where PostgreSQL needs other SQL, for PostgreSQL.
SQLite keeps the version a store is at in ``PRAGMA user_version``, PostgreSQL in the table
``runbookkit_schema``; opening a store applies every later migration in one transaction. A
migration is never edited once released: a change to the schema is a new entry at the end, so a
store written by any earlier runbookkit can be opened, and one written by a later one is refused.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runbookkit.errors import HistoryError

if TYPE_CHECKING:
    import psycopg


@dataclass(frozen=True)
class Migration:
    """One step of the schema: the version it leads to, what it does, its SQL statements
    (``postgres``: PostgreSQL's, when they differ from SQLite's)."""

    version: int
    summary: str
    statements: tuple[str, ...]
    postgres: tuple[str, ...] | None = None

    def sql(self, backend: str) -> tuple[str, ...]:
        """The statements for ``backend`` ("sqlite" or "postgresql")."""
        if backend == "postgresql" and self.postgres is not None:
            return self.postgres
        return self.statements


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "runs and their steps",
        (
            """CREATE TABLE runs (
                id TEXT PRIMARY KEY,
                runbook_id TEXT NOT NULL,
                runbook_title TEXT NOT NULL,
                runbook_sha256 TEXT NOT NULL,
                section TEXT NOT NULL,
                operator TEXT NOT NULL,
                targets TEXT NOT NULL,  -- JSON list of labels
                version TEXT NOT NULL,
                started_at TEXT NOT NULL,  -- ISO 8601 UTC, so text order is time order
                finished_at TEXT,
                status TEXT NOT NULL,
                exit_code INTEGER,
                failed_step INTEGER,
                planned_steps INTEGER,
                rollback_of TEXT,
                rollback_run TEXT
            )""",
            "CREATE INDEX runs_by_runbook ON runs (runbook_id, started_at)",
            "CREATE INDEX runs_by_start ON runs (started_at)",
            """CREATE TABLE steps (
                run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                number INTEGER NOT NULL,
                title TEXT NOT NULL,
                target TEXT NOT NULL,
                host TEXT,
                commands TEXT NOT NULL,  -- JSON list, as run
                status TEXT NOT NULL,
                exit_code INTEGER,
                duration REAL NOT NULL,
                expected TEXT,
                matched INTEGER,
                stdout TEXT NOT NULL,
                stderr TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                error TEXT,
                line INTEGER NOT NULL,
                PRIMARY KEY (run_id, seq)
            )""",
        ),
        # Byte order ("C") for the ids and times, as in SQLite; durations in double precision.
        (
            """CREATE TABLE runs (
                id TEXT COLLATE "C" PRIMARY KEY,
                runbook_id TEXT COLLATE "C" NOT NULL,
                runbook_title TEXT NOT NULL,
                runbook_sha256 TEXT NOT NULL,
                section TEXT NOT NULL,
                operator TEXT NOT NULL,
                targets TEXT NOT NULL,
                version TEXT NOT NULL,
                started_at TEXT COLLATE "C" NOT NULL,
                finished_at TEXT,
                status TEXT NOT NULL,
                exit_code INTEGER,
                failed_step INTEGER,
                planned_steps INTEGER,
                rollback_of TEXT,
                rollback_run TEXT
            )""",
            # With the id, a runbook's latest runs come off the index in order, unsorted.
            "CREATE INDEX runs_by_runbook ON runs (runbook_id, started_at, id)",
            "CREATE INDEX runs_by_start ON runs (started_at)",
            """CREATE TABLE steps (
                run_id TEXT COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                number INTEGER NOT NULL,
                title TEXT NOT NULL,
                target TEXT NOT NULL,
                host TEXT,
                commands TEXT NOT NULL,
                status TEXT NOT NULL,
                exit_code INTEGER,
                duration DOUBLE PRECISION NOT NULL,
                expected TEXT,
                matched BOOLEAN,
                stdout TEXT NOT NULL,
                stderr TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                error TEXT,
                line INTEGER NOT NULL,
                PRIMARY KEY (run_id, seq)
            )""",
        ),
    ),
    Migration(
        2,
        "who records a running run (machine, pid, process token) and its heartbeat",
        (
            "ALTER TABLE runs ADD COLUMN machine TEXT",
            "ALTER TABLE runs ADD COLUMN pid INTEGER",
            "ALTER TABLE runs ADD COLUMN process TEXT",
            "ALTER TABLE runs ADD COLUMN heartbeat_at TEXT",
            "CREATE INDEX runs_running ON runs (id) WHERE status = 'running'",
        ),
    ),
    Migration(
        3,
        "dry runs recorded on request (--record)",
        ("ALTER TABLE runs ADD COLUMN dry_run INTEGER NOT NULL DEFAULT 0",),
        ("ALTER TABLE runs ADD COLUMN dry_run BOOLEAN NOT NULL DEFAULT false",),
    ),
    Migration(
        4,
        "partial runs (--step, --from): which of the section's steps were run",
        ("ALTER TABLE runs ADD COLUMN partial TEXT",),
    ),
    Migration(
        5,
        "why a run did not pass (an internal error's message); 'aborted' runs are 'declined'",
        (
            "ALTER TABLE runs ADD COLUMN error TEXT",
            "UPDATE runs SET status = 'declined' WHERE status = 'aborted'",
        ),
    ),
    Migration(
        6,
        "incidents opened by alerts, their milestones and the runs linked to them",
        (
            """CREATE TABLE incidents (
                id TEXT PRIMARY KEY,
                alert_key TEXT NOT NULL,  -- fingerprint, PagerDuty incident id, labels' hash
                source TEXT NOT NULL,
                name TEXT NOT NULL,
                runbook_id TEXT,
                labels TEXT NOT NULL,  -- JSON object
                annotations TEXT NOT NULL,  -- JSON object
                url TEXT,
                repeats INTEGER NOT NULL DEFAULT 0,  -- firing events after the first
                started_at TEXT NOT NULL,  -- impact start (the alert's startsAt)
                detected_at TEXT NOT NULL,  -- when runbookkit received the first event
                last_event_at TEXT NOT NULL,
                acknowledged_at TEXT,
                acknowledged_by TEXT,
                mitigated_at TEXT,
                mitigated_by TEXT,  -- the passing Fix run
                resolved_at TEXT,
                resolved_by TEXT
            )""",
            # One open incident per alert: a repeat finds it, a burst cannot open two.
            "CREATE UNIQUE INDEX incidents_open ON incidents (alert_key) WHERE resolved_at IS NULL",
            "CREATE INDEX incidents_by_key ON incidents (alert_key, started_at)",
            "CREATE INDEX incidents_by_runbook ON incidents (runbook_id, started_at)",
            "CREATE INDEX incidents_by_start ON incidents (started_at)",
            """CREATE TABLE incident_runs (
                incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
                run_id TEXT NOT NULL,
                role TEXT NOT NULL,  -- diagnosis, operator, ...
                linked_at TEXT NOT NULL,
                PRIMARY KEY (incident_id, run_id)
            )""",
            "CREATE INDEX incident_runs_by_run ON incident_runs (run_id)",
        ),
        (
            """CREATE TABLE incidents (
                id TEXT COLLATE "C" PRIMARY KEY,
                alert_key TEXT COLLATE "C" NOT NULL,
                source TEXT NOT NULL,
                name TEXT NOT NULL,
                runbook_id TEXT COLLATE "C",
                labels TEXT NOT NULL,
                annotations TEXT NOT NULL,
                url TEXT,
                repeats INTEGER NOT NULL DEFAULT 0,
                started_at TEXT COLLATE "C" NOT NULL,
                detected_at TEXT COLLATE "C" NOT NULL,
                last_event_at TEXT COLLATE "C" NOT NULL,
                acknowledged_at TEXT COLLATE "C",
                acknowledged_by TEXT,
                mitigated_at TEXT COLLATE "C",
                mitigated_by TEXT,
                resolved_at TEXT COLLATE "C",
                resolved_by TEXT
            )""",
            "CREATE UNIQUE INDEX incidents_open ON incidents (alert_key) WHERE resolved_at IS NULL",
            "CREATE INDEX incidents_by_key ON incidents (alert_key, started_at)",
            "CREATE INDEX incidents_by_runbook ON incidents (runbook_id, started_at)",
            "CREATE INDEX incidents_by_start ON incidents (started_at)",
            """CREATE TABLE incident_runs (
                incident_id TEXT COLLATE "C" NOT NULL
                    REFERENCES incidents (id) ON DELETE CASCADE,
                run_id TEXT COLLATE "C" NOT NULL,
                role TEXT NOT NULL,
                linked_at TEXT COLLATE "C" NOT NULL,
                PRIMARY KEY (incident_id, run_id)
            )""",
            "CREATE INDEX incident_runs_by_run ON incident_runs (run_id)",
        ),
    ),
    Migration(
        7,
        "the alert queue: one row per open (alert, runbook), its state and its diagnosis run",
        (
            """CREATE TABLE alert_queue (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                alert_key TEXT NOT NULL,  -- fingerprint, PagerDuty incident id, labels' hash
                runbook_id TEXT NOT NULL,  -- '' for an unrouted alert
                section TEXT,
                rule TEXT,  -- the routing rule that chose the runbook
                source TEXT NOT NULL,
                name TEXT NOT NULL,
                labels TEXT NOT NULL,  -- JSON object, as sent
                host TEXT,  -- where the run goes, when not the runbook's own targets
                state TEXT NOT NULL,  -- unrouted, queued, running, done
                repeats INTEGER NOT NULL DEFAULT 0,
                received_at TEXT NOT NULL,
                starts_at TEXT,
                updated_at TEXT NOT NULL,
                machine TEXT,
                pid INTEGER,
                process TEXT,
                heartbeat_at TEXT,
                run_id TEXT,
                outcome TEXT,
                closed_at TEXT
            )""",
            "CREATE UNIQUE INDEX alert_queue_open ON alert_queue (alert_key, runbook_id) "
            "WHERE closed_at IS NULL",
            "CREATE INDEX alert_queue_waiting ON alert_queue (id) WHERE state = 'queued'",
        ),
        (
            """CREATE TABLE alert_queue (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                alert_key TEXT COLLATE "C" NOT NULL,
                runbook_id TEXT COLLATE "C" NOT NULL,
                section TEXT,
                rule TEXT,
                source TEXT NOT NULL,
                name TEXT NOT NULL,
                labels TEXT NOT NULL,
                host TEXT,
                state TEXT NOT NULL,
                repeats INTEGER NOT NULL DEFAULT 0,
                received_at TEXT COLLATE "C" NOT NULL,
                starts_at TEXT,
                updated_at TEXT NOT NULL,
                machine TEXT,
                pid INTEGER,
                process TEXT,
                heartbeat_at TEXT,
                run_id TEXT,
                outcome TEXT,
                closed_at TEXT
            )""",
            "CREATE UNIQUE INDEX alert_queue_open ON alert_queue (alert_key, runbook_id) "
            "WHERE closed_at IS NULL",
            "CREATE INDEX alert_queue_waiting ON alert_queue (id) WHERE state = 'queued'",
        ),
    ),
)

SCHEMA_VERSION = MIGRATIONS[-1].version


def version(conn: sqlite3.Connection) -> int:
    """The schema version a store is at (0 for a new, empty database)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, path: str) -> int:
    """Bring the store on ``conn`` (autocommit mode) up to :data:`SCHEMA_VERSION`.

    Returns the version it was at. Raises:
        HistoryError: the file is another application's database, or a newer runbookkit's.
    """
    found = version(conn)
    if found == SCHEMA_VERSION:
        return found
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = version(conn)  # another process may have migrated it while we waited
        _check(conn, found, path)
        for migration in MIGRATIONS:
            if migration.version > found:
                for statement in migration.sql("sqlite"):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {migration.version}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return found


def _check(conn: sqlite3.Connection, found: int, path: str) -> None:
    check_not_newer(found, path)
    if found == 0:
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if tables:
            raise HistoryError(
                "an SQLite database of something else, not a runbookkit history store; "
                "choose another store file",
                path=path,
            )


def check_not_newer(found: int, path: str) -> None:
    """Refuse a store at a schema version this runbookkit does not know."""
    if found > SCHEMA_VERSION:
        raise HistoryError(
            f"written by a newer runbookkit (schema version {found}, this one knows up to "
            f"{SCHEMA_VERSION}); upgrade runbookkit or choose another store",
            path=path,
        )


PG_LOCK = 0x72626B68  # the advisory lock that serialises migrations of one database
PG_VERSION = "SELECT max(version) AS version FROM runbookkit_schema"


def pg_version(conn: psycopg.Connection[Any]) -> int:
    """The schema version of a PostgreSQL store (0 for a database without one)."""
    if not _pg_table(conn, "runbookkit_schema"):
        return 0
    found = conn.execute(PG_VERSION).fetchone()
    return int(next(iter(found.values())) or 0) if found else 0


def _pg_table(conn: psycopg.Connection[Any], name: str) -> bool:
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL AS present", (name,)).fetchone()
    return bool(row and row["present"])


def migrate_postgres(conn: psycopg.Connection[Any], where: str) -> int:
    """Bring the PostgreSQL store on ``conn`` (autocommit mode) up to :data:`SCHEMA_VERSION`.

    Migrations run in one transaction under an advisory lock, so runs starting at once agree.
    Returns the version it was at. Raises:
        HistoryError: the database holds a newer runbookkit's store, or another ``runs`` table.
    """
    found = pg_version(conn)
    if found == SCHEMA_VERSION:
        return found
    # A session lock taken in a statement of its own: the transaction after it starts with a
    # fresh catalog snapshot, so it sees the tables a migration that held the lock committed
    # (a lock taken inside the transaction may leave it with the catalog as it was before).
    conn.execute("SELECT pg_advisory_lock(%s)", (PG_LOCK,))
    try:
        with conn.transaction():
            found = pg_version(conn)
            check_not_newer(found, where)
            if found == 0:
                if _pg_table(conn, "runs"):
                    raise HistoryError(
                        "the database has a runs table that is not a runbookkit history store; "
                        "choose another database",
                        path=where,
                    )
                conn.execute("CREATE TABLE runbookkit_schema (version INTEGER NOT NULL)")
            for migration in MIGRATIONS:
                if migration.version > found:
                    for statement in migration.sql("postgresql"):
                        conn.execute(statement)
                    conn.execute("INSERT INTO runbookkit_schema VALUES (%s)", (migration.version,))
    finally:
        with contextlib.suppress(Exception):  # a connection gone has released it already
            conn.execute("SELECT pg_advisory_unlock(%s)", (PG_LOCK,))
    return found
