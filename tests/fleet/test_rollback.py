"""``--rollback-on-failure`` on a fleet: the rollback runs on exactly the failed hosts."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli
from tests.fleet.test_run import PROBE_FAIL, PROBE_OK, events, run_fleet
from tests.support.fleet_servers import FleetServers

pytestmark = pytest.mark.ssh

STEPS = """
# Step 1: Probe
probe
```

**Rollback Plan (if fix fails):**
```bash
# Step 1: Undo
touch "$HOME/rolled-back"; echo undone

# Step 2: Wipe (WARNING: destructive)
rm -rf "$HOME/victim"
"""


@pytest.fixture
def fleet(fleet_servers: FleetServers) -> FleetServers:
    for server in fleet_servers.servers:
        server.stand_in("probe", PROBE_OK)
        (server.home / "rolled-back").unlink(missing_ok=True)
        (server.home / "victim").mkdir(exist_ok=True)
    fleet_servers.by_name("host-2").stand_in("probe", PROBE_FAIL)
    fleet_servers.by_name("host-4").stand_in("probe", PROBE_FAIL)
    yield fleet_servers
    for server in fleet_servers.servers:
        server.stand_in("probe", PROBE_OK)


def test_the_rollback_runs_on_the_failed_hosts_only_as_one_linked_run(fleet, tmp_path):
    store = str(tmp_path / "history.sqlite")
    result = run_fleet(fleet, tmp_path, "--json", "--rollback-on-failure", steps=STEPS)
    assert result.returncode == 1, result.stderr
    stream = events(result.stdout)
    starts = [e for e in stream if e["event"] == "RunStarted"]
    finishes = [e for e in stream if e["event"] == "RunFinished"]
    assert len(starts) == len(finishes) == 2
    fleet_id, rollback_id = starts[0]["run_id"], starts[1]["run_id"]
    assert starts[1]["rollback_of"] == fleet_id
    assert finishes[0]["rollback_run"] == rollback_id
    failed = {"host-2", "host-4"}
    for name in fleet.names():
        assert (fleet.by_name(name).home / "rolled-back").exists() == (name in failed)
        # The destructive step needs a confirmation nobody can give here: refused everywhere.
        assert (fleet.by_name(name).home / "victim").is_dir()
    undo = [
        e["result"] for e in stream if e["event"] == "StepFinished" and e["run_id"] == rollback_id
    ]
    assert sorted((r["host"], r["number"], r["status"]) for r in undo) == [
        ("host-2", 1, "passed"),
        ("host-2", 2, "declined"),
        ("host-4", 1, "passed"),
        ("host-4", 2, "declined"),
    ]
    assert "rollback run" in result.stderr and "on host-2, host-4" in result.stderr
    # Recorded: the fleet run names its rollback, the rollback the run it follows.
    fleet_run = json.loads(
        run_cli("history", "show", fleet_id, "--json", "--history", store).stdout
    )
    back = json.loads(run_cli("history", "show", rollback_id, "--json", "--history", store).stdout)
    assert fleet_run["rollback_run"] == rollback_id
    assert back["rollback_of"] == fleet_id
    assert sorted({s["host"] for s in back["steps"]}) == sorted(failed)


def test_with_allow_destructive_the_rollbacks_destructive_step_runs_there_too(fleet, tmp_path):
    result = run_fleet(fleet, tmp_path, "--rollback-on-failure", "--allow-destructive", steps=STEPS)
    assert result.returncode == 1, result.stderr
    for name in fleet.names():
        gone = not (fleet.by_name(name).home / "victim").exists()
        assert gone == (name in {"host-2", "host-4"})
    out = result.stdout
    assert "rollback after run" in out and "on 2 hosts" in out
    assert "step 2 Wipe (WARNING: destructive): passed on 2/2 hosts" in out


def test_without_the_flag_the_rollback_is_only_offered(fleet, tmp_path):
    result = run_fleet(fleet, tmp_path, steps=STEPS)
    assert result.returncode == 1
    assert "run it on the failed hosts (host-2, host-4) with --rollback-on-failure" in result.stdout
    assert not any((s.home / "rolled-back").exists() for s in fleet.servers)


def test_on_a_terminal_the_rollback_is_offered_once_and_confirmed_for_the_failed_hosts(
    fleet, tmp_path
):
    pexpect = pytest.importorskip("pexpect")
    from tests.fleet.test_run import _spawn_fleet
    from tests.support.runbooks import write_runbook

    runbook = write_runbook(tmp_path, STEPS, name="fleet")
    child = _spawn_fleet(fleet, tmp_path, runbook)
    child.expect(r"Run the rollback .* on host-2, host-4' \(2 steps\) now\? \[y/N\]: ")
    child.sendline("y")
    child.expect(r"Type the step number \(2\)")
    shown = child.before
    addresses = {s.name: f"{s.address}:{s.port}" for s in fleet.servers}
    assert f"on root@{addresses['host-2']}: rm -rf" in shown
    assert f"on root@{addresses['host-4']}: rm -rf" in shown
    assert addresses["host-1"] not in shown and addresses["host-3"] not in shown
    child.sendline("2")
    child.expect(pexpect.EOF)
    child.close()
    assert "DESTRUCTIVE" not in child.before  # asked once for both hosts
    assert child.exitstatus == 1
    for name in fleet.names():
        gone = not (fleet.by_name(name).home / "victim").exists()
        assert gone == (name in {"host-2", "host-4"})
