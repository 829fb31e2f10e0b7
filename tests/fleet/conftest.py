"""Fixtures of the fleet tests: a set of real sshd servers on distinct loopback addresses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fleet_servers import FleetServers, start_fleet


@pytest.fixture(scope="module")
def fleet_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FleetServers]:
    """Four sshd servers (127.0.0.2 … 127.0.0.5) with shared keys, stopped after the module."""
    fleet = start_fleet(Path(tmp_path_factory.mktemp("fleet")), 4)
    try:
        yield fleet
    finally:
        fleet.stop()
