"""Live output of fleet runs over real sshd servers: prefixed lines as they arrive, grouping."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT
from tests.fleet.test_run import events, run_fleet
from tests.support.fleet_servers import FleetServers
from tests.support.runbooks import write_runbook

pytestmark = pytest.mark.ssh

# host-2's status waits (at most 20 s) for a file the test writes once it has seen host-1's line.
SLOW = (
    '#!/bin/sh\nfor i in $(seq 400); do [ -e "$HOME/go" ] && break; sleep 0.05; done\necho late\n'
)
FAST = "#!/bin/sh\necho 'active (running)'\n"
INACTIVE = "#!/bin/sh\necho inactive\nexit 3\n"


@pytest.fixture
def fleet(fleet_servers: FleetServers) -> FleetServers:
    for server in fleet_servers.servers:
        server.stand_in("status", FAST)
        (server.home / "go").unlink(missing_ok=True)
    return fleet_servers


def test_a_fast_hosts_lines_arrive_while_a_slow_host_still_runs(fleet, tmp_path):
    slow = fleet.by_name("host-2")
    slow.stand_in("status", SLOW)
    runbook = write_runbook(tmp_path, "# Step 1: Status\nstatus", name="fleet")
    inventory = fleet.inventory(tmp_path / "inventory.yaml")
    command = [
        *(sys.executable, "-m", "runbookkit", "run", str(runbook), "-s", "fix"),
        *("--hosts", f"@{inventory}", "--ssh-config", str(fleet.ssh_config)),
    ]
    env = {**os.environ, "NO_COLOR": "1", "RUNBOOKKIT_HISTORY": str(tmp_path / "h.sqlite")}
    seen: list[str] = []
    with subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            seen.append(line.rstrip("\n"))
            if line.startswith("host-1 | "):
                # host-2 is still waiting: nothing of it has finished, and it cannot finish
                # before the file exists.
                assert not any(s.startswith(("[host-2]", "host-2 |")) for s in seen), seen
                assert proc.poll() is None
                started = time.monotonic()
                (slow.home / "go").touch()
        code = proc.wait(30)
    assert code == 0, seen
    assert time.monotonic() - started < 15  # host-2 went on once told to, not by its own timeout
    assert "host-1 | active (running)" in seen
    assert "host-2 | late" in seen
    assert seen.index("host-1 | active (running)") < seen.index("host-2 | late")


def test_the_summary_groups_identical_outputs_across_hosts(fleet, tmp_path):
    fleet.by_name("host-3").stand_in("status", INACTIVE)
    steps = "# Step 1: Status\nstatus\n\n# Step 2: Lines\nprintf 'one\\ntwo\\n'"
    result = run_fleet(fleet, tmp_path, "--output", "all", "--keep-going", steps=steps)
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "host-1 |" not in out  # all: in the summary only
    summary = out[out.index("summary:") :]
    assert "    3 hosts (host-[1-2,4]): active (running)\n    host-3: inactive\n" in summary
    assert "    4 hosts (host-[1-4]):\n      | one\n      | two\n" in summary
    assert "host-3 failed at step 1 (Status): exit 3" in summary


@pytest.mark.parametrize(
    ("mode", "shown", "hidden"),
    [
        ("failed", ["    host-3: inactive"], ["active (running)"]),
        ("none", [], ["active (running)", "    host-3: inactive", "host-3 | "]),
        ("prefixed", ["host-3 | inactive", "host-1 | active (running)"], []),
    ],
)
def test_output_modes(fleet, tmp_path, mode, shown, hidden):
    fleet.by_name("host-3").stand_in("status", INACTIVE)
    result = run_fleet(fleet, tmp_path, "--output", mode, steps="# Step 1: Status\nstatus")
    assert result.returncode == 1, result.stderr
    for text in shown:
        assert text in result.stdout
    for text in hidden:
        assert text not in result.stdout
    assert "step 1 Status: passed on 3/4 hosts (host-3 failed)" in result.stdout


def test_follow_shows_one_hosts_lines_and_json_events_carry_the_host(fleet, tmp_path):
    steps = '# Step 1: Where\necho "on $SSH_CONNECTION"'
    result = run_fleet(fleet, tmp_path, "--follow", "host-3", steps=steps)
    assert result.returncode == 0, result.stderr
    live = [line for line in result.stdout.splitlines() if " | on " in line]
    assert len(live) == 1 and live[0].startswith("host-3 | on ")
    done = run_fleet(fleet, tmp_path, "--json", steps=steps)
    outputs = [e for e in events(done.stdout) if e["event"] == "StepOutput"]
    assert sorted(e["host"] for e in outputs) == fleet.names()
    for event in outputs:
        server = fleet.by_name(event["host"])
        assert f"{server.address} {server.port}" in event["text"]


def test_follow_of_an_unknown_host_runs_nothing(fleet, tmp_path):
    result = run_fleet(fleet, tmp_path, "--follow", "host-9", steps="# Step 1: Mark\ntouch x")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert (
        "--follow: host 'host-9' to follow is not a host of this run, expected one of: "
        "host-1, host-2, host-3, host-4"
    ) in result.stderr
    assert not any((s.home / "x").exists() for s in fleet.servers)


def test_output_flags_without_a_fleet_are_refused(tmp_path):
    from tests.conftest import run_cli

    runbook = write_runbook(tmp_path, "# Step 1: Mark\ntouch ran", name="fleet")
    done = run_cli("run", str(runbook), "-s", "fix", "--output", "none", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().endswith("--output applies to fleet runs: add --hosts or --group")
    assert not (tmp_path / "ran").exists()
