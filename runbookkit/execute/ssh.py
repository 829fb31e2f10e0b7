"""SSH targets: one Fabric connection per target for the whole run, checked like OpenSSH.

Resolution follows OpenSSH: what the runbook's ``ssh`` line says (user, ``-p``, ``-i``) wins over
ssh_config, which wins over the defaults. A ``-i KEY`` that doesn't exist here is a warning, and
the keys of ssh_config, ``--identity`` and the agent are tried instead. Sockets get
``TCP_NODELAY``: without it every small exchange waits on Nagle and delayed ACKs (≈ 88 ms per
command on loopback instead of ≈ 14 ms). They also acknowledge what they read at once (see
:class:`QuickAckSocket`).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runbookkit.errors import ConfigError
from runbookkit.model import Target

_SUPPORTED_OPTIONS = {"port", "user", "identityfile", "connecttimeout", "userknownhostsfile"}
_QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)  # Linux only


class ConnectError(Exception):
    """A target could not be reached, or refused us; the message is one line for a person."""


@dataclass(frozen=True)
class SshOptions:
    """How to reach remote targets."""

    ssh_config: Path | None = None  # None: ~/.ssh/config and /etc/ssh/ssh_config, as OpenSSH
    identity: Path | None = None
    accept_new_host_key: bool = False
    known_hosts: Path | None = None  # None: ssh_config's UserKnownHostsFile or ~/.ssh/known_hosts
    connect_timeout: float = 10.0


class SshShared:
    """What every connection of a run reads once: ssh_config (parsed) and the known_hosts files.

    A fleet run hands one to the connections of all its hosts; their threads may share it.
    Each :class:`Connections` still makes its own fabric ``Config`` from the parsed ssh_config
    (cheap), because a fabric ``Connection`` writes into its ``Config`` when it is made.
    """

    def __init__(self, options: SshOptions) -> None:
        self.options = options
        self._lock = threading.Lock()
        self._ssh_config: Any = None
        self._known: dict[tuple[Path, ...], Any] = {}

    def ssh_config(self) -> Any:
        """The paramiko ``SSHConfig`` of the files fabric would read (read on first use).

        Raises:
            ConfigError: a file paramiko cannot parse, at its line.
        """
        with self._lock:
            if self._ssh_config is None:
                from fabric import Config

                path = str(self.options.ssh_config) if self.options.ssh_config else None
                try:
                    self._ssh_config = Config(runtime_ssh_path=path).base_ssh_config
                except Exception as exc:  # paramiko's ConfigParseError, an unreadable file…
                    raise _config_error(exc, path) from None
            return self._ssh_config

    def known_hosts(self, files: list[Path]) -> Any:
        """The :class:`~runbookkit.execute.hostkeys.KnownHosts` of ``files`` (read once)."""
        from runbookkit.execute.hostkeys import KnownHosts

        with self._lock:
            key = tuple(files)
            if key not in self._known:
                self._known[key] = KnownHosts(files)
            return self._known[key]


class Connections:
    """The run's connections, opened on first use and kept until :meth:`close`."""

    def __init__(
        self, options: SshOptions, warn: Callable[[str], None], shared: SshShared | None = None
    ) -> None:
        if shared is not None and shared.options != options:
            raise ValueError("the shared ssh state was made for other options")
        self.options = options
        self.warn = warn
        self.shared = shared or SshShared(options)
        _quiet_paramiko()
        self._config: Any = None
        self._resolved: dict[str, Any] = {}  # by the target's JSON (Target isn't hashable)
        self._open: dict[str, Any] = {}

    def resolve(self, target: Target) -> Any:
        """The (unopened) fabric Connection for ``target``, with ssh_config applied."""
        key = target.model_dump_json()
        if key not in self._resolved:
            self._resolved[key] = self._make(target)
        return self._resolved[key]

    def label(self, target: Target) -> str:
        """``user@host:port`` as it will be connected."""
        conn = self.resolve(target)
        return f"{conn.user}@{conn.host}:{conn.port}"

    def get(self, target: Target) -> Any:
        """The open connection for ``target``.

        Raises:
            ConnectError: unreachable, unresolvable, refused host key, failed authentication.
        """
        key = target.model_dump_json()
        if key not in self._open:
            conn = self.resolve(target)
            _open(conn, self.label(target))
            self._open[key] = conn
        return self._open[key]

    def close(self) -> None:
        """Close every open connection."""
        for conn in self._open.values():
            conn.close()
        self._open.clear()

    def _fabric_config(self) -> Any:
        if self._config is None:
            from fabric import Config

            self._config = Config(ssh_config=self.shared.ssh_config())
        return self._config

    def _make(self, target: Target) -> Any:
        from fabric import Connection

        options = {k.lower(): v for k, v in target.options.items()}
        for key in sorted(set(options) - _SUPPORTED_OPTIONS):
            why = " (host keys are always checked)" if key == "stricthostkeychecking" else ""
            self.warn(f"{target.label}: ssh option -o {key} is ignored by runbookkit{why}")
        port = target.port or (int(options["port"]) if "port" in options else None)
        keys = self._identities(target.identity or options.get("identityfile"), target)
        kwargs: dict[str, Any] = {"key_filename": keys} if keys else {}
        conn = Connection(
            target.host,
            user=target.user or options.get("user"),
            port=port,
            config=self._fabric_config(),
            connect_kwargs=kwargs,
            connect_timeout=int(options.get("connecttimeout", 0)) or None,
        )
        if conn.connect_timeout is None:
            conn.connect_timeout = self.options.connect_timeout
        if str(conn.ssh_config.get("identitiesonly", "no")).lower() == "yes":
            conn.connect_kwargs.update(look_for_keys=False, allow_agent=False)
        known = self.shared.known_hosts(self._known_hosts(conn, options))
        known.install(
            conn.client, conn.host, conn.port, accept_new=self.options.accept_new_host_key
        )
        return conn

    def _identities(self, written: str | None, target: Target) -> list[str]:
        keys: list[str] = []
        if written:
            path = Path(written).expanduser()
            if path.is_file():
                keys.append(str(path))
            else:
                self.warn(
                    f"{target.label}: identity {written} (from the runbook) does not exist here; "
                    "trying ssh_config, --identity and the agent instead"
                )
        if self.options.identity is not None:
            keys.append(str(self.options.identity.expanduser()))
        return keys

    def _known_hosts(self, conn: Any, options: dict[str, str]) -> list[Path]:
        if self.options.known_hosts is not None:
            return [self.options.known_hosts]
        written = options.get("userknownhostsfile") or conn.ssh_config.get("userknownhostsfile")
        if written:
            return [Path(p).expanduser() for p in str(written).split()]
        from runbookkit.execute.hostkeys import USER_KNOWN_HOSTS

        return [USER_KNOWN_HOSTS.expanduser()]


def _quiet_paramiko() -> None:
    """Keep paramiko's own log lines (``Socket exception: …``) off stderr; we explain failures.

    Without any handler, Python prints warnings and errors of every logger to stderr; a
    ``NullHandler`` stops that and still lets records through to handlers a program sets up.
    """
    logger = logging.getLogger("paramiko")
    if not any(isinstance(handler, logging.NullHandler) for handler in logger.handlers):
        logger.addHandler(logging.NullHandler())


def _open(conn: Any, label: str) -> None:
    """Connect (own socket with TCP_NODELAY when there is no proxy) and map errors to one line."""
    sock = None
    if not conn.gateway:
        sock = conn.connect_kwargs["sock"] = _socket(conn.host, conn.port, conn.connect_timeout)
    try:
        conn.open()
    except Exception as exc:
        message = _explain(exc, conn, label)
        conn.client.close()
        if sock is not None:
            sock.close()
        if message is None:
            raise
        raise ConnectError(message) from None
    transport_sock = getattr(conn.transport, "sock", None)
    if isinstance(transport_sock, socket.socket):
        transport_sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _explain(exc: Exception, conn: Any, label: str) -> str | None:
    """One line for a person about why connecting failed (None: not a connection problem)."""
    from paramiko.ssh_exception import AuthenticationException, BadHostKeyException, SSHException

    from runbookkit.execute.hostkeys import UnknownHostKey, fingerprint, host_id

    if isinstance(exc, UnknownHostKey):
        files = ", ".join(str(p) for p in exc.files)
        return (
            f"unknown host key for {exc.host_id} ({exc.fingerprint}), not in {files}: "
            "check the fingerprint, then run again with --accept-new-host-key to record it"
        )
    if isinstance(exc, BadHostKeyException):
        name = host_id(conn.host, conn.port)
        return (
            f"HOST KEY CHANGED for {name}: it offers {exc.key.get_name()} "
            f"{fingerprint(exc.key)}, known_hosts has {fingerprint(exc.expected_key)}; refusing "
            f"to connect (if the change is expected: ssh-keygen -R '{name}')"
        )
    if isinstance(exc, AuthenticationException):
        tried = ", ".join(conn.connect_kwargs.get("key_filename") or []) or "agent/default keys"
        return f"authentication failed for {label} (keys tried: {tried}): {exc}"
    if isinstance(exc, SSHException) and "No authentication methods available" in str(exc):
        return (
            f"authentication failed for {label}: no key to try (give --identity, an "
            "IdentityFile in ssh_config, or load the key into the agent)"
        )
    if isinstance(exc, SSHException | EOFError | OSError):
        return f"SSH connection to {label} failed: {exc or type(exc).__name__}"
    return None


def _socket(host: str, port: int, timeout: float | None) -> socket.socket:
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except socket.gaierror as exc:
        raise ConnectError(f"cannot resolve host {host!r}: {exc.strerror}") from None
    except TimeoutError:
        raise ConnectError(f"{host}:{port} did not answer within {timeout:g}s") from None
    except ConnectionRefusedError:
        raise ConnectError(f"{host}:{port} refused the connection (is sshd running?)") from None
    except OSError as exc:
        raise ConnectError(f"cannot reach {host}:{port}: {exc.strerror or exc}") from None
    quick = QuickAckSocket(fileno=sock.detach())
    quick.settimeout(timeout)
    quick.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return quick


class QuickAckSocket(socket.socket):
    """A TCP socket that acknowledges each read at once instead of delaying the ACK.

    sshd leaves Nagle's algorithm on for sessions without a pty. Right after authentication it
    sends packets we never answer (the ``hostkeys-00@openssh.com`` notice, debug messages), so
    its next one, the confirmation of our first channel, waits for our delayed ACK: ≈ 40 ms on
    Linux, half of a short run. The kernel drops ``TCP_QUICKACK`` on its own, so every read
    sets it again (one cheap system call).
    """

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        """Read, then have the kernel acknowledge what came in without waiting."""
        data = super().recv(bufsize, flags)
        if _QUICKACK is not None:
            # Closed meanwhile by another thread (Ctrl-C): the data read still counts.
            with contextlib.suppress(OSError):
                self.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
        return data


def _config_error(exc: Exception, path: str | None) -> ConfigError:
    """A one-line error about an ssh_config file, at the line paramiko could not parse."""
    text = str(exc) or type(exc).__name__
    line = None
    bad = text.removeprefix("Unparsable line ").strip()
    if path and bad != text:
        with contextlib.suppress(OSError):
            lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
            line = next((n for n, row in enumerate(lines, 1) if row.strip() == bad), None)
    where = path or "~/.ssh/config or /etc/ssh/ssh_config"
    return ConfigError(f"cannot read ssh_config: {text}", path=where, line=line)
