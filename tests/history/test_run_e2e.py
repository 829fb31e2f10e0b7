"""End to end: real ``runbookkit run`` of a local runbook, recorded, then read with ``history``."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from runbookkit.history import open_store
from tests.conftest import ROOT, run_cli
from tests.history.test_reliability import unprivileged
from tests.history.test_secrets import store_bytes

RUNBOOK = """---
title: Demo service down
severity: low
secrets: [PASSWORD]
---

# Demo service down

**Pattern:** `demo down`

## Fix

```bash
# Step 1: Say hello
echo hello
# Expected: hello

# Step 2: Use the secrets
echo "token ${TOKEN} and password ${PASSWORD}" && echo "to stderr ${TOKEN}" >&2

# Step 3: Leave a mark and wait
touch {mark} && sleep {sleep}

# Step 4: Fail
ls /nonexistent-dir-for-the-demo
```
"""
TOKEN = "tok-9f8e7d6c5b4a"
PASSWORD = "pw-Zq8opensesame41"


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """A runbooks directory holding the demo runbook; returns the directory."""
    folder = tmp_path / "runbooks"
    folder.mkdir()
    text = RUNBOOK.replace("{mark}", str(tmp_path / "mark")).replace("{sleep}", "0")
    (folder / "demo.md").write_text(text)
    return folder


def run(
    book: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_cli("run", "demo", "--section", "fix", "--runbooks-dir", str(book), *args, env=env)


def secrets() -> list[str]:
    return ["--secret", f"TOKEN={TOKEN}", "--var", f"PASSWORD={PASSWORD}"]


def test_a_run_is_recorded_step_by_step(book: Path, tmp_path: Path) -> None:
    store = tmp_path / "h.sqlite"
    done = run(book, "--history", str(store), "--operator", "alice@laptop", *secrets())
    assert done.returncode == 1, done.stderr  # step 4 fails
    listed = json.loads(run_cli("history", "--history", str(store), "--json").stdout)
    assert len(listed) == 1
    run_id = listed[0]["id"]
    assert (listed[0]["operator"], listed[0]["status"], listed[0]["exit_code"]) == (
        "alice@laptop",
        "failed",
        1,
    )
    assert (listed[0]["failed_step"], listed[0]["failed_title"]) == (4, "Fail")
    shown = json.loads(
        run_cli("history", "show", run_id[:12], "--history", str(store), "--json").stdout
    )
    steps = shown["steps"]
    assert [s["status"] for s in steps] == ["passed", "passed", "passed", "failed"]
    assert steps[0]["stdout"] == "hello\n" and steps[0]["matched"] is True
    # Values reach the shell as environment: the recorded command never holds them.
    assert steps[1]["commands"] == [
        'echo "token ${TOKEN} and password ${PASSWORD}" && echo "to stderr ${TOKEN}" >&2'
    ]
    assert steps[1]["stdout"] == "token *** and password ***\n"
    assert steps[1]["stderr"] == "to stderr ***\n"
    assert "No such file or directory" in steps[3]["stderr"]
    assert shown["runbook_sha256"] == hashlib.sha256((book / "demo.md").read_bytes()).hexdigest()


def test_an_echoed_secret_is_not_in_the_store_nor_its_wal(book: Path, tmp_path: Path) -> None:
    store = tmp_path / "h.sqlite"
    open_store(store, readonly=False).close()
    keeper = sqlite3.connect(store)  # keeps the WAL file in place while the run writes it
    keeper.execute("SELECT count(*) FROM runs").fetchone()
    done = run(book, "--history", str(store), *secrets())
    assert done.returncode == 1, done.stderr
    assert Path(f"{store}-wal").stat().st_size > 0
    on_disk = store_bytes(store)
    keeper.close()
    assert b"Demo service down" in on_disk  # the run is there ...
    assert TOKEN.encode() not in on_disk and PASSWORD.encode() not in on_disk  # ... its secrets not
    shown = run_cli("history", "show", "0", "--history", str(store))
    assert TOKEN not in shown.stdout and "token *** and password ***" in shown.stdout


def test_the_default_store_sits_beside_the_runbooks(book: Path, tmp_path: Path) -> None:
    env = {"RUNBOOKKIT_HISTORY": ""}
    done = run(book, "--step", "1", env=env)
    assert done.returncode == 0, done.stderr
    default = tmp_path / ".runbookkit" / "history.sqlite"
    with open_store(default) as store:
        assert [r.status for r in store.list_runs()] == ["passed"]


def test_the_environment_chooses_the_store(book: Path, tmp_path: Path) -> None:
    store = tmp_path / "env.sqlite"
    assert run(book, "--step", "1", env={"RUNBOOKKIT_HISTORY": str(store)}).returncode == 0
    with open_store(store) as opened:
        assert len(opened.list_runs()) == 1


@pytest.mark.parametrize("record", [False, True])
def test_a_dry_run_is_recorded_only_when_asked(book: Path, tmp_path: Path, record: bool) -> None:
    store = tmp_path / "h.sqlite"
    flags = ["--record"] if record else []
    done = run(book, "--dry-run", "--history", str(store), *flags, *secrets())
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "mark").exists()
    if not record:
        assert not store.exists()
        return
    with open_store(store) as opened:
        (only,) = opened.list_runs()
        recorded = opened.get_run(only.id)
    assert recorded.dry_run and [s.status for s in recorded.steps] == ["skipped"] * 4
    assert recorded.steps[1].commands == [
        'echo "token ${TOKEN} and password ${PASSWORD}" && echo "to stderr ${TOKEN}" >&2'
    ]
    assert "(dry run)" in run_cli("history", "--history", str(store)).stdout


def unwritable(tmp_path: Path, kind: str) -> Path:
    if kind == "not sqlite":
        path = tmp_path / "notes.txt"
        path.write_text("# these are notes, not a database\n" * 50)
        return path
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    return folder / "history.sqlite"


@pytest.mark.parametrize("kind", ["not sqlite", "read-only directory"])
def test_an_unwritable_store_stops_the_run_before_any_step(
    book: Path, tmp_path: Path, kind: str
) -> None:
    store = unwritable(tmp_path, kind)
    code = "import sys; from runbookkit.cli import main; main(sys.argv[1:])"
    args = ["run", "demo", "--section", "fix", "--runbooks-dir", str(book), "--history", str(store)]
    done = subprocess.run(
        [*unprivileged(), sys.executable, "-c", code, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith(f"{store}: ") and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "hello" not in done.stdout  # step 1 never ran
    assert not (tmp_path / "mark").exists()


def slow_book(tmp_path: Path, name: str, seconds: float) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    mark = tmp_path / f"{name}.mark"
    text = RUNBOOK.replace("{mark}", str(mark)).replace("{sleep}", str(seconds))
    (folder / "demo.md").write_text(text)
    return folder


def start_run(book: Path, store: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "runbookkit", "run", "demo", "--section", "fix"),
            *("--runbooks-dir", str(book), "--history", str(store), *secrets()),
        ],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, so the test can end all it started
    )


def test_two_runs_at_once_on_one_store_both_complete(tmp_path: Path) -> None:
    store = tmp_path / "h.sqlite"
    procs = [start_run(slow_book(tmp_path, name, 0.5), store) for name in ("one", "two")]
    outcomes = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [1, 1], outcomes
    assert not any("locked" in out + err for out, err in outcomes)
    with sqlite3.connect(store) as conn:
        assert conn.execute("SELECT count(*) FROM runs WHERE status = 'failed'").fetchone() == (2,)
        assert conn.execute("SELECT count(*) FROM steps").fetchone() == (8,)


def descendants(root: int) -> list[int]:
    """The PIDs of every process below ``root`` (read from /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(text[text.rindex(")") + 2 :].split()[1])
    found, frontier = [], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def test_a_run_killed_mid_step_is_interrupted_with_its_finished_steps(tmp_path: Path) -> None:
    store = tmp_path / "h.sqlite"
    proc = start_run(slow_book(tmp_path, "slow", 60), store)
    mark = tmp_path / "slow.mark"
    left: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while not mark.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert mark.exists(), proc.stderr
        left = descendants(proc.pid)  # the step's shell and sleep
        os.kill(proc.pid, signal.SIGKILL)  # runbookkit itself, in the middle of step 3
        proc.wait(timeout=10)
    finally:
        for pid in descendants(proc.pid) or left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    with sqlite3.connect(store) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    listed = json.loads(run_cli("history", "--history", str(store), "--json").stdout)
    assert [r["status"] for r in listed] == ["interrupted"]
    shown = json.loads(
        run_cli("history", "show", listed[0]["id"], "--history", str(store), "--json").stdout
    )
    assert [(s["number"], s["status"]) for s in shown["steps"]] == [(1, "passed"), (2, "passed")]


def test_pyproject_chooses_the_store(book: Path, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.runbookkit]\nhistory = "var/runs.sqlite"\n')
    env = {"RUNBOOKKIT_HISTORY": ""}
    done = run_cli(
        "run",
        "demo",
        "-s",
        "fix",
        "--step",
        "1",
        "--runbooks-dir",
        "runbooks",
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "var" / "runs.sqlite").is_file()
    listed = json.loads(run_cli("history", "--json", cwd=tmp_path, env=env).stdout)
    assert [run["status"] for run in listed] == ["passed"]
