"""invoke's and Fabric's ``Config`` for our runners, and ssh_config, minus needless costs.

When a command reads a section of the config (``run``, ``timeouts``, ``runners``…), invoke asks
the root config for ``_keypath`` and ``_root``, which a root config never has; each miss builds
an error message listing every attribute of the class. That was about a third of the main
thread's time per command. Here the two misses are answered at once, with the same outcome.
paramiko's ssh_config lookup asks for the local user name (a passwd read when ``$USER`` is
unset) for every ``Host`` block that doesn't match, though only ``Match`` blocks use it.
Imported only when a step runs: it pulls in invoke, Fabric and paramiko.
"""

from __future__ import annotations

from typing import Any

import fabric
import invoke
from paramiko.config import SSHConfig

from runbookkit.execute.processes import StoppableLocal, StoppableRemote

_ROOT_LACKS = frozenset({"_keypath", "_root"})


class _QuickMisses:
    """Raise ``AttributeError`` for what a root config lacks, without describing the config."""

    def __getattr__(self, key: str) -> Any:
        if key in _ROOT_LACKS:
            raise AttributeError(key)
        return super().__getattr__(key)  # type: ignore[misc]


class _LocalConfig(_QuickMisses, invoke.Config):
    """invoke's Config (a class of its own, so its clones keep the quick misses)."""


class _RemoteConfig(_QuickMisses, fabric.Config):
    """Fabric's Config (a class of its own, so its clones, e.g. for gateways, keep them too)."""


class _SSHConfig(SSHConfig):
    """paramiko's SSHConfig; a block without ``Match`` criteria is no match, decided at once."""

    def _does_match(self, match_list: list[Any], *args: Any) -> Any:
        # paramiko returns the criteria that matched: none here, after a getuser() call.
        return super()._does_match(match_list, *args) if match_list else []


def parse_ssh_config(path: str | None) -> SSHConfig:
    """The ssh_config Fabric reads: ``path`` alone, or the user's and the system's files.

    Raises:
        Exception: paramiko's ``ConfigParseError``, or ``OSError`` for a file it cannot read.
    """
    parsed = _SSHConfig()
    # Fabric finds and parses the files; their rules are then looked up through ours.
    parsed._config = fabric.Config(runtime_ssh_path=path).base_ssh_config._config
    return parsed


def local_config() -> Any:
    """The config of local commands: run through :class:`StoppableLocal`."""
    return _LocalConfig(overrides={"runners": {"local": StoppableLocal}})


def remote_config(ssh_config: Any) -> Any:
    """The config of remote commands: ``ssh_config`` (parsed) and :class:`StoppableRemote`."""
    return _RemoteConfig(ssh_config=ssh_config, overrides={"runners": {"remote": StoppableRemote}})
