"""The store under stress: concurrent writers, a writer killed mid-step, unwritable places."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from runbookkit.errors import HistoryError
from runbookkit.execute.events import RunStatus
from runbookkit.history import open_store
from runbookkit.history.liveness import STALE
from tests.conftest import ROOT, run_cli
from tests.history.conftest import run_events
from tests.history.test_store import record


def writer(store: Path, prefix: str, runs: int, steps: int, *extra: str) -> subprocess.Popen[str]:
    """Start ``tests.history.writer`` in its own process."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.history.writer",
            str(store),
            prefix,
            str(runs),
            str(steps),
            *extra,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_writers_at_once_lose_nothing(store_path: Path) -> None:
    procs = [writer(store_path, prefix, 60, 5) for prefix in ("a", "b")]
    outcomes = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outcomes
    assert not any("locked" in err for _, err in outcomes)
    with sqlite3.connect(store_path) as conn:
        assert conn.execute("SELECT count(*) FROM runs WHERE status = 'passed'").fetchone() == (
            120,
        )
        assert conn.execute("SELECT count(*) FROM steps").fetchone() == (600,)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_writer_killed_mid_step_leaves_an_interrupted_run(store_path: Path) -> None:
    proc = writer(store_path, "k", 1, 5, "--hang-after", "2", "--heartbeat", "0.05")
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "hanging"
    with open_store(store_path) as store:
        assert store.get_run("k-0000").status == RunStatus.running  # alive: still running
    beats = set()
    with sqlite3.connect(store_path) as conn:
        for _ in range(40):  # the heartbeat moves on while the step hangs
            beats.add(conn.execute("SELECT heartbeat_at FROM runs").fetchone()[0])
            time.sleep(0.05)
    assert len(beats) > 3
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    with sqlite3.connect(store_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with open_store(store_path) as store:
        run = store.get_run("k-0000")
    assert run.status == RunStatus.interrupted
    assert [step.number for step in run.steps] == [1, 2]


def test_a_run_recorded_elsewhere_is_interrupted_when_its_heartbeat_stops(store_path: Path) -> None:
    with open_store(store_path, readonly=False) as store:
        record(store, run_events("far", steps=3)[:2])
    fresh = dt.datetime.now(dt.UTC)
    for beat, expected in ((fresh, RunStatus.running), (fresh - 2 * STALE, RunStatus.interrupted)):
        with sqlite3.connect(store_path) as conn:
            conn.execute(
                "UPDATE runs SET machine = 'elsewhere', heartbeat_at = ?", (beat.isoformat(),)
            )
        with open_store(store_path) as store:
            assert store.get_run("far").status == expected
            assert [r.id for r in store.list_runs(status=str(expected))] == ["far"]


def test_a_writable_open_marks_dead_runs_interrupted_for_good(store_path: Path) -> None:
    with open_store(store_path, readonly=False) as store:
        record(store, run_events("gone", steps=3)[:2])
    with sqlite3.connect(store_path) as conn:
        conn.execute("UPDATE runs SET pid = 999999999, process = 'boot:0'")
    open_store(store_path, readonly=False).close()
    with sqlite3.connect(store_path) as conn:
        assert conn.execute("SELECT status FROM runs").fetchone() == ("interrupted",)


def unprivileged() -> list[str]:
    """A command prefix that makes root obey file permissions (it keeps its uid)."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def open_writable_in_subprocess(path: Path) -> subprocess.CompletedProcess[str]:
    code = "import sys; from runbookkit.cli import main; main(sys.argv[1:])"
    export = path.parent.parent / "empty.jsonl"
    export.write_text("")
    return subprocess.run(
        [
            *unprivileged(),
            sys.executable,
            "-c",
            code,
            "history",
            "import",
            "--history",
            str(path),
            str(export),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("mode", ["read-only directory", "read-only file"])
def test_an_unwritable_store_is_a_one_line_error(tmp_path: Path, mode: str) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "history.sqlite"
    if mode == "read-only file":
        open_store(path, readonly=False).close()
        path.chmod(0o444)
    folder.chmod(0o555)
    try:
        done = open_writable_in_subprocess(path)
    finally:
        folder.chmod(0o755)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"{path}: cannot write the run history"), done.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"# runbook notes\n" * 100, "not an SQLite database"),
        (b"", None),  # an empty file is a new store
    ],
)
def test_a_file_that_is_not_sqlite_is_refused(
    tmp_path: Path, content: bytes, message: str | None
) -> None:
    path = tmp_path / "history.sqlite"
    path.write_bytes(content)
    if message is None:
        open_store(path, readonly=False).close()
        return
    with pytest.raises(HistoryError, match=message):
        open_store(path, readonly=False)
    done = run_cli("history", "--history", str(path))
    assert done.returncode == 2 and done.stderr.startswith(f"{path}: not an SQLite database")


def test_a_directory_in_place_of_the_store_is_refused(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="not a file"):
        open_store(tmp_path, readonly=False)


def test_a_store_in_a_read_only_directory_can_still_be_read(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    path = folder / "history.sqlite"
    with open_store(path, readonly=False) as store:
        record(store, run_events("r1"))
    folder.chmod(0o555)
    try:
        code = "import sys; from runbookkit.cli import main; main(sys.argv[1:])"
        done = subprocess.run(
            [
                *unprivileged(),
                sys.executable,
                "-c",
                code,
                "history",
                "--json",
                "--history",
                str(path),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        folder.chmod(0o755)
    assert done.returncode == 0, done.stderr
    assert '"id": "r1"' in done.stdout
