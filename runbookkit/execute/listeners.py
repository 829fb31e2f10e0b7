"""Listeners the command line adds to every run, registered by one line each.

A factory gets the :class:`RunContext` and returns a listener, or None to stay out of this run
(a dry run, a disabled store). It may raise a ``RunbookError`` (say, a history store that can't
be written): the run then stops before any step executes. The factory's module may define
``CLI_OPTIONS``, a list of ``click.option(...)`` decorators added to ``runbookkit run``, whose
values arrive in :attr:`RunContext.flags`. After the run, a listener's ``close()`` is called if it
has one, and the strings in its ``failures`` list (if any) are printed as warnings.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from runbookkit.execute.events import Listener
from runbookkit.execute.runner import RunOptions
from runbookkit.settings import Settings

if TYPE_CHECKING:
    from runbookkit.model import Runbook

# name → (module, factory); add a listener to every `runbookkit run` by adding a line here.
FACTORIES: dict[str, tuple[str, str]] = {
    "history": ("runbookkit.history.attach", "recorder_for_run"),
}


@dataclass
class RunContext:
    """What a listener factory may want to know about the run about to start."""

    settings: Settings
    runbook: Runbook
    section: str
    options: RunOptions
    dry_run: bool = False
    flags: dict[str, Any] = field(default_factory=dict)  # the command line's own values


def build(context: RunContext) -> list[Listener]:
    """Every registered listener that wants this run, in registration order."""
    listeners: list[Listener] = []
    for module, attribute in FACTORIES.values():
        factory = getattr(importlib.import_module(module), attribute)
        listener = factory(context)
        if listener is not None:
            listeners.append(listener)
    return listeners


def cli_options() -> list[Callable[[Any], Any]]:
    """The ``CLI_OPTIONS`` of every registered listener module, in registration order."""
    options: list[Callable[[Any], Any]] = []
    for module, _ in FACTORIES.values():
        options += getattr(importlib.import_module(module), "CLI_OPTIONS", [])
    return options


def finish(listeners: list[Listener]) -> list[str]:
    """Close each listener that can be closed; return the failures they kept, as warnings."""
    warnings: list[str] = []
    for listener in listeners:
        close = getattr(listener, "close", None)
        if callable(close):
            close()
        warnings += [str(failure) for failure in getattr(listener, "failures", None) or []]
    return warnings
