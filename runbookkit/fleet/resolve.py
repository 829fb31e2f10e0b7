"""Resolve ``--hosts``, ``--group``, the runbook's ``hosts:`` group and ssh_config into hosts.

``--hosts`` is a comma-separated list whose items are ``[user@]host[:port]``, ``@FILE`` (an
inventory), ``@ansible:PATH`` (an Ansible inventory, read by Ansible) or a glob such as
``web-*`` that picks the concrete ``Host`` entries of ssh_config. ``--group`` names inventory
groups; without one, an inventory given as ``@FILE`` contributes the runbook's default group
(front matter ``hosts: cache``), or all of its hosts. Groups are looked up in the ``@FILE``
inventories, else in ``$RUNBOOKKIT_INVENTORY``, else ``./inventory.yaml`` (``.yml``,
``.toml``). Every host is then completed from ssh_config (``HostName``, ``User``, ``Port``,
``IdentityFile``) where the inventory left a field unset.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runbookkit.errors import ConfigError
from runbookkit.fleet.hosts import Host, parse_address
from runbookkit.fleet.inventory import Inventory, load_inventory

DEFAULT_INVENTORIES = ("inventory.yaml", "inventory.yml", "inventory.toml")
_GLOB = set("*?[")

if TYPE_CHECKING:
    from runbookkit.model import Runbook


@dataclass
class Fleet:
    """The resolved hosts of a fleet run and the inventories they came from."""

    hosts: list[Host]
    inventories: list[Inventory] = field(default_factory=list)
    ssh_config: Path | None = None

    def names(self) -> list[str]:
        """The host names, in order."""
        return [host.name for host in self.hosts]


def resolve(
    spec: str | None,
    groups: Sequence[str] = (),
    *,
    runbook: Runbook | None = None,
    ssh_config: Path | None = None,
) -> Fleet | None:
    """The fleet that ``--hosts SPEC --group G…`` (and the runbook's default group) names.

    Args:
        spec: the ``--hosts`` value, or None.
        groups: ``--group`` values (each may itself be comma-separated).
        runbook: the runbook to run; its ``hosts:`` front matter is the default group.
        ssh_config: the ssh_config to read (default ``$RUNBOOKKIT_SSH_CONFIG``, ``~/.ssh/config``).

    Returns:
        None when nothing asks for a fleet, else the hosts in order, without repeats.

    Raises:
        ConfigError: a bad host, an unreadable or invalid inventory, an unknown group, a glob
            that matches nothing, or a group asked for with no inventory to look it up in.
    """
    wanted = [g.strip() for value in groups for g in value.split(",") if g.strip()]
    default = runbook.metadata.hosts.strip() if runbook and runbook.metadata.hosts else None
    if spec is None and not wanted and not default:
        return None
    config = _ssh_config_path(ssh_config)
    items = [item.strip() for item in (spec or "").split(",") if item.strip()]
    if spec is not None and not items:
        raise ConfigError("the host list is empty, expected host[,host…] or @inventory.yaml")
    inventories = [open_inventory(item[1:]) for item in items if item.startswith("@")]
    hosts: list[Host] = []
    for item in items:
        if item.startswith("@"):
            continue
        glob = "*" in item or "?" in item
        hosts += _expand_glob(item, config) if glob else [_flag_host(item)]
    if not wanted and (inventories or not items):
        if default is not None:
            inventories = inventories or [_default_inventory(runbook)]
            hosts += _group(inventories, default, runbook)
        else:
            hosts += [host for inventory in inventories for host in inventory.all()]
    if wanted:
        inventories = inventories or [_default_inventory(None)]
        for name in wanted:
            hosts += _group(inventories, name, None)
    hosts = _complete(_unique(hosts), config)
    if not hosts:
        raise ConfigError("no hosts to run on: the inventory or group is empty")
    return Fleet(hosts=hosts, inventories=inventories, ssh_config=config)


def open_inventory(spec: str) -> Inventory:
    """The inventory ``spec`` names: ``ansible:PATH`` (read by Ansible's ``ansible-inventory``)
    or a runbookkit inventory file.

    Raises:
        ConfigError: it can't be read (see :func:`load_inventory`, :func:`load_ansible`).
    """
    from runbookkit.fleet.ansible import PREFIX

    if spec.startswith(PREFIX):
        from runbookkit.fleet.ansible import load_ansible

        return load_ansible(spec.removeprefix(PREFIX))
    return load_inventory(Path(spec))


def _flag_host(item: str) -> Host:
    user, address, port = parse_address(item)
    return Host(name=item, hostname=address, user=user, port=port, source="--hosts")


def _group(inventories: list[Inventory], name: str, runbook: Runbook | None) -> list[Host]:
    for inventory in inventories:
        if name in inventory.groups or name == "all":
            return inventory.group(name)
    if runbook is not None:
        line = runbook.metadata.lines.get("hosts")
        return inventories[0].group(name, path=runbook.path, line=line)
    if len(inventories) == 1:
        return inventories[0].group(name)
    known = ", ".join(g for inventory in inventories for g in inventory.groups) or "none"
    files = ", ".join(inventory.path for inventory in inventories)
    raise ConfigError(f"unknown host group {name!r} in {files}, expected one of: {known}")


def _default_inventory(runbook: Runbook | None) -> Inventory:
    """The inventory to look groups up in when ``--hosts`` names none."""
    env = os.environ.get("RUNBOOKKIT_INVENTORY")
    if env:
        return open_inventory(env)
    for name in DEFAULT_INVENTORIES:
        if Path(name).is_file():
            return load_inventory(Path(name))
    message = (
        "a host group needs an inventory: name one as @inventory.yaml, set "
        f"RUNBOOKKIT_INVENTORY or add {DEFAULT_INVENTORIES[0]} here"
    )
    if runbook is not None:
        line = runbook.metadata.lines.get("hosts")
        message = f"runbook runs on host group {runbook.metadata.hosts!r}; {message}"
        raise ConfigError(message, path=runbook.path, line=line)
    raise ConfigError(message)


def _unique(hosts: Iterable[Host]) -> list[Host]:
    seen: dict[str, Host] = {}
    for host in hosts:
        seen.setdefault(host.name, host)
    return list(seen.values())


def _ssh_config_path(explicit: Path | None) -> Path | None:
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError("ssh_config file not found", path=str(explicit))
        return explicit
    env = os.environ.get("RUNBOOKKIT_SSH_CONFIG")
    if env:
        return _ssh_config_path(Path(env))
    home = Path("~/.ssh/config").expanduser()
    return home if home.is_file() else None


def _read_ssh_config(path: Path) -> Any:
    from runbookkit.execute.ssh import import_paramiko
    from runbookkit.files import read_regular_text

    import_paramiko([path])  # without invoke, when the file needs no Match exec
    from paramiko import SSHConfig

    try:
        return SSHConfig.from_text(read_regular_text(path))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"cannot read ssh_config: {exc}", path=str(path)) from None


def _expand_glob(pattern: str, config: Path | None) -> list[Host]:
    """The concrete ``Host`` names of ssh_config that match a glob such as ``web-*``."""
    if config is None:
        raise ConfigError(
            f"host pattern {pattern!r} needs an ssh_config to match it against (expected "
            "~/.ssh/config, $RUNBOOKKIT_SSH_CONFIG or one given)"
        )
    names = sorted(
        name
        for name in _read_ssh_config(config).get_hostnames()
        if not set(name) & {*_GLOB, "!"} and fnmatch.fnmatchcase(name, pattern)
    )
    if not names:
        raise ConfigError(f"host pattern {pattern!r} matches no Host entry", path=str(config))
    return [Host(name=name, hostname=name, source=str(config)) for name in names]


def _complete(hosts: list[Host], config: Path | None) -> list[Host]:
    """Fill what each host leaves unset from its ssh_config entry.

    The host as written stays its alias (the run looks ssh_config up by it, as ``ssh`` does)
    when the entry names another ``HostName``; an ``IdentityFile`` that doesn't exist is
    skipped, as ``ssh`` skips it.
    """
    if config is None:
        return hosts
    from runbookkit.execute import sshvalues
    from runbookkit.execute.ssh import HostBlocks

    parsed = HostBlocks(_read_ssh_config(config))
    out = []
    for host in hosts:
        alias = host.alias or host.hostname
        entry = parsed.lookup(alias)
        identities = [p for p in entry.get("identityfile") or [] if Path(p).expanduser().is_file()]
        try:
            port: int | None = sshvalues.port(entry["port"]) if entry.get("port") else None
        except ValueError:
            port = None  # the connection says why
        hostname = entry.get("hostname") or host.hostname
        host = replace(host, hostname=hostname, alias=alias).merged(
            user=entry.get("user"),
            port=port,
            identity=identities[0] if identities else None,
        )
        out.append(host)
    return out
