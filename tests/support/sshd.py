"""A real OpenSSH server on a loopback address, with generated keys and its own config.

The server runs as the current user (root in CI) and accepts only the generated client key.
Its logins get a clean ``HOME`` (no dotfiles of the machine's user) and a ``PATH`` that starts
with ``bin_dir``, where tests put stand-ins for tools the machine lacks (``systemctl``, ``pm2``).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.net import free_port, stop, wait_listening

SSHD = "/usr/sbin/sshd"
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def keygen(path: Path, kind: str = "ed25519") -> Path:
    """Generate a key pair without passphrase at ``path`` (and ``path.pub``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", "runbookkit-test", "-f", str(path)],
        check=True,
    )
    return path


@dataclass
class Keys:
    """The keys a test server and its clients use."""

    host: Path  # the server's host key (private; .pub beside it)
    client: Path  # the key the server accepts
    other: Path  # a key it does not accept

    @classmethod
    def generate(cls, directory: Path) -> Keys:
        """Make all three keys in ``directory``."""
        return cls(
            host=keygen(directory / "host_ed25519"),
            client=keygen(directory / "client_ed25519"),
            other=keygen(directory / "other_ed25519"),
        )


@dataclass
class SshServer:
    """A running sshd: where it listens, its keys, and the files a client needs."""

    address: str
    port: int
    keys: Keys
    directory: Path
    home: Path
    bin_dir: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    @property
    def host_id(self) -> str:
        """The name known_hosts uses for this server (``[address]:port``)."""
        return f"[{self.address}]:{self.port}"

    def known_hosts_line(self, key: Path | None = None) -> str:
        """A known_hosts line for this server's host key (or another key, to fake a change)."""
        public = (key or self.keys.host).with_suffix(".pub").read_text().split()
        return f"{self.host_id} {public[0]} {public[1]}\n"

    def ssh_config(
        self, aliases: list[str], *, known_hosts: Path, identity: Path | None = None
    ) -> str:
        """ssh_config text that maps each alias to this server."""
        key = identity or self.keys.client
        blocks = [
            f"Host {alias}\n  HostName {self.address}\n  Port {self.port}\n  User root\n"
            f"  IdentityFile {key}\n  IdentitiesOnly yes\n  UserKnownHostsFile {known_hosts}\n"
            for alias in aliases
        ]
        return "\n".join(blocks)

    def stop(self) -> None:
        """Stop the server (by its PID)."""
        stop(self.process)


def start_sshd(
    directory: Path,
    keys: Keys,
    *,
    address: str = "127.0.0.1",
    env: dict[str, str] | None = None,
    extra: str = "",
) -> SshServer:
    """Start sshd on a free port of ``address``; ``env`` is added to every login's environment,
    ``extra`` (sshd_config lines, such as ``HostCertificate``) to its config."""
    directory.mkdir(parents=True, exist_ok=True)
    home, bin_dir = directory / "home", directory / "bin"
    home.mkdir(exist_ok=True)
    bin_dir.mkdir(exist_ok=True)
    authorized = directory / "authorized_keys"
    authorized.write_text(keys.client.with_suffix(".pub").read_text())
    Path("/run/sshd").mkdir(parents=True, exist_ok=True)
    login_env = {"HOME": str(home), "PATH": f"{bin_dir}:{SYSTEM_PATH}", **(env or {})}
    setenv = " ".join(f'"{key}={value}"' for key, value in login_env.items())
    for _ in range(5):
        port = free_port(address)
        config = directory / "sshd_config"
        config.write_text(
            f"Port {port}\nListenAddress {address}\nHostKey {keys.host}\n"
            f"PidFile {directory / 'sshd.pid'}\nAuthorizedKeysFile {authorized}\n"
            "PermitRootLogin prohibit-password\nPubkeyAuthentication yes\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
            "StrictModes no\nPrintMotd no\nLogLevel ERROR\nMaxStartups 100:30:200\n"
            f"SetEnv {setenv}\n{extra}"
        )
        process = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=open(directory / "sshd.log", "ab"),  # noqa: SIM115 - the server keeps it
        )
        try:
            wait_listening(address, port, process)
        except RuntimeError:
            stop(process)
            continue
        return SshServer(address, port, keys, directory, home, bin_dir, process)
    raise RuntimeError(f"sshd did not start; see {directory / 'sshd.log'}")


def write_script(path: Path, text: str) -> Path:
    """Write an executable script."""
    path.write_text(text)
    path.chmod(0o755)
    return path


@dataclass
class ClientFiles:
    """What a client of a test server needs: an ssh_config and its known_hosts."""

    ssh_config: Path
    known_hosts: Path


def client_files(
    server: SshServer,
    directory: Path,
    aliases: list[str],
    *,
    known: bool = True,
    identity: Path | None = None,
) -> ClientFiles:
    """Write an ssh_config mapping ``aliases`` to ``server``, and its known_hosts file."""
    directory.mkdir(parents=True, exist_ok=True)
    known_hosts = directory / "known_hosts"
    known_hosts.write_text(server.known_hosts_line() if known else "")
    config = directory / "ssh_config"
    config.write_text(server.ssh_config(aliases, known_hosts=known_hosts, identity=identity))
    return ClientFiles(config, known_hosts)
