"""Host-key checking as OpenSSH does it, in place of Fabric's silent acceptance.

Unknown keys are refused unless ``accept_new`` is on (OpenSSH's
``StrictHostKeyChecking=accept-new``), in which case the key is appended to the first user
known_hosts file. A changed key is always refused (paramiko raises ``BadHostKeyException``
before any policy is asked). The files are read once per run, however many hosts it reaches.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from pathlib import Path
from typing import Any

from paramiko.client import MissingHostKeyPolicy, SSHClient
from paramiko.hostkeys import HostKeys
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


class KnownHosts:
    """known_hosts files read once and shared by every connection of a run (thread-safe).

    Each connection gets the keys known for its server before it connects (paramiko also
    uses their types to pick the host key it asks for) and a :class:`Policy` for unknown keys.
    A key recorded by ``accept_new`` is seen by the connections made after it.
    """

    def __init__(self, files: list[Path]) -> None:
        self.files = files
        self._lock = threading.Lock()
        self._keys = HostKeys()
        for path in [GLOBAL_KNOWN_HOSTS, *files]:
            if path.is_file():
                self._keys.load(str(path))

    def install(self, client: SSHClient, hostname: str, port: int, *, accept_new: bool) -> None:
        """Give ``client`` the keys known for ``hostname:port`` and the policy for others."""
        name = host_id(hostname, port)
        with self._lock:
            known = self._keys.lookup(name)
            # The first key of each type is the one paramiko compares, as when it reads the file.
            keys = {kind: known[kind] for kind in known} if known else {}
        store = client.get_host_keys()
        for kind, key in keys.items():
            store.add(name, kind, key)
        client.set_missing_host_key_policy(Policy(self, accept_new=accept_new))

    def remember(self, name: str, key: Any) -> None:
        """Append ``key`` for ``name`` to the first file (once, whichever thread asks first)."""
        with self._lock:
            if not self._keys.check(name, key):
                self._keys.add(name, key.get_name(), key)
                record(self.files[0], name, key)


class Policy(MissingHostKeyPolicy):
    """Refuse unknown keys, or record them in the first known_hosts file when ``accept_new``."""

    def __init__(self, known: KnownHosts, *, accept_new: bool) -> None:
        self.known = known
        self.accept_new = accept_new

    def missing_host_key(self, client: SSHClient, hostname: str, key: Any) -> None:
        """Called by paramiko for a server whose key no known_hosts file has."""
        if not self.accept_new:
            raise UnknownHostKey(hostname, key, self.known.files)
        client.get_host_keys().add(hostname, key.get_name(), key)
        self.known.remember(hostname, key)


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


def host_id(host: str, port: int) -> str:
    """The name known_hosts uses: ``host``, or ``[host]:port`` off port 22."""
    return host if port == 22 else f"[{host}]:{port}"
