"""The PostgreSQL store against a real server: logins, schema versions, the extra, 20 writers."""

from __future__ import annotations

import subprocess
import sys

import psycopg
import pytest

from runbookkit.errors import HistoryError
from runbookkit.execute.events import RunStatus
from runbookkit.history import StoreUnavailable, open_store
from runbookkit.history.location import parse, shown
from runbookkit.history.migrations import SCHEMA_VERSION
from tests.conftest import ROOT, run_cli
from tests.support.net import free_port
from tests.support.postgres import PASSWORD


def test_a_wrong_password_is_one_line_without_any_password(pg_url: str) -> None:
    wrong = pg_url.replace(PASSWORD, "Wr0ng-Guess-77")
    with pytest.raises(HistoryError) as caught:
        open_store(wrong, readonly=False)
    message = str(caught.value)
    assert "password authentication failed" in message and "\n" not in message
    assert "Wr0ng-Guess-77" not in message and PASSWORD not in message
    assert not isinstance(caught.value, StoreUnavailable)  # a wrong login is not spooled
    done = run_cli("history", "--history", wrong)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "Wr0ng-Guess-77" not in done.stderr + done.stdout


def test_the_password_may_come_from_pgpassword_and_is_never_shown(pg_url: str) -> None:
    bare = pg_url.replace(f":{PASSWORD}@", "@")
    done = run_cli("history", "--history", bare, env={"PGPASSWORD": PASSWORD})
    assert done.returncode == 0, done.stderr
    assert "no password supplied" in run_cli("history", "--history", bare).stderr
    listed = run_cli("history", "list", "--history", pg_url)
    assert PASSWORD not in listed.stdout + listed.stderr
    assert shown(pg_url) == bare


@pytest.mark.parametrize(
    ("url", "seen"),
    [
        ("postgresql://u:p%40ss@db.example/team", "postgresql://u@db.example/team"),
        (
            "postgres://db/team?password=hunter2&sslmode=require",
            "postgres://db/team?sslmode=require",
        ),
        ("postgresql://u@db:6432/team", "postgresql://u@db:6432/team"),
    ],
)
def test_a_url_is_shown_without_its_password(url: str, seen: str) -> None:
    assert parse(url).shown == seen


@pytest.mark.parametrize(
    ("value", "backend", "target"),
    [
        ("postgresql://u@h/db", "postgresql", "postgresql://u@h/db"),
        ("sqlite:///runs/h.sqlite", "sqlite", "runs/h.sqlite"),
        ("sqlite:////var/h.sqlite", "sqlite", "/var/h.sqlite"),
        ("ops/h.sqlite", "sqlite", "ops/h.sqlite"),
    ],
)
def test_urls_and_paths_choose_the_backend(value: str, backend: str, target: str) -> None:
    where = parse(value)
    assert (where.backend, where.target) == (backend, target)


def test_a_connection_refused_is_unavailable_in_one_line() -> None:
    url = f"postgresql://nobody:{PASSWORD}@127.0.0.1:{free_port()}/team"
    with pytest.raises(StoreUnavailable) as caught:
        open_store(url)
    message = str(caught.value)
    assert "Connection refused" in message and "\n" not in message and PASSWORD not in message


def test_a_store_of_a_newer_runbookkit_is_refused(pg_url: str) -> None:
    open_store(pg_url, readonly=False).close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO runbookkit_schema VALUES (%s)", (SCHEMA_VERSION + 1,))
    with pytest.raises(HistoryError, match="written by a newer runbookkit"):
        open_store(pg_url, readonly=False)
    done = run_cli("history", "--history", pg_url)
    assert done.returncode == 2 and "newer runbookkit" in done.stderr


def test_another_applications_runs_table_is_refused(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE runs (x integer)")
    with pytest.raises(HistoryError, match="not a runbookkit history store"):
        open_store(pg_url)


def test_an_older_store_is_migrated(pg_url: str) -> None:
    from runbookkit.history.migrations import MIGRATIONS

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE runbookkit_schema (version INTEGER NOT NULL)")
        for migration in MIGRATIONS[:2]:
            for statement in migration.sql("postgresql"):
                conn.execute(statement)  # type: ignore[arg-type]
            conn.execute("INSERT INTO runbookkit_schema VALUES (%s)", (migration.version,))
    with open_store(pg_url, readonly=False) as store:
        assert store.list_runs() == []
    with psycopg.connect(pg_url) as conn:
        found = conn.execute("SELECT max(version) FROM runbookkit_schema").fetchone()
    assert found == (SCHEMA_VERSION,)


def test_without_psycopg_the_error_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['psycopg'] = None; sys.argv = ['runbookkit', 'history', "
        "'--history', 'postgresql://u@127.0.0.1:1/db']; from runbookkit.cli import main; main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.strip().endswith("pip install 'runbookkit[postgres]'")
    assert done.stderr.count("\n") == 1


def test_twenty_concurrent_runs_of_fifty_steps_are_all_recorded(pg_url: str) -> None:
    open_store(pg_url, readonly=False).close()  # migrated once, before the rush
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.history.writer", pg_url, f"w{i:02d}", "1", "50"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(20)
    ]
    outcomes = [proc.communicate(timeout=300) for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * 20, outcomes
    with open_store(pg_url) as store:
        runs = store.list_runs(limit=None)
        assert len(runs) == 20 and {run.status for run in runs} == {RunStatus.passed}
        steps = store.steps_of([run.id for run in runs])
    assert sorted(len(found) for found in steps.values()) == [50] * 20
    assert all([s.seq for s in found] == list(range(1, 51)) for found in steps.values())


@pytest.mark.slow  # twenty processes migrating at once: some ten seconds
def test_twenty_runs_migrating_a_new_database_at_once_agree(pg_url: str) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.history.writer", pg_url, f"m{i:02d}", "1", "2"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(20)
    ]
    outcomes = [proc.communicate(timeout=300) for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * 20, outcomes
    with psycopg.connect(pg_url) as conn:
        versions = conn.execute("SELECT version FROM runbookkit_schema ORDER BY 1").fetchall()
    assert versions == [(v,) for v in range(1, SCHEMA_VERSION + 1)]
