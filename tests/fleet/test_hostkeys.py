"""Host keys in fleet runs: known_hosts is read once for all hosts and checked for each one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.fleet.test_run import events, finished
from tests.support.fleet_servers import FleetServers
from tests.support.runbooks import write_runbook

pytestmark = pytest.mark.ssh


def run(fleet: FleetServers, tmp_path: Path, known_hosts: Path, *args: str):
    """Run a one-step section on every host, with host keys checked against ``known_hosts``."""
    config = tmp_path / "ssh_config"
    config.write_text(f"Host 127.0.0.*\n  IdentitiesOnly yes\n  UserKnownHostsFile {known_hosts}\n")
    runbook = write_runbook(tmp_path, "# Step 1: Where\necho at $SSH_CONNECTION", name="fleet")
    inventory = fleet.inventory(tmp_path / "inventory.yaml")
    return run_cli(
        "run",
        str(runbook),
        "-s",
        "fix",
        "--hosts",
        f"@{inventory}",
        "--ssh-config",
        str(config),
        "--json",
        *args,
        cwd=tmp_path,
        env={"RUNBOOKKIT_HISTORY": str(tmp_path / "history.sqlite")},
    )


def errors(stdout: str) -> dict[str, str]:
    """Each host's step 1 error (empty when it passed)."""
    return {
        e["result"]["host"]: e["result"]["error"] or ""
        for e in events(stdout)
        if e["event"] == "StepFinished"
    }


def test_each_host_is_checked_against_its_own_known_hosts_entry(fleet_servers, tmp_path):
    one, two, three, four = fleet_servers.servers
    known = tmp_path / "known_hosts"
    lines = [
        one.server.known_hosts_line(),
        three.server.known_hosts_line(),
        four.server.known_hosts_line(fleet_servers.keys.other),  # a changed key
    ]
    known.write_text("".join(lines))
    result = run(fleet_servers, tmp_path, known)
    assert result.returncode == 1
    found = errors(result.stdout)
    assert found["host-1"] == found["host-3"] == ""
    assert found["host-2"].startswith(f"unknown host key for {two.server.host_id} (")
    assert found["host-4"].startswith(f"HOST KEY CHANGED for {four.server.host_id}:")
    assert known.read_text() == "".join(lines)


def test_accept_new_records_each_host_once_then_checks_it(fleet_servers, tmp_path):
    known = tmp_path / "known_hosts"
    first = run(fleet_servers, tmp_path, known, "--accept-new-host-key", "--parallel", "4")
    assert first.returncode == 0, first.stderr
    recorded = known.read_text().splitlines(keepends=True)
    assert sorted(recorded) == sorted(s.server.known_hosts_line() for s in fleet_servers.servers)
    again = run(fleet_servers, tmp_path, known)
    assert again.returncode == 0, again.stderr
    assert finished(events(again.stdout)) == {
        name: [(1, "passed")] for name in fleet_servers.names()
    }
    assert known.read_text() == "".join(recorded)


def alias_config(fleet: FleetServers, tmp_path: Path, known: Path, extra: str = "") -> Path:
    """An ssh_config where the alias ``web`` (host-1) has its own ``UserKnownHostsFile``, while
    its address's entry points at an empty one."""
    one = fleet.servers[0]
    config = tmp_path / "alias_config"
    config.write_text(
        f"Host web\n  HostName {one.address}\n  Port {one.port}\n  User root\n"
        f"  IdentityFile {fleet.keys.client}\n  IdentitiesOnly yes\n"
        f"  UserKnownHostsFile {known}\n  GlobalKnownHostsFile /dev/null\n{extra}\n"
        f"Host 127.0.0.*\n  UserKnownHostsFile {tmp_path / 'empty_known_hosts'}\n"
        f"  IdentityFile {fleet.keys.client}\n  IdentitiesOnly yes\n  User root\n"
        "  GlobalKnownHostsFile /dev/null\n"
    )
    return config


def alias_run(tmp_path: Path, config: Path, hosts: str):
    runbook = write_runbook(tmp_path, "# Step 1: Where\necho at $SSH_CONNECTION", name="fleet")
    return run_cli(
        *("run", str(runbook), "-s", "fix", "--hosts", hosts, "--ssh-config", str(config)),
        "--json",
        cwd=tmp_path,
        env={"RUNBOOKKIT_HISTORY": str(tmp_path / "history.sqlite")},
    )


@pytest.mark.parametrize("listed", ["--hosts", "inventory"])
def test_a_fleet_run_uses_the_alias_known_hosts_file(fleet_servers, tmp_path, listed):
    known = tmp_path / "web_known_hosts"
    known.write_text(fleet_servers.servers[0].server.known_hosts_line())
    config = alias_config(fleet_servers, tmp_path, known)
    hosts = "web"
    if listed == "inventory":
        (tmp_path / "inventory.yaml").write_text("groups:\n  web:\n    hosts:\n      - web\n")
        hosts = f"@{tmp_path / 'inventory.yaml'}"
    result = alias_run(tmp_path, config, hosts)
    assert result.returncode == 0, result.stdout + result.stderr
    assert finished(events(result.stdout)) == {"web": [(1, "passed")]}
    assert not (tmp_path / "empty_known_hosts").exists()


def test_a_fleet_run_goes_through_the_alias_jump_host(fleet_servers, tmp_path):
    one, two = fleet_servers.servers[0].server, fleet_servers.servers[1].server
    known = tmp_path / "web_known_hosts"
    known.write_text(one.known_hosts_line() + two.known_hosts_line())
    config = alias_config(
        fleet_servers, tmp_path, known, f"  ProxyJump root@{two.address}:{two.port}"
    )
    result = alias_run(tmp_path, config, "web")
    assert result.returncode == 1
    error = errors(result.stdout)["web"]
    # The jump host is looked up as written (its address's entry, an empty known_hosts).
    assert error.startswith(f"jump host root@{two.address}:{two.port} (for root@{one.address}:")
    assert f"unknown host key for {two.host_id}" in error
