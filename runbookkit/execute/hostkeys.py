"""Host-key checking as OpenSSH does it, in place of Fabric's silent acceptance.

Unknown keys are refused unless ``accept_new`` is on (OpenSSH's
``StrictHostKeyChecking=accept-new``), in which case the key is appended to the first user
known_hosts file. A changed key is always refused (paramiko raises ``BadHostKeyException``
before any policy is asked).
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

from paramiko.client import MissingHostKeyPolicy, SSHClient
from paramiko.ssh_exception import SSHException

USER_KNOWN_HOSTS = Path("~/.ssh/known_hosts")
GLOBAL_KNOWN_HOSTS = Path("/etc/ssh/ssh_known_hosts")


class UnknownHostKey(SSHException):
    """The server's key is in no known_hosts file and accepting new keys is off."""

    def __init__(self, host_id: str, key: Any, files: list[Path]) -> None:
        self.host_id = host_id
        self.fingerprint = f"{key.get_name()} {fingerprint(key)}"
        self.files = files
        super().__init__(f"unknown host key for {host_id}")


def fingerprint(key: Any) -> str:
    """OpenSSH's ``SHA256:...`` fingerprint of a paramiko key."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


class Policy(MissingHostKeyPolicy):
    """Refuse unknown keys, or record them in ``files[0]`` when ``accept_new`` is on."""

    def __init__(self, files: list[Path], *, accept_new: bool) -> None:
        self.files = files
        self.accept_new = accept_new

    def missing_host_key(self, client: SSHClient, hostname: str, key: Any) -> None:
        """Called by paramiko for a server whose key no known_hosts file has."""
        if not self.accept_new:
            raise UnknownHostKey(hostname, key, self.files)
        client.get_host_keys().add(hostname, key.get_name(), key)
        record(self.files[0], hostname, key)


def record(path: Path, host_id: str, key: Any) -> None:
    """Append one ``host keytype base64`` line to ``path`` (created 0600, with its folder)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    line = f"{host_id} {key.get_name()} {key.get_base64()}\n"
    existing = path.read_bytes() if path.exists() else b""
    with path.open("a", encoding="ascii") as handle:
        if existing and not existing.endswith(b"\n"):
            handle.write("\n")
        handle.write(line)
    path.chmod(0o600)


def configure(client: SSHClient, files: list[Path], *, accept_new: bool) -> None:
    """Load the known_hosts files into ``client`` and install the policy."""
    if GLOBAL_KNOWN_HOSTS.is_file():
        client.load_system_host_keys(str(GLOBAL_KNOWN_HOSTS))
    for path in files:
        if path.is_file():
            # Loaded as "system" keys so paramiko never rewrites the file on its own.
            client.load_system_host_keys(str(path))
    client.set_missing_host_key_policy(Policy(files, accept_new=accept_new))


def host_id(host: str, port: int) -> str:
    """The name known_hosts uses: ``host``, or ``[host]:port`` off port 22."""
    return host if port == 22 else f"[{host}]:{port}"
