"""Helpers for run tests: runbooks written on the fly, and a test host named ``target``."""

from __future__ import annotations

import pytest

from tests.support.sshd import client_files


@pytest.fixture
def target(sshd, tmp_path):
    """A real sshd known to an ssh_config as ``target`` (its host key in known_hosts)."""
    files = client_files(sshd, tmp_path / "client", ["target"])
    return sshd, files
