"""Inventory files: groups of hosts with per-host user, port, identity and variables.

The same shape is read from YAML or TOML::

    defaults: {user: deploy, vars: {env: prod}}
    groups:
      cache:
        user: redis                    # for every host of the group
        vars: {redis_port: "6379"}
        hosts:
          - cache-1                    # a name (an ssh_config alias works too)
          - ops@cache-2:2222           # [user@]host[:port]
          - {name: cache-3, hostname: 10.0.0.3, identity: ~/.ssh/cache, vars: {role: replica}}
      web: [web-1, web-2]              # a bare list is the group's hosts
    hosts: [bastion]                   # hosts in no group

A host's settings are its own, then its first group's, then ``defaults``. A host may be listed
in several groups, but its settings are written once. Every error names the file and line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from runbookkit.errors import ConfigError
from runbookkit.files import read_regular_text
from runbookkit.fleet.hosts import Host, parse_address, parse_port

_HOST_KEYS = {"name", "host", "hostname", "user", "port", "identity", "vars"}
_GROUP_KEYS = {"hosts", "user", "port", "identity", "vars"}
_TOP_KEYS = {"defaults", "groups", "hosts"}
Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Group:
    """A named group of an inventory: its host names in order and where it is written."""

    name: str
    hosts: tuple[str, ...]
    line: int | None = None


@dataclass
class Inventory:
    """The hosts and groups of one inventory file."""

    path: str
    hosts: dict[str, Host] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    line: int | None = None  # where ``groups:`` is written, for errors about groups

    def all(self) -> list[Host]:
        """Every host, in the order the file first names them."""
        return list(self.hosts.values())

    def group(self, name: str, *, path: str | None = None, line: int | None = None) -> list[Host]:
        """The hosts of group ``name`` (``all`` is every host).

        Args:
            name: the group asked for.
            path: where the name was written (default: this inventory).
            line: the line of ``path`` it was written on.

        Raises:
            ConfigError: no such group; the message lists the groups there are.
        """
        if name == "all" and "all" not in self.groups:
            return self.all()
        if name not in self.groups:
            known = ", ".join(self.groups) or "none"
            where = f" (in {self.path})" if path is not None else ""
            raise ConfigError(
                f"unknown host group {name!r}{where}, expected one of: {known}",
                path=path or self.path,
                line=line if path is not None else self.line or 1,
            )
        return [self.hosts[host] for host in self.groups[name].hosts]


def load_inventory(path: Path) -> Inventory:
    """Read an inventory from a ``.yaml``/``.yml`` or ``.toml`` file.

    Raises:
        ConfigError: the file is missing, unreadable, not valid YAML/TOML, or not an inventory.
    """
    try:
        text = read_regular_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"cannot read inventory: {reason}", path=str(path)) from None
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        from runbookkit.fleet.located import load_yaml

        data, line_of = load_yaml(text, str(path))
    elif suffix == ".toml":
        from runbookkit.fleet.located import load_toml

        data, line_of = load_toml(text, str(path))
    else:
        raise ConfigError(
            f"inventory must be a .yaml, .yml or .toml file, not {suffix or 'no extension'!r}",
            path=str(path),
        )
    return _Reader(str(path), line_of).read(data)


class _Reader:
    """Turns the loaded document into an :class:`Inventory`, citing lines in its errors."""

    def __init__(self, path: str, line_of: Callable[[Path_], int | None]) -> None:
        self.path = path
        self.line_of = line_of
        self.inventory = Inventory(path=path)
        self.defined: dict[str, int | None] = {}

    def fail(self, where: Path_, message: str) -> ConfigError:
        dotted = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in where).lstrip(".")
        text = f"{dotted}: {message}" if dotted else message
        return ConfigError(text, path=self.path, line=self.line_of(where) or 1)

    def read(self, data: Any) -> Inventory:
        if data is None:
            data = {}
        self.mapping(data, (), _TOP_KEYS)
        defaults = self.settings(data.get("defaults") or {}, ("defaults",), set())
        groups = data.get("groups") or {}
        self.mapping(groups, ("groups",), None)
        self.inventory.line = self.line_of(("groups",))
        for name, body in groups.items():
            if not isinstance(name, str) or not name or name == "all":
                raise self.fail(("groups",), f"{name!r} is not a group name")
            where: Path_ = ("groups", name)
            if isinstance(body, dict):
                own = self.settings(body, where, {"hosts"})
                members = body.get("hosts") or []
                where = (*where, "hosts")
            else:
                own, members = self.settings({}, where, set()), body or []
            merged = {k: defaults[k] if own[k] is None else own[k] for k in ("user", "port")}
            merged["identity"] = own["identity"] or defaults["identity"]
            merged["vars"] = {**defaults["vars"], **own["vars"]}
            names = self.members(members, where, merged, name)
            self.inventory.groups[name] = Group(name, tuple(names), self.line_of(("groups", name)))
        self.members(data.get("hosts") or [], ("hosts",), defaults, None)
        return self.inventory

    def mapping(self, value: Any, where: Path_, keys: set[str] | None) -> None:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected a mapping, found {_kind(value)}")
        for key in value:
            if keys is not None and key not in keys:
                expected = ", ".join(sorted(keys))
                raise self.fail((*where, key), f"unknown key {key!r}, expected one of: {expected}")

    def settings(self, body: Any, where: Path_, other: set[str]) -> dict[str, Any]:
        """The user/port/identity/vars of a ``defaults`` table or a group."""
        self.mapping(body, where, _GROUP_KEYS - {"hosts"} | other)
        out: dict[str, Any] = {"vars": self.variables(body.get("vars"), (*where, "vars"))}
        for key in ("user", "identity"):
            out[key] = self.text(body.get(key), (*where, key))
        out["port"] = self.port(body.get("port"), (*where, "port"))
        return out

    def members(
        self, members: Any, where: Path_, inherited: dict[str, Any], group: str | None
    ) -> list[str]:
        """Read a group's (or the top-level) host list; return the host names in order."""
        items: list[tuple[Path_, Any, Any]]
        if isinstance(members, dict):
            items = [((*where, name), name, body) for name, body in members.items()]
        elif isinstance(members, list):
            items = [((*where, i), item, None) for i, item in enumerate(members)]
        else:
            raise self.fail(where, f"expected a list of hosts, found {_kind(members)}")
        names: list[str] = []
        for item_where, item, body in items:
            host = self.add(self.host(item, body, item_where), item_where, inherited, group)
            if host.name not in names:
                names.append(host.name)
        return names

    def host(self, item: Any, body: Any, where: Path_) -> tuple[Host, bool]:
        """One host entry; the flag tells whether it carries settings of its own."""
        if isinstance(item, dict):
            self.mapping(item, where, _HOST_KEYS)
            body, item = item, item.get("name", item.get("host"))
            if item is None:
                raise self.fail(where, "a host needs a 'name'")
        elif body is not None:
            self.mapping(body, where, _HOST_KEYS - {"name", "host"})
        if not isinstance(item, str | int) or isinstance(item, bool) or not str(item).strip():
            raise self.fail(where, f"expected a host name, found {_kind(item)}")
        try:
            user, address, port = parse_address(str(item))
        except ConfigError as exc:
            raise self.fail(where, exc.message) from None
        name = str(item).strip() if user or port else address
        host = Host(name=name, hostname=address, user=user, port=port, source=self.path)
        if body:
            host = Host(
                name=name,
                hostname=self.text(body.get("hostname"), (*where, "hostname")) or address,
                user=self.text(body.get("user"), (*where, "user")) or user,
                port=self.port(body.get("port"), (*where, "port")) or port,
                identity=self.text(body.get("identity"), (*where, "identity")),
                vars=self.variables(body.get("vars"), (*where, "vars")),
            )
        return host, bool(body) or bool(user or port)

    def add(
        self, entry: tuple[Host, bool], where: Path_, inherited: dict[str, Any], group: str | None
    ) -> Host:
        """Record a host entry under ``group``, filling what it leaves unset from ``inherited``."""
        host, own = entry
        line = self.line_of(where)
        known = self.inventory.hosts.get(host.name)
        if known is not None:
            if own:
                first = self.defined.get(host.name)
                at = f" at line {first}" if first else ""
                raise self.fail(where, f"host {host.name!r} is already defined{at}")
            host = known
        else:
            host = host.merged(**{k: v for k, v in inherited.items() if k != "vars"})
            variables = {**inherited.get("vars", {}), **host.vars}
            host = replace(host, vars=variables, source=f"{self.path}:{line or 1}")
            self.defined[host.name] = line
        if group is not None and group not in host.groups:
            host = replace(host, groups=(*host.groups, group))
        self.inventory.hosts[host.name] = host
        return host

    def text(self, value: Any, where: Path_) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"expected text, found {_kind(value)}")
        return value.strip()

    def port(self, value: Any, where: Path_) -> int | None:
        if value is None:
            return None
        try:
            return parse_port(value)
        except ConfigError as exc:
            raise self.fail(where, exc.message.removeprefix("port: ")) from None

    def variables(self, value: Any, where: Path_) -> dict[str, str]:
        if value is None:
            return {}
        self.mapping(value, where, None)
        out: dict[str, str] = {}
        for key, item in value.items():
            if isinstance(item, dict | list) or item is None:
                raise self.fail((*where, key), f"expected a text or number, found {_kind(item)}")
            out[str(key)] = str(item).lower() if isinstance(item, bool) else str(item)
        return out


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"
