"""SIGTERM and SIGHUP (a cancelled CI job, a closed terminal) stop the step like Ctrl-C."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from runbookkit.history import open_store
from tests.conftest import ROOT
from tests.execute.test_errors import leftovers, processes, wait_for  # noqa: F401
from tests.support.runbooks import write_runbook

pytestmark = pytest.mark.ssh


@pytest.mark.parametrize("where", ["local", "remote"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_termination_signal_stops_the_step_here_and_on_the_host(
    tmp_path,
    target,
    where,
    signum,
    leftovers,  # noqa: F811
):
    _, files = target
    marker = f"sleep 6{random.randrange(10**6)}.5"  # unique: never a leftover of another test
    leftovers.append(marker)
    line = f'ssh root@target "{marker}; echo late"' if where == "remote" else f"{marker}; echo late"
    after = tmp_path / "after"
    runbook = write_runbook(tmp_path, f"# Step 1: Hang\n{line}\n\n# Step 2: Never\ntouch {after}")
    store = tmp_path / "history.sqlite"
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "runbookkit", "run", str(runbook), "-s", "fix"),
            *("--ssh-config", str(files.ssh_config), "--history", str(store)),
        ],
        cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for(lambda: processes(marker)), "the step never started"
        sent = time.monotonic()
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=15)
        took = time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stdout + stderr
    assert took < 8, took
    assert "Traceback" not in stderr
    name = signal.Signals(signum).name
    assert f"interrupted: step 1 (Hang): interrupted ({name}); the command was stopped" in stderr
    assert wait_for(lambda: not processes(marker), 3), processes(marker)
    assert not after.exists()
    with open_store(store) as opened:
        (run,) = opened.list_runs()
        recorded = opened.get_run(run.id)
    assert (recorded.status, recorded.exit_code, recorded.failed_step) == ("interrupted", 130, 1)
    assert [s.number for s in recorded.steps] == [1]
    assert recorded.finished_at is not None  # finished by runbookkit itself, not reaped later


def test_an_ignored_sighup_stays_ignored(tmp_path, leftovers):  # noqa: F811
    """Under ``nohup`` a closed terminal must not stop the run."""
    marker = f"sleep 2.{random.randrange(10**6)}"
    leftovers.append(marker)
    mark = tmp_path / "done"
    runbook = write_runbook(tmp_path, f"# Step 1: Wait\n{marker}\n\n# Step 2: Mark\ntouch {mark}")
    process = subprocess.Popen(
        [sys.executable, "-m", "runbookkit", "run", str(runbook), "-s", "fix"],
        cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN),
    )
    try:
        assert wait_for(lambda: processes(marker)), "the step never started"
        process.send_signal(signal.SIGHUP)
        stdout, stderr = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stdout + stderr
    assert mark.exists()
