"""Ansible inventories (``--hosts @ansible:PATH``), read by Ansible itself.

``ansible-inventory -i PATH --list`` reads any inventory Ansible reads (INI, YAML, a directory
with ``group_vars``/``host_vars``, plugins) and prints it as JSON: each group with its ``hosts``
and ``children``, and ``_meta.hostvars`` holding every host's variables with its groups' merged
in. Ansible's own reader is the reference, so no second parser of its formats lives here (as
testinfra reads inventories). The connection variables become the host's address, port, user,
key and ``ProxyJump``; every other variable becomes a placeholder value of the host.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from runbookkit.errors import ConfigError
from runbookkit.fleet.hosts import Host, parse_port
from runbookkit.fleet.inventory import Group, Inventory

PREFIX = "ansible:"
EXECUTABLE_ENV = "RUNBOOKKIT_ANSIBLE_INVENTORY"  # the ansible-inventory to run, if not on PATH
TIMEOUT = 120.0
# Connection variables, by the Host field they fill (the ``ansible_ssh_*`` spellings are older).
_FIELDS = {
    "hostname": ("ansible_host", "ansible_ssh_host"),
    "port": ("ansible_port", "ansible_ssh_port"),
    "user": ("ansible_user", "ansible_ssh_user"),
    "identity": ("ansible_ssh_private_key_file", "ansible_private_key_file"),
}
_SSH_ARGS = ("ansible_ssh_common_args", "ansible_ssh_extra_args")


def executable() -> str | None:
    """The ``ansible-inventory`` to run: ``$RUNBOOKKIT_ANSIBLE_INVENTORY``, else the one on
    ``PATH``, else the one installed beside this Python (a virtualenv not activated)."""
    given = os.environ.get(EXECUTABLE_ENV)
    if given:
        return given
    found = shutil.which("ansible-inventory")
    if found:
        return found
    beside = Path(sys.executable).parent / "ansible-inventory"
    return str(beside) if os.access(beside, os.X_OK) else None


def load_ansible(path: str) -> Inventory:
    """The hosts and groups of the Ansible inventory at ``path``.

    Raises:
        ConfigError: Ansible is not installed, the inventory is missing, or Ansible can't read
            it (its own first error line).
    """
    where = str(path)
    if not Path(path).exists():
        raise ConfigError("Ansible inventory not found", path=where)
    program = executable()
    if program is None:
        raise ConfigError(
            "@ansible: inventories are read by Ansible's ansible-inventory, which is not "
            f"installed (pip install ansible-core, or set {EXECUTABLE_ENV})",
            path=where,
        )
    env = {
        **os.environ,
        "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True",  # an unreadable source is an error
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "False",
    }
    try:
        done = subprocess.run(
            [program, "-i", where, "--list"],
            capture_output=True,
            text=True,
            env=env,
            timeout=TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(f"cannot run {program}: {exc}", path=where) from None
    if done.returncode != 0:
        raise ConfigError(f"ansible-inventory: {_first_error(done.stderr)}", path=where)
    try:
        data = json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"ansible-inventory printed no inventory: {exc}", path=where) from None
    if not isinstance(data, dict):
        raise ConfigError("ansible-inventory printed no inventory", path=where)
    return from_listing(data, where)


def from_listing(data: dict[str, Any], path: str) -> Inventory:
    """An :class:`Inventory` from ``ansible-inventory --list`` output: every group's hosts,
    its children's included, in the order Ansible lists them from ``all`` down."""
    hostvars = (data.get("_meta") or {}).get("hostvars") or {}
    members: dict[str, list[str]] = {}

    def hosts_of(name: str, seen: frozenset[str]) -> list[str]:
        if name in members:
            return members[name]
        body = data.get(name) or {}
        found = [str(h) for h in body.get("hosts") or []]
        for child in body.get("children") or []:
            if child not in seen:  # Ansible refuses cycles; stay safe anyway
                found += hosts_of(str(child), seen | {name})
        members[name] = list(dict.fromkeys(found))
        return members[name]

    ordered = hosts_of("all", frozenset())
    ordered += [str(name) for name in hostvars if name not in ordered]
    direct: dict[str, list[str]] = {}
    for name, body in data.items():
        if name == "_meta" or not isinstance(body, dict):
            continue
        hosts_of(name, frozenset())
        for host in body.get("hosts") or []:
            direct.setdefault(str(host), []).append(name)
    inventory = Inventory(path=path)
    source = f"{path} (ansible-inventory)"
    for name in ordered:
        variables = hostvars.get(name) or {}
        inventory.hosts[name] = _host(name, variables, tuple(direct.get(name, ())), source)
    for name in data:
        if name in ("_meta", "all") or name not in members:
            continue  # ``all`` is every host already (Inventory.group)
        if name != "ungrouped" or members[name]:
            inventory.groups[name] = Group(name, tuple(members[name]))
    return inventory


def _host(name: str, variables: dict[str, Any], groups: tuple[str, ...], source: str) -> Host:
    def first(field: str) -> str | None:
        for key in _FIELDS[field]:
            value = variables.get(key)
            if value is not None and str(value).strip():
                return str(value).strip()
        return None

    port = first("port")
    options: dict[str, str] = {}
    for key in _SSH_ARGS:
        options.update(ssh_options(str(variables.get(key) or ""), f"{name}: {key}"))
    return Host(
        name=name,
        hostname=first("hostname") or name,
        user=first("user"),
        port=parse_port(port, f"{name}: ansible_port") if port else None,
        identity=first("identity"),
        vars={k: _text(v) for k, v in variables.items() if not k.startswith("ansible_")},
        groups=groups,
        source=source,
        options=options,
    )


def ssh_options(args: str, where: str) -> dict[str, str]:
    """The ``-o Key=Value`` and ``-J jump`` options of an ssh argument string, by key.

    Raises:
        ConfigError: the string can't be split as a shell would (an unclosed quote).
    """
    try:
        words = shlex.split(args)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    options: dict[str, str] = {}
    index = 0
    while index < len(words):
        word = words[index]
        value: str | None = None
        if word in ("-o", "-J") and index + 1 < len(words):
            value, index = words[index + 1], index + 1
        elif word.startswith(("-o", "-J")) and len(word) > 2:
            value = word[2:]
        if value is not None and word.startswith("-J"):
            options["ProxyJump"] = value
        elif value is not None:
            key, sep, rest = value.partition("=")
            if not sep:
                key, _, rest = value.partition(" ")
            if key.strip():
                options[key.strip()] = rest.strip()
        index += 1
    return options


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return "" if value is None else str(value)


def _first_error(stderr: str) -> str:
    """Ansible's error in one line: why a plugin could not parse the source (its first
    ``Failed to parse`` warning), else its first ``[ERROR]``/``ERROR!`` line, else its last."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if line.startswith("[WARNING]: Failed to parse"):
            return line.removeprefix("[WARNING]:").strip()
    for line in lines:
        for prefix in ("[ERROR]:", "ERROR!"):
            if line.startswith(prefix):
                return line.removeprefix(prefix).strip()
    return lines[-1] if lines else "failed with no message"
