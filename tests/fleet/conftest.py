"""Fixtures of the fleet tests: real sshd servers on distinct loopback addresses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fleet_servers import FleetServers, start_fleet


@pytest.fixture(scope="module")
def fleet_servers(tmp_path_factory: pytest.TempPathFactory, ssh_keys) -> Iterator[FleetServers]:
    """Four sshd servers (127.0.0.2 … 127.0.0.5) sharing ``ssh_keys``, stopped after the module."""
    if not Path("/usr/sbin/sshd").exists():
        pytest.skip("sshd is not installed (scripts/system-deps installs it)")
    fleet = start_fleet(Path(tmp_path_factory.mktemp("fleet")), 4, ssh_keys)
    try:
        yield fleet
    finally:
        fleet.stop()
