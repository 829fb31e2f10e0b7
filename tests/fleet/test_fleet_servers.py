"""The fleet fixture itself: several real sshd servers, each reachable, each with its own PATH."""

from __future__ import annotations

import subprocess

import pytest

from tests.support.fleet_servers import FleetServers

pytestmark = pytest.mark.ssh


def _ssh(fleet: FleetServers, name: str, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["ssh", "-F", str(fleet.ssh_config), "-o", "BatchMode=yes", name, command],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_every_server_answers_on_its_own_address(fleet_servers: FleetServers) -> None:
    addresses = {server.address for server in fleet_servers.servers}
    assert len(addresses) == len(fleet_servers.servers) >= 3
    for server in fleet_servers.servers:
        result = _ssh(fleet_servers, server.name, "echo $SSH_CONNECTION; echo $HOME")
        assert result.returncode == 0, result.stderr
        connection, home = result.stdout.split("\n")[:2]
        assert connection.split()[2:] == [server.address, str(server.port)]
        assert home == str(server.home)


def test_a_stand_in_exists_on_one_host_only(fleet_servers: FleetServers) -> None:
    first, second = fleet_servers.servers[:2]
    first.stand_in("probe", "#!/bin/sh\necho stand-in; exit 1\n")
    try:
        assert _ssh(fleet_servers, first.name, "probe").returncode == 1
        assert _ssh(fleet_servers, second.name, "probe").returncode == 127
    finally:
        (first.bin_dir / "probe").unlink()
