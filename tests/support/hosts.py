"""Test hosts assembled from the real servers: the redis runbook's host, and its client files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.support import standins
from tests.support.redis import RedisService
from tests.support.sshd import ClientFiles, SshServer, client_files

REDIS_RUNBOOK_HOST = "46.149.70.219"


@dataclass
class RedisHost:
    """An sshd standing in for the runbook's host, the redis service on it, client files."""

    server: SshServer
    service: RedisService
    files: ClientFiles

    @property
    def args(self) -> list[str]:
        """Command-line flags that make runbookkit reach this host."""
        return ["--ssh-config", str(self.files.ssh_config)]


def make_redis_host(server: SshServer, service: RedisService, directory: Path) -> RedisHost:
    """Install the stand-ins on ``server`` and write client files mapping the runbook's host."""
    standins.install(server.bin_dir, service)
    files = client_files(server, directory, [REDIS_RUNBOOK_HOST])
    return RedisHost(server, service, files)
