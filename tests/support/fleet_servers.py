"""Several real OpenSSH servers on distinct loopback addresses, sharing one set of keys.

Each server listens on its own address (127.0.0.2, 127.0.0.3, …), runs as the current user,
accepts only the generated client key, and gives its logins a clean ``HOME`` and a ``PATH`` that
starts with its own ``bin`` directory, so a test can put a stand-in on one host only. Servers
are stopped by the PID this module started them with.
"""

from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

SSHD = "/usr/sbin/sshd"
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def keygen(path: Path) -> Path:
    """Generate an ed25519 key pair without passphrase at ``path`` (and ``path.pub``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "runbookkit-test", "-f", str(path)],
        check=True,
    )
    return path


@dataclass
class Server:
    """One running sshd of the fleet."""

    name: str
    address: str
    port: int
    directory: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    @property
    def bin_dir(self) -> Path:
        """Where stand-ins for this host only go (first on its logins' PATH)."""
        return self.directory / "bin"

    @property
    def home(self) -> Path:
        """The logins' HOME on this host."""
        return self.directory / "home"

    def stop(self, timeout: float = 5) -> None:
        """Stop the server by its PID: SIGTERM, then SIGKILL if it lingers."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)

    def stand_in(self, name: str, text: str) -> Path:
        """Put an executable script ``name`` first on this host's PATH."""
        path = self.bin_dir / name
        path.write_text(text)
        path.chmod(0o755)
        return path


@dataclass
class FleetServers:
    """The servers, their shared keys, and client files that reach every one of them."""

    directory: Path
    host_key: Path
    client_key: Path
    servers: list[Server] = field(default_factory=list)

    @property
    def known_hosts(self) -> Path:
        """A known_hosts file listing every server's host key."""
        return self.directory / "known_hosts"

    @property
    def ssh_config(self) -> Path:
        """An ssh_config with one ``Host`` alias per server (``host-1`` …)."""
        return self.directory / "ssh_config"

    def names(self) -> list[str]:
        """The server aliases, in order."""
        return [server.name for server in self.servers]

    def by_name(self, name: str) -> Server:
        """The server with alias ``name``."""
        return next(server for server in self.servers if server.name == name)

    def inventory(self, path: Path, groups: dict[str, list[str]] | None = None) -> Path:
        """Write a YAML inventory of the servers (by explicit address, port, user and key)."""
        lines = ["groups:"]
        for group, members in (groups or {"all-servers": self.names()}).items():
            lines.append(f"  {group}:")
            lines.append("    hosts:")
            for name in members:
                server = self.by_name(name)
                lines.append(
                    f"      - {{name: {name}, hostname: {server.address}, port: {server.port}, "
                    f"user: root, identity: {self.client_key}}}"
                )
        path.write_text("\n".join(lines) + "\n")
        return path

    def stop(self) -> None:
        """Stop every server this fixture started."""
        for server in self.servers:
            server.stop()

    def write_client_files(self) -> None:
        """Write ``known_hosts`` and ``ssh_config`` for the running servers."""
        public = self.host_key.with_suffix(".pub").read_text().split()
        self.known_hosts.write_text(
            "".join(f"[{s.address}]:{s.port} {public[0]} {public[1]}\n" for s in self.servers)
        )
        self.ssh_config.write_text(
            "\n".join(
                f"Host {s.name}\n  HostName {s.address}\n  Port {s.port}\n  User root\n"
                f"  IdentityFile {self.client_key}\n  IdentitiesOnly yes\n"
                f"  UserKnownHostsFile {self.known_hosts}\n"
                for s in self.servers
            )
        )


def start_fleet(directory: Path, count: int, *, first: int = 2) -> FleetServers:
    """Start ``count`` sshd servers on 127.0.0.<first>, 127.0.0.<first+1>, … (one port each).

    On failure, every server already started is stopped before the error propagates.
    """
    directory.mkdir(parents=True, exist_ok=True)
    fleet = FleetServers(
        directory, keygen(directory / "host_ed25519"), keygen(directory / "client_ed25519")
    )
    authorized = directory / "authorized_keys"
    authorized.write_text(fleet.client_key.with_suffix(".pub").read_text())
    Path("/run/sshd").mkdir(parents=True, exist_ok=True)
    pending: list[Server] = []
    try:
        for index in range(count):
            pending.append(_launch(fleet, authorized, index, f"127.0.0.{first + index}"))
        for server in pending:
            _wait_listening(server)
    except BaseException:
        for server in pending:
            server.stop()
        raise
    fleet.servers = pending
    fleet.write_client_files()
    return fleet


def _launch(fleet: FleetServers, authorized: Path, index: int, address: str) -> Server:
    folder = fleet.directory / f"host-{index + 1}"
    for sub in ("home", "bin"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    port = _free_port(address)
    setenv = f'"HOME={folder / "home"}" "PATH={folder / "bin"}:{SYSTEM_PATH}"'
    config = folder / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress {address}\nHostKey {fleet.host_key}\n"
        f"PidFile {folder / 'sshd.pid'}\nAuthorizedKeysFile {authorized}\n"
        "PermitRootLogin prohibit-password\nPubkeyAuthentication yes\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
        "StrictModes no\nPrintMotd no\nLogLevel ERROR\nMaxStartups 100:30:200\n"
        f"SetEnv {setenv}\n"
    )
    with open(folder / "sshd.log", "ab") as log:
        process = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    return Server(f"host-{index + 1}", address, port, folder, process)


def _free_port(address: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((address, 0))
        return int(sock.getsockname()[1])


def _wait_listening(server: Server, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            log = (server.directory / "sshd.log").read_text(errors="replace").strip()
            raise RuntimeError(f"sshd on {server.address} exited: {log[-300:]}")
        try:
            with socket.create_connection((server.address, server.port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.01)
    raise RuntimeError(f"sshd on {server.address}:{server.port} not listening after {timeout}s")
