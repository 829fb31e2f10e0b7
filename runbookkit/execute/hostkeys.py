"""Host-key checking as OpenSSH does it, for every connection (jump hosts included).

known_hosts files are read the way ``ssh`` reads them: plain, hashed (``|1|salt|hash``) and
wildcard host patterns (``*``, ``?``, ``!negated``), ``@cert-authority`` lines (a host
certificate signed by the CA is accepted, see :mod:`runbookkit.execute.hostcerts`) and
``@revoked`` lines (that key is refused, whatever else says). The global files
(``/etc/ssh/ssh_known_hosts``, or ssh_config's ``GlobalKnownHostsFile``) are read too. Lines
that cannot be read are skipped, as ``ssh`` skips them.

A key that is in no file is refused unless ``accept_new`` is on (OpenSSH's
``StrictHostKeyChecking=accept-new``), in which case it is appended to the first user file. A
changed key (another key of the same type on record) is always refused. The files are read once
per run, however many hosts it reaches.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import hashlib
import hmac
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from paramiko.client import MissingHostKeyPolicy, SSHClient
from paramiko.pkey import PKey
from paramiko.ssh_exception import BadHostKeyException, SSHException
from paramiko.transport import Transport

from runbookkit.execute import hostcerts
from runbookkit.files import read_regular

USER_KNOWN_HOSTS = Path("~/.ssh/known_hosts")
GLOBAL_KNOWN_HOSTS = (Path("/etc/ssh/ssh_known_hosts"), Path("/etc/ssh/ssh_known_hosts2"))
_RSA = ("rsa-sha2-512", "rsa-sha2-256")


class UnknownHostKey(SSHException):
    """The server's key is in no known_hosts file and accepting new keys is off."""

    def __init__(self, host_id: str, key: Any, files: list[Path], why: str = "") -> None:
        self.host_id = host_id
        self.fingerprint = f"{key.get_name()} {fingerprint(key)}"
        self.files = files
        self.why = why
        super().__init__(f"unknown host key for {host_id}")


class RevokedHostKey(SSHException):
    """The server's key (or the CA that signed its certificate) is marked ``@revoked``."""

    def __init__(self, host_id: str, key: Any, where: str) -> None:
        self.host_id = host_id
        self.fingerprint = f"{key.get_name()} {fingerprint(key)}"
        self.where = where
        super().__init__(f"revoked host key for {host_id}")


def fingerprint(key: Any) -> str:
    """OpenSSH's ``SHA256:...`` fingerprint of a paramiko key (a certificate's plain key)."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


@dataclass(frozen=True)
class Entry:
    """One known_hosts line: its marker, host patterns and key."""

    marker: str  # "", "cert-authority" or "revoked"
    patterns: tuple[str, ...]
    key_type: str
    blob: bytes
    where: str  # file:line

    def matches(self, name: str) -> bool:
        """Whether ``name`` (``host`` or ``[host]:port``) is among the line's hosts."""
        found = False
        for pattern in self.patterns:
            if pattern.startswith("|1|"):
                found = found or _hashed(pattern, name)
            elif pattern.startswith("!"):
                if _glob(pattern[1:], name):
                    return False  # a negated match excludes the host, as in OpenSSH
            elif _glob(pattern, name):
                found = True
        return found

    def key(self) -> Any:
        """The line's key as a paramiko key."""
        return PKey.from_type_string(self.key_type, self.blob)


def _glob(pattern: str, name: str) -> bool:
    """OpenSSH's ``match_pattern``: ``*`` and ``?`` only (``[host]:port`` is literal)."""
    if "*" not in pattern and "?" not in pattern:  # most lines: one literal name per pattern
        return pattern.lower() == name.lower()
    return _glob_regex(pattern).fullmatch(name) is not None


@functools.lru_cache(maxsize=1024)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A wildcard pattern as a regex, compiled once: every host of a fleet reads every line."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.IGNORECASE | re.DOTALL)


def _hashed(pattern: str, name: str) -> bool:
    salt, _, digest = pattern[3:].partition("|")
    try:
        key, wanted = base64.b64decode(salt), base64.b64decode(digest)
    except (binascii.Error, ValueError):
        return False
    return hmac.compare_digest(hmac.new(key, name.encode(), hashlib.sha1).digest(), wanted)


def read_entries(path: Path) -> list[Entry]:
    """The readable lines of one known_hosts file (none if it is missing or unreadable)."""
    try:
        text = read_regular(path).decode("utf-8", errors="replace")
    except OSError:  # missing, unreadable, or a FIFO or device: no keys from it
        return []
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        marker = ""
        if fields[0].startswith("@"):
            marker = fields.pop(0)[1:].lower()
            if marker not in {"cert-authority", "revoked"}:
                continue
        if len(fields) < 3:
            continue
        try:
            blob = base64.b64decode(fields[2], validate=True)
        except (binascii.Error, ValueError):
            continue
        patterns = tuple(p for p in fields[0].split(",") if p)
        entries.append(Entry(marker, patterns, fields[1], blob, f"{path}:{number}"))
    return entries


class KnownHosts:
    """known_hosts files read once and shared by every connection of a run (thread-safe).

    Each connection gets, before it connects, a transport that asks for the host key types on
    record for its server first (certificates first when a CA is listed for it) and a
    :class:`Policy` that checks whatever key the server shows.
    """

    def __init__(self, files: list[Path], global_files: list[Path] | None = None) -> None:
        self.files = files
        self._lock = threading.Lock()
        system = list(GLOBAL_KNOWN_HOSTS) if global_files is None else global_files
        self._entries = [e for path in [*files, *system] for e in read_entries(path)]

    def entries(self, name: str) -> list[Entry]:
        """The lines that apply to ``name``, in file order."""
        with self._lock:
            return [e for e in self._entries if e.matches(name)]

    def install(
        self, client: SSHClient, hostname: str, port: int, *, accept_new: bool
    ) -> Callable[..., Any]:
        """Give ``client`` the policy for ``hostname:port``; return its transport factory."""
        name = host_id(hostname, port)
        client.set_missing_host_key_policy(Policy(self, hostname, name, accept_new=accept_new))
        entries = self.entries(name)

        def transport(sock: Any, **kwargs: Any) -> Transport:
            made = Transport(sock, **kwargs)
            options = made.get_security_options()
            options.key_types = _key_types(list(options.key_types), entries)
            return made

        return transport

    def check(self, hostname: str, name: str, key: Any, *, accept_new: bool) -> None:
        """Accept ``key`` for ``name`` or raise, as OpenSSH decides.

        Raises:
            RevokedHostKey: the key, or its certificate's CA, is marked ``@revoked``.
            BadHostKeyException: another key of the same type is on record (a changed key).
            UnknownHostKey: nothing vouches for the key and ``accept_new`` is off.
        """
        entries = self.entries(name)
        plain = key.asbytes()
        cert = _certificate(key)
        ca_blob = b""
        if cert is not None:
            with contextlib.suppress(ValueError, TypeError, IndexError):
                ca_blob = hostcerts.parse(cert).ca_blob
        for entry in entries:
            if entry.marker == "revoked" and entry.blob in {plain, cert, ca_blob}:
                raise RevokedHostKey(name, key, entry.where)
        why = ""
        if cert is not None:
            authorities = [e.blob for e in entries if e.marker == "cert-authority"]
            if authorities:
                why = hostcerts.check(cert, hostname, authorities)
                if not why:
                    return
        plain_entries = [e for e in entries if not e.marker]
        if any(e.blob == plain for e in plain_entries):
            return
        for entry in plain_entries:
            if _same_type(entry.key_type, key.get_name()):
                try:
                    expected = entry.key()
                except Exception:  # a key on record that paramiko can't read: not this one
                    continue
                raise BadHostKeyException(name, key, expected)
        if not accept_new:
            raise UnknownHostKey(name, key, self.files, why)
        self.remember(name, key)

    def remember(self, name: str, key: Any) -> None:
        """Append ``key`` for ``name`` to the first file (once, whichever thread asks first)."""
        plain = key.asbytes()
        with self._lock:
            if any(not e.marker and e.blob == plain and e.matches(name) for e in self._entries):
                return
            where = f"{self.files[0]}:new"
            self._entries.append(Entry("", (name,), key.get_name(), plain, where))
            record(self.files[0], name, key)


class Policy(MissingHostKeyPolicy):
    """Check every key the server shows (paramiko is given no keys, so it always asks)."""

    def __init__(self, known: KnownHosts, hostname: str, name: str, *, accept_new: bool) -> None:
        self.known = known
        self.hostname = hostname
        self.name = name
        self.accept_new = accept_new

    def missing_host_key(self, client: SSHClient, hostname: str, key: Any) -> None:
        """Called by paramiko with the server's key."""
        self.known.check(self.hostname, self.name, key, accept_new=self.accept_new)


def _certificate(key: Any) -> bytes | None:
    blob = getattr(key, "public_blob", None)
    if blob is not None and str(blob.key_type).endswith(hostcerts.CERT_SUFFIX):
        return bytes(blob.key_blob)
    return None


def _same_type(recorded: str, offered: str) -> bool:
    return recorded == offered or {recorded, offered} <= {"ssh-rsa", *_RSA}


def _key_types(available: list[str], entries: list[Entry]) -> list[str]:
    """Host key algorithms in OpenSSH's order: certificates when a CA is listed, then the
    types on record, then the rest."""
    first: list[str] = []
    if any(e.marker == "cert-authority" for e in entries):
        first += [k + hostcerts.CERT_SUFFIX for k in available if hostcerts.CERT_SUFFIX not in k]
    for entry in entries:
        if not entry.marker:
            first += list(_RSA) if entry.key_type == "ssh-rsa" else [entry.key_type]
    known = Transport._key_info
    return [k for k in dict.fromkeys([*first, *available]) if k in known]


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
