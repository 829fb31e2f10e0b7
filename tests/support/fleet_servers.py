"""Several real OpenSSH servers on distinct loopback addresses, sharing one set of keys.

Each server is a :func:`tests.support.sshd.start_sshd` server on its own address (127.0.0.2,
127.0.0.3, …) with its own ``bin`` directory first on its logins' ``PATH``, so a test can put a
stand-in on one host only. ``ssh_config`` names them ``host-1``, ``host-2``, … and also reaches
them by address; ``known_hosts`` lists them all. Everything is stopped by the PIDs started here.
"""

from __future__ import annotations

import contextlib
import os
import signal
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.sshd import Keys, SshServer, start_sshd, write_script


@dataclass
class FleetServer:
    """One server of the fleet and its alias."""

    name: str
    server: SshServer

    @property
    def address(self) -> str:
        """The loopback address it listens on."""
        return self.server.address

    @property
    def port(self) -> int:
        """Its port."""
        return self.server.port

    @property
    def bin_dir(self) -> Path:
        """Where stand-ins for this host only go."""
        return self.server.bin_dir

    @property
    def home(self) -> Path:
        """Its logins' HOME."""
        return self.server.home

    def stand_in(self, name: str, text: str) -> Path:
        """Put an executable script ``name`` first on this host's PATH."""
        return write_script(self.bin_dir / name, text)

    def stop(self) -> None:
        """Stop the server by its PID."""
        self.server.stop()

    def drop(self) -> None:
        """Take the host down as a crash would: its server and every session it started."""
        for pid in reversed(_descendants(self.server.process.pid)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.server.process.kill()
        self.server.process.wait(5)


@dataclass
class FleetServers:
    """The servers, their shared keys, and client files that reach every one of them."""

    directory: Path
    keys: Keys
    servers: list[FleetServer] = field(default_factory=list)

    @property
    def known_hosts(self) -> Path:
        """A known_hosts file listing every server's host key."""
        return self.directory / "known_hosts"

    @property
    def ssh_config(self) -> Path:
        """An ssh_config with one ``Host`` alias per server, and their addresses."""
        return self.directory / "ssh_config"

    def names(self) -> list[str]:
        """The server aliases, in order."""
        return [server.name for server in self.servers]

    def by_name(self, name: str) -> FleetServer:
        """The server with alias ``name``."""
        return next(server for server in self.servers if server.name == name)

    def inventory(self, path: Path, groups: dict[str, list[str]] | None = None) -> Path:
        """Write a YAML inventory of the servers by explicit address, port, user and key."""
        lines = ["groups:"]
        for group, members in (groups or {"servers": self.names()}).items():
            lines += [f"  {group}:", "    hosts:"]
            for name in members:
                server = self.by_name(name)
                lines.append(
                    f"      - {{name: {name}, hostname: {server.address}, port: {server.port}, "
                    f"user: root, identity: {self.keys.client}}}"
                )
        path.write_text("\n".join(lines) + "\n")
        return path

    def write_client_files(self) -> None:
        """Write ``known_hosts`` and ``ssh_config`` for the running servers."""
        self.known_hosts.write_text("".join(s.server.known_hosts_line() for s in self.servers))
        blocks = [s.server.ssh_config([s.name], known_hosts=self.known_hosts) for s in self.servers]
        blocks.append(
            f"Host 127.0.0.*\n  User root\n  IdentityFile {self.keys.client}\n"
            f"  IdentitiesOnly yes\n  UserKnownHostsFile {self.known_hosts}\n"
        )
        self.ssh_config.write_text("\n".join(blocks))

    def stop(self) -> None:
        """Stop every server this fixture started."""
        for server in self.servers:
            server.stop()


def start_fleet(directory: Path, count: int, keys: Keys, *, first: int = 2) -> FleetServers:
    """Start ``count`` servers on 127.0.0.<first>, 127.0.0.<first+1>, … sharing ``keys``.

    If one fails to start, the ones already running are stopped before the error propagates.
    """
    fleet = FleetServers(directory, keys)
    try:
        for index in range(count):
            name = f"host-{index + 1}"
            server = start_sshd(directory / name, keys, address=f"127.0.0.{first + index}")
            fleet.servers.append(FleetServer(name, server))
    except BaseException:
        fleet.stop()
        raise
    fleet.write_client_files()
    return fleet


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid``, parents before children (from /proc)."""
    found: list[int] = []
    pending = [pid]
    while pending:
        parent = pending.pop()
        for task in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                children = [int(c) for c in task.read_text().split()]
            except OSError:
                continue
            found += children
            pending += children
    return found
