"""A database store that is away: runs spool locally, say so, and are sent later, once each."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from runbookkit.execute.events import RunStatus
from runbookkit.history import open_store
from tests.conftest import ROOT, run_cli
from tests.support.net import free_port
from tests.support.postgres import PASSWORD, Cluster

RUNBOOK = """---
title: Spool demo
severity: low
---

# Spool demo

**Pattern:** `spool demo`

## Fix

```bash
# Step 1: Say hello
echo hello
# Expected: hello

# Step 2: Wait for the go
while [ ! -e {go} ]; do sleep 0.05; done; echo go

# Step 3: Say bye
echo bye
```
"""


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """A runbooks directory with the demo; step 2 waits until ``tmp_path/go`` exists."""
    folder = tmp_path / "runbooks"
    folder.mkdir()
    (folder / "demo.md").write_text(RUNBOOK.replace("{go}", str(tmp_path / "go")))
    return folder


RUN_ARGS = ("run", "demo", "--section", "fix")


def store_args(book: Path, url: str) -> list[str]:
    return ["--runbooks-dir", str(book), "--history", url]


def spool_of(book: Path) -> Path:
    return book.parent / ".runbookkit" / "spool.sqlite"


def run(book: Path, url: str) -> subprocess.CompletedProcess[str]:
    return run_cli("run", "demo", "--section", "fix", "--runbooks-dir", str(book), "--history", url)


def test_a_refused_connection_at_start_spools_the_run_and_push_sends_it_once(
    book: Path, tmp_path: Path, pg_cluster: Cluster
) -> None:
    (tmp_path / "go").touch()
    down = f"postgresql://runbookkit:{PASSWORD}@127.0.0.1:{free_port()}/team"
    done = run(book, down)
    assert done.returncode == 0, done.stderr  # recording elsewhere does not change the outcome
    assert "Connection refused" in done.stderr and str(spool_of(book)) in done.stderr
    assert PASSWORD not in done.stderr + done.stdout
    with open_store(spool_of(book)) as spool:
        [spooled] = spool.list_runs()
        assert spooled.status == RunStatus.passed and len(spool.get_run(spooled.id).steps) == 3
    url = pg_cluster.create_database("spool_refused")
    pushed = run_cli("history", "push", "--runbooks-dir", str(book), "--history", url)
    assert pushed.returncode == 0 and "pushed 1 runs" in pushed.stdout, pushed.stderr
    again = run_cli("history", "push", "--runbooks-dir", str(book), "--history", url)
    assert "pushed 0 runs" in again.stdout
    with open_store(url) as store:
        [run_] = store.list_runs()
        assert run_.id == spooled.id and [s.number for s in store.get_run(run_.id).steps] == [
            1,
            2,
            3,
        ]
    with open_store(spool_of(book)) as spool:
        assert spool.list_runs() == []


def test_the_server_stopped_mid_run_spools_the_rest_and_the_next_run_sends_it(
    book: Path, tmp_path: Path
) -> None:
    cluster = Cluster.create()
    try:
        cluster.start()
        url = cluster.create_database("team")
        env = {**os.environ, "NO_COLOR": "1"}
        env.pop("RUNBOOKKIT_DEBUG", None)
        proc = subprocess.Popen(
            [sys.executable, "-m", "runbookkit", *RUN_ARGS, *store_args(book, url)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while True:  # step 1 is in the database: the run now waits in step 2
            with open_store(url) as store:
                runs = store.list_runs()
                if runs and store.get_run(runs[0].id).steps:
                    run_id = runs[0].id
                    break
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        cluster.stop()
        (tmp_path / "go").touch()
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert "local spool" in err and PASSWORD not in err + out, err
        cluster.start()
        with open_store(url) as store:
            assert [s.number for s in store.get_run(run_id).steps] == [1]
        (tmp_path / "go").unlink()
        (tmp_path / "go").touch()
        second = run(book, url)  # the next run sends the spooled rest first
        assert second.returncode == 0, second.stderr
        assert "sent 1 spooled run(s)" in second.stderr
        with open_store(url) as store:
            first = store.get_run(run_id)
            assert [s.number for s in first.steps] == [1, 2, 3], err  # nothing doubled
            assert first.status == RunStatus.passed
            assert len(store.list_runs()) == 2
    finally:
        cluster.remove()


def test_a_wrong_password_stops_the_run_before_its_first_step(
    book: Path, tmp_path: Path, pg_url: str
) -> None:
    (tmp_path / "go").touch()
    wrong = pg_url.replace(PASSWORD, "N0t-The-Pw-31")
    done = run(book, wrong)
    assert done.returncode == 2
    assert "password authentication failed" in done.stderr and done.stderr.count("\n") == 1
    assert "N0t-The-Pw-31" not in done.stderr + done.stdout and "hello" not in done.stdout
    assert not spool_of(book).exists()
