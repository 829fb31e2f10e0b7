"""One host of a fleet, and the ``[user@]host[:port]`` shorthand that names it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from runbookkit.errors import ConfigError
from runbookkit.model import Target


@dataclass(frozen=True)
class Host:
    """A host a fleet run connects to, with everything needed to reach it.

    Attributes:
        name: how the operator named it (inventory name, ``--hosts`` item or ssh_config alias).
        hostname: the address connected to (ssh_config ``HostName`` when it names one).
        user: login user, or None for the SSH default.
        port: TCP port, or None for 22 / ssh_config.
        identity: private key file, or None for the SSH agent and default keys.
        vars: variables for the runbook's placeholders on this host.
        groups: inventory groups the host belongs to, in inventory order.
        source: where the host was named (``file:line``, ``--hosts`` or ``ssh_config``).
        alias: the name ssh_config is looked up by, when its ``HostName`` replaced it (None:
            ``hostname``), so the alias's ``UserKnownHostsFile``, ``ProxyJump``… apply.
        options: ssh options of the host's own (``ProxyJump`` from an Ansible inventory), as
            ``ssh -o`` gives them; they win over ssh_config's.
    """

    name: str
    hostname: str
    user: str | None = None
    port: int | None = None
    identity: str | None = None
    vars: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    groups: tuple[str, ...] = ()
    source: str = field(default="--hosts", compare=False)
    alias: str | None = None
    options: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def label(self) -> str:
        """``user@hostname:port`` with only the parts that are set."""
        text = f"{self.user}@{self.hostname}" if self.user else self.hostname
        if self.port is None:
            return text
        host = f"[{text}]" if ":" in self.hostname and not self.user else text
        return f"{host}:{self.port}"

    def target(self) -> Target:
        """The host as a :class:`~runbookkit.model.Target`, the shape the run engine connects to:
        its alias, with the address as ``HostName`` when it differs."""
        alias = self.alias or self.hostname
        options = dict(self.options)
        if alias != self.hostname:
            options["HostName"] = self.hostname
        return Target(
            host=alias, user=self.user, port=self.port, identity=self.identity, options=options
        )

    def merged(self, **defaults: Any) -> Host:
        """A copy with the unset fields among ``defaults`` (user, port, identity) filled in."""
        changes = {k: v for k, v in defaults.items() if v is not None and getattr(self, k) is None}
        return replace(self, **changes) if changes else self


def parse_port(value: object, where: str = "port") -> int:
    """A TCP port from an int or a string of digits.

    Raises:
        ConfigError: not a whole number from 1 to 65535.
    """
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ConfigError(f"{where}: {value!r} is not a port, expected a number from 1 to 65535")
    return int(text)


def parse_address(text: str) -> tuple[str | None, str, int | None]:
    """Split ``[user@]host[:port]`` (IPv6 as ``[::1]:22``) into user, host and port.

    Raises:
        ConfigError: empty parts, a bad port or an unclosed bracket.
    """
    spec = text.strip()
    user: str | None = None
    if "@" in spec:
        user, _, spec = spec.rpartition("@")
        if not user:
            raise ConfigError(f"host {text!r}: empty user before '@', expected user@host")
    port: int | None = None
    if spec.startswith("["):
        host, sep, rest = spec[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise ConfigError(f"host {text!r}: expected [address]:port for an IPv6 address")
        if rest:
            port = parse_port(rest[1:], f"host {text!r}")
    elif spec.count(":") == 1:
        host, _, port_text = spec.partition(":")
        port = parse_port(port_text, f"host {text!r}")
    else:
        host = spec  # a bare IPv6 address has several colons and no port
    if not host or any(c.isspace() for c in host) or host.startswith("-"):
        raise ConfigError(f"host {text!r}: expected [user@]host[:port]")
    return user, host, port
