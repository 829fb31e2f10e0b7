"""SSH targets: one paramiko connection per target for the whole run, checked like OpenSSH.

Resolution follows OpenSSH: what the runbook's ``ssh`` line says (user, ``-p``, ``-i``) wins over
ssh_config, which wins over the defaults; values are read as OpenSSH reads them (see
:mod:`runbookkit.execute.sshvalues`). A ``-i KEY`` that doesn't exist here is a warning, and
the keys of ssh_config, ``--identity`` and the agent are tried instead; an ssh_config
``IdentityFile`` that doesn't exist is skipped without a word, as ``ssh`` does. Sockets get
``TCP_NODELAY``: without it every small exchange waits on Nagle and delayed ACKs (≈ 88 ms per
command on loopback instead of ≈ 14 ms). They also acknowledge what they read at once (see
:class:`QuickAckSocket`).

paramiko is used directly (its ``SSHClient`` and ``SSHConfig``), not through Fabric: a run needs
a connection and ssh_config resolution, never Fabric's task runner, and Fabric pulls in invoke
and its whole import graph (≈ 0.1 s of every remote run's start-up here). ``ProxyJump`` hosts
(``a,b``: through ``a`` to ``b``, then to the target) are connected first, each with its own host
key checked like the target's (:mod:`runbookkit.execute.hostkeys`); a ``ProxyCommand`` runs as
paramiko's ``ProxyCommand``.
"""

from __future__ import annotations

import contextlib
import copy
import getpass
import io
import logging
import re
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runbookkit.errors import ConfigError
from runbookkit.execute import sshvalues
from runbookkit.files import read_regular, read_regular_text

if TYPE_CHECKING:
    from runbookkit.model import Target

USER_SSH_CONFIG = Path("~/.ssh/config")
SYSTEM_SSH_CONFIG = Path("/etc/ssh/ssh_config")
_SUPPORTED_OPTIONS = {
    "port",
    "user",
    "hostname",
    "identityfile",
    "connecttimeout",
    "userknownhostsfile",
    "globalknownhostsfile",
    "proxyjump",
}
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
    """

    def __init__(self, options: SshOptions) -> None:
        self.options = options
        self._lock = threading.Lock()
        self._ssh_config: Any = None
        self._blocks: HostBlocks | None = None
        self._entries: dict[str, Any] = {}
        self._known: dict[tuple[Any, ...], Any] = {}

    def ssh_config(self) -> Any:
        """The paramiko ``SSHConfig`` of ``--ssh-config``, else ``~/.ssh/config`` then
        ``/etc/ssh/ssh_config`` as OpenSSH reads them (first value wins), read on first use.

        Raises:
            ConfigError: a file paramiko cannot parse, at its line.
        """
        with self._lock:
            if self._ssh_config is None:
                given = self.options.ssh_config
                paths = [given] if given else [USER_SSH_CONFIG.expanduser(), SYSTEM_SSH_CONFIG]
                import_paramiko(paths)
                from paramiko import SSHConfig

                config = SSHConfig()
                for path in paths:
                    if given is None and not path.is_file():
                        continue
                    try:
                        config.parse(io.StringIO(read_regular_text(path)))
                    except Exception as exc:  # paramiko's ConfigParseError, an unreadable file
                        raise _config_error(exc, str(path)) from None
                self._ssh_config = config
            return self._ssh_config

    def lookup(self, host: str) -> Any:
        """ssh_config's options for ``host`` (paramiko's ``SSHConfigDict``; read it, don't change
        it), looked up once per host."""
        config = self.ssh_config()
        with self._lock:
            if self._blocks is None:
                self._blocks = HostBlocks(config)
            if host not in self._entries:
                self._entries[host] = self._blocks.lookup(host)
            return self._entries[host]

    def known_hosts(self, files: list[Path], global_files: list[Path] | None = None) -> Any:
        """The :class:`~runbookkit.execute.hostkeys.KnownHosts` of ``files`` and the global
        files (default ``/etc/ssh/ssh_known_hosts``), read once."""
        from runbookkit.execute.hostkeys import KnownHosts

        with self._lock:
            key = (tuple(files), None if global_files is None else tuple(global_files))
            if key not in self._known:
                self._known[key] = KnownHosts(files, global_files)
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
        self._resolved: dict[str, Link] = {}  # by target_key (Target isn't hashable)
        self._open: dict[str, Link] = {}

    def resolve(self, target: Target) -> Link:
        """The (unopened) :class:`Link` for ``target``, with ssh_config applied."""
        key = target_key(target)
        if key not in self._resolved:
            self._resolved[key] = self._make(target)
        return self._resolved[key]

    def label(self, target: Target) -> str:
        """``user@host:port`` as it will be connected (as written if it can't be resolved)."""
        try:
            link = self.resolve(target)
        except ConnectError:
            return target.label
        return f"{link.user}@{link.host}:{link.port}"

    def get(self, target: Target) -> Link:
        """The open connection for ``target``.

        Raises:
            ConnectError: unreachable, unresolvable, refused host key, failed authentication.
        """
        key = target_key(target)
        if key not in self._open:
            link = self.resolve(target)
            link.open(self.label(target))
            self._open[key] = link
        return self._open[key]

    def close(self) -> None:
        """Close every open connection."""
        for link in self._open.values():
            link.close()
        self._open.clear()

    def _make(self, target: Target, via: Link | None = None) -> Link:
        options = _options(target)
        for key in sorted(set(options) - _SUPPORTED_OPTIONS):
            why = " (host keys are always checked)" if key == "stricthostkeychecking" else ""
            self.warn(f"{target.label}: ssh option -o {key} is ignored by runbookkit{why}")
        found = self.shared.lookup(target.host)
        try:
            port = sshvalues.port(target.port or options.get("port") or found.get("port") or 22)
            timeout = options.get("connecttimeout") or found.get("connecttimeout")
            seconds = sshvalues.seconds(timeout) if timeout else self.options.connect_timeout
            only = sshvalues.flag(found.get("identitiesonly", "no"), "IdentitiesOnly")
        except ValueError as exc:
            raise ConnectError(f"{target.label}: {exc}") from None
        keys = self._identities(target.identity or options.get("identityfile"), target)
        keys += [
            k for k in (_expand(p) for p in found.get("identityfile", [])) if Path(k).is_file()
        ]
        link = Link(
            alias=target.host,
            host=options.get("hostname") or found.get("hostname", target.host),
            user=target.user or options.get("user") or found.get("user") or getpass.getuser(),
            port=port,
            keys=list(dict.fromkeys(keys)),
            timeout=seconds,
            identities_only=only,
            ssh_config=found,
        )
        jump = options.get("proxyjump") or found.get("proxyjump")
        if via is not None:
            link.gateway = via
        elif jump and jump.lower() != "none":
            for written in jump.split(","):
                link.gateway = self._jump(written.strip(), type(target), link.gateway)
        elif found.get("proxycommand") and str(found["proxycommand"]).lower() != "none":
            link.proxy_command = found["proxycommand"]
        known = self.shared.known_hosts(
            self._known_hosts(found, options), self._global_known_hosts(found, options)
        )
        link.transport_factory = known.install(
            link.client, link.host, link.port, accept_new=self.options.accept_new_host_key
        )
        return link

    def _jump(self, written: str, kind: type[Target], via: Link | None) -> Link:
        """The Link of a ProxyJump hop ``[user@]host[:port]`` (itself looked up in ssh_config),
        reached through the hop before it, if any."""
        from runbookkit.fleet.hosts import parse_address

        try:
            user, host, port = parse_address(written.removeprefix("ssh://"))
        except ConfigError as exc:
            raise ConnectError(f"ProxyJump {written!r}: {exc.message}") from None
        hop = kind(host=host, user=user, port=port)
        if via is None:
            return self.resolve(hop)
        key = f"{target_key(hop)} via {via.user}@{via.host}:{via.port}"
        if key not in self._resolved:
            self._resolved[key] = self._make(hop, via)
        return self._resolved[key]

    def _identities(self, written: str | None, target: Target) -> list[str]:
        keys: list[str] = []
        if written:
            path = Path(_expand(written))
            if path.is_file():
                keys.append(str(path))
            else:
                self.warn(
                    f"{target.label}: identity {written} (from the runbook) does not exist here; "
                    "trying ssh_config, --identity and the agent instead"
                )
        if self.options.identity is not None:
            path = self.options.identity.expanduser()
            if not path.is_file():
                raise ConnectError(f"--identity {self.options.identity}: no such file")
            keys.append(str(path))
        return keys

    def _known_hosts(self, found: Any, options: dict[str, str]) -> list[Path]:
        if self.options.known_hosts is not None:
            return [self.options.known_hosts]
        written = options.get("userknownhostsfile") or found.get("userknownhostsfile")
        if written:
            return [Path(_expand(p)) for p in str(written).split()]
        from runbookkit.execute.hostkeys import USER_KNOWN_HOSTS

        return [USER_KNOWN_HOSTS.expanduser()]

    def _global_known_hosts(self, found: Any, options: dict[str, str]) -> list[Path] | None:
        written = options.get("globalknownhostsfile") or found.get("globalknownhostsfile")
        return [Path(_expand(p)) for p in str(written).split()] if written else None


def _options(target: Target) -> dict[str, str]:
    """The runbook's ``-o`` options by lower-case name (OpenSSH matches them in any case)."""
    return {key.lower(): value for key, value in target.options.items()}


def _expand(path: str) -> str:
    return str(Path(path).expanduser())


class HostBlocks:
    """paramiko's ``SSHConfig.lookup``, without trying every ``Host`` block for every host.

    paramiko tries each block's patterns on each lookup, so a fleet whose ssh_config has a
    block per host costs hosts x blocks pattern matches. Here the blocks that name only literal
    hosts are indexed by name once; a lookup reads the blocks naming its host and every other
    block (wildcards, negations, ``Match``), in the file's order, so the result is paramiko's
    own. With ``CanonicalizeHostname`` the name may change between paramiko's two passes: every
    block is read then.
    """

    _GLOB = frozenset("*?[!")

    def __init__(self, config: Any) -> None:
        self.config = config
        blocks = config._config
        self._whole = any("canonicalizehostname" in block["config"] for block in blocks)
        self._named: dict[str, list[int]] = {}
        self._always: list[int] = []
        for index, block in enumerate(blocks):
            patterns = block.get("host") or []
            if "matches" in block or not patterns or any(self._GLOB & set(p) for p in patterns):
                self._always.append(index)
            else:
                for pattern in dict.fromkeys(patterns):
                    self._named.setdefault(pattern, []).append(index)

    def lookup(self, host: str) -> Any:
        """ssh_config's options for ``host``, as ``SSHConfig.lookup`` gives them."""
        named = self._named.get(host, [])
        if self._whole or len(named) + len(self._always) == len(self.config._config):
            return self.config.lookup(host)
        view = copy.copy(self.config)
        view._config = [self.config._config[i] for i in sorted(self._always + named)]
        return view.lookup(host)


_MATCH_EXEC = re.compile(r"^\s*(match\b.*\bexec\b|include\b)", re.IGNORECASE | re.MULTILINE)


def import_paramiko(ssh_configs: list[Path]) -> None:
    """Import paramiko, sparing it invoke when no ssh_config needs ``Match exec``.

    paramiko imports invoke (≈ 0.1 s with its own imports) only to run ``Match exec`` lines.
    When none of the files has one (nor an ``Include`` that might), invoke is hidden while
    paramiko loads; a later ``import invoke`` anywhere in the process works as usual.
    """
    if "paramiko" in sys.modules or "invoke" in sys.modules:
        return
    for path in ssh_configs:
        with contextlib.suppress(OSError):
            if _MATCH_EXEC.search(read_regular(path).decode("utf-8", errors="replace")):
                return
    sys.modules["invoke"] = None  # type: ignore[assignment]  # import invoke: ImportError
    try:
        import paramiko  # noqa: F401
    finally:
        del sys.modules["invoke"]


def _quiet_paramiko() -> None:
    """Keep paramiko's own log lines (``Socket exception: …``) off stderr; we explain failures.

    Without any handler, Python prints warnings and errors of every logger to stderr; a
    ``NullHandler`` stops that and still lets records through to handlers a program sets up.
    """
    logger = logging.getLogger("paramiko")
    if not any(isinstance(handler, logging.NullHandler) for handler in logger.handlers):
        logger.addHandler(logging.NullHandler())


def target_key(target: Target) -> str:
    """A hashable key for ``target`` (every field, options sorted)."""
    options = sorted(target.options.items())
    return repr((target.host, target.user, target.port, target.identity, options))


class Link:
    """One SSH connection as the runbook and ssh_config resolve it, opened on demand.

    ``gateway`` is the ProxyJump host's Link (opened first; its host key checked the same way),
    ``proxy_command`` a ProxyCommand line.
    """

    def __init__(
        self,
        *,
        alias: str,
        host: str,
        user: str,
        port: int,
        keys: list[str],
        timeout: float,
        identities_only: bool,
        ssh_config: Any,
    ) -> None:
        from paramiko import SSHClient

        self.alias, self.host, self.user, self.port = alias, host, user, port
        self.keys = keys
        self.timeout = timeout
        self.identities_only = identities_only
        self.ssh_config = ssh_config
        self.gateway: Link | None = None
        self.proxy_command: str | None = None
        self.transport_factory: Callable[..., Any] | None = None
        self.client = SSHClient()
        self._lock = threading.Lock()
        self._opened = False

    @property
    def transport(self) -> Any:
        """paramiko's Transport, once open."""
        return self.client.get_transport()

    def open(self, label: str) -> None:
        """Connect (TCP_NODELAY on our own socket) and map errors to one line.

        Raises:
            ConnectError: why it failed, for a person.
        """
        with self._lock:
            if self._opened:
                return
            sock = self._sock(label)
            try:
                self.client.connect(
                    self.host,
                    port=self.port,
                    username=self.user,
                    key_filename=self.keys or None,
                    timeout=self.timeout,
                    sock=sock,
                    look_for_keys=not self.identities_only,
                    allow_agent=not self.identities_only,
                    transport_factory=self.transport_factory,
                )
            except Exception as exc:
                message = _explain(exc, self, label)
                self.client.close()
                with contextlib.suppress(Exception):
                    sock.close()
                if message is None:
                    raise
                raise ConnectError(message) from None
            self._opened = True
        transport_sock = getattr(self.transport, "sock", None)
        if isinstance(transport_sock, socket.socket):
            transport_sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _sock(self, label: str) -> Any:
        if self.gateway is not None:
            hop = f"{self.gateway.user}@{self.gateway.host}:{self.gateway.port}"
            try:
                self.gateway.open(hop)
            except ConnectError as exc:
                raise ConnectError(f"jump host {hop} (for {label}): {exc}") from None
            try:
                return self.gateway.transport.open_channel(
                    "direct-tcpip", (self.host, self.port), ("", 0), timeout=self.timeout
                )
            except Exception as exc:
                raise ConnectError(
                    f"{label}: the jump host {hop} refused to connect: {exc}"
                ) from None
        if self.proxy_command:
            from paramiko import ProxyCommand

            line = self.proxy_command.replace("%h", self.host).replace("%p", str(self.port))
            return ProxyCommand(line.replace("%r", self.user).replace("%%", "%"))
        return _socket(self.host, self.port, self.timeout)

    def close(self) -> None:
        """Close the connection (and its jump host's)."""
        self.client.close()
        if self.gateway is not None:
            self.gateway.close()


def _explain(exc: Exception, conn: Link, label: str) -> str | None:
    """One line for a person about why connecting failed (None: not a connection problem)."""
    from paramiko.ssh_exception import AuthenticationException, BadHostKeyException, SSHException

    from runbookkit.execute.hostkeys import RevokedHostKey, UnknownHostKey, fingerprint, host_id

    if isinstance(exc, UnknownHostKey):
        files = ", ".join(str(p) for p in exc.files)
        why = f"; {exc.why}" if exc.why else ""
        return (
            f"unknown host key for {exc.host_id} ({exc.fingerprint}), not in {files}{why}: "
            "check the fingerprint, then run again with --accept-new-host-key to record it"
        )
    if isinstance(exc, RevokedHostKey):
        return (
            f"REVOKED host key for {exc.host_id}: {exc.fingerprint} is marked @revoked at "
            f"{exc.where}; refusing to connect"
        )
    if isinstance(exc, BadHostKeyException):
        name = host_id(conn.host, conn.port)
        return (
            f"HOST KEY CHANGED for {name}: it offers {exc.key.get_name()} "
            f"{fingerprint(exc.key)}, known_hosts has {fingerprint(exc.expected_key)}; refusing "
            f"to connect (if the change is expected: ssh-keygen -R '{name}')"
        )
    if isinstance(exc, AuthenticationException):
        tried = ", ".join(conn.keys) or "agent/default keys"
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
