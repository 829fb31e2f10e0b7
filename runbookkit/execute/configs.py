"""invoke's and Fabric's ``Config`` for our runners, minus a costly miss on every command.

When a command reads a section of the config (``run``, ``timeouts``, ``runners``…), invoke asks
the root config for ``_keypath`` and ``_root``, which a root config never has; each miss builds
an error message listing every attribute of the class. That was about a third of the main
thread's time per command. Here the two misses are answered at once, with the same outcome.
Imported only when a step runs: it pulls in invoke and Fabric.
"""

from __future__ import annotations

from typing import Any

import fabric
import invoke

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


def local_config() -> Any:
    """The config of local commands: run through :class:`StoppableLocal`."""
    return _LocalConfig(overrides={"runners": {"local": StoppableLocal}})


def remote_config(ssh_config: Any) -> Any:
    """The config of remote commands: ``ssh_config`` (parsed) and :class:`StoppableRemote`."""
    return _RemoteConfig(ssh_config=ssh_config, overrides={"runners": {"remote": StoppableRemote}})
