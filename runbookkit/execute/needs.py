"""The variables a run needs: what the section's commands read that nothing gives them.

A command reads ``$NAME`` (also ``${NAME}``, inside double quotes, heredocs, ``$(…)``), as bash
would expand it; :mod:`runbookkit.parsing.shellsyntax` finds the references on the parsed
command. A name needs a value from the operator when it is read without a default
(``${NAME:-x}`` has one), is not a standard name (HOME, PATH, USER, …), is not given
(``--var``, ``--secret``, inventory variables), is not in runbookkit's own environment, and is
not assigned by an earlier command of the run (``NAME=…``, ``export``, ``read``, a ``for``
loop). Variables in an ssh line's target (``ssh root@$HOST``) count like any other.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from runbookkit.errors import ExecutionError
from runbookkit.execute.variables import references
from runbookkit.planning import Plan, PlannedStep

if TYPE_CHECKING:
    from runbookkit.model import Command


class MissingValues(ExecutionError):
    """Variables the plan reads have no value.

    Attributes:
        what: which step needs which names, ending in "give it"/"give them".
        names: the variables without a value, in the order the plan reads them.
    """

    def __init__(
        self, what: str, names: list[str], *, path: str | None = None, line: int | None = None
    ) -> None:
        given = "a variable or secret" if len(names) == 1 else "variables or secrets"
        super().__init__(f"{what} as {given}", path=path, line=line)
        self.what = what
        self.names = names

    def on_host(self, host: str) -> MissingValues:
        """The same error, said of one host of a fleet."""
        return MissingValues(
            f"on host {host}: {self.what}", self.names, path=self.path, line=self.line
        )


class Asker(Protocol):
    """Who can give a missing value (the operator at a terminal), or None."""

    def variable(self, name: str, where: str) -> str | None:
        """A value for ``name`` (``where`` says which step needs it), or None."""


@dataclass(frozen=True)
class Need:
    """A variable the run reads, where it is first read, and where its value comes from."""

    name: str
    step: int
    title: str
    line: int
    source: str  # "given", "environment", "default" or "missing"
    command: Command | None = None  # the command that first reads it

    @property
    def where(self) -> str:
        """``step 2 (Logs), line 14``."""
        return f"step {self.step} ({self.title}), line {self.line}"


def reads(command: Command) -> tuple[list[tuple[str, bool]], frozenset[str]]:
    """(name, has a default) for each variable ``command`` reads, and the names it assigns."""
    found, assigns = _usage(command.text)
    names = list(found)
    target = command.target
    if target is not None:
        for text in (target.host, target.user or "", *target.options.values()):
            names += [(name, False) for name in references(text)]
    return names, assigns


@functools.lru_cache(maxsize=4096)
def _usage(text: str) -> tuple[tuple[tuple[str, bool], ...], frozenset[str]]:
    """What :func:`reads` needs of a command's text, parsed once however often it is asked.

    A run asks twice (the values to ask for, those to export), and each host of a fleet again.
    """
    from runbookkit.parsing import shellsyntax

    usage = shellsyntax.analyse(text)
    return tuple((ref.name, ref.has_default) for ref in usage.reads), frozenset(usage.assigns)


def survey(
    steps: Iterable[PlannedStep],
    given: Mapping[str, str],
    environ: Mapping[str, str] | None = None,
) -> list[Need]:
    """Every variable the steps read, once, with where it is first read and its source."""
    from runbookkit.parsing.shellsyntax import is_standard

    environ = os.environ if environ is None else environ
    assigned: set[str] = set()
    seen: dict[str, Need] = {}
    for planned in steps:
        for command in planned.step.commands:
            names, assigns = reads(command)
            for name, has_default in names:
                if name in seen or is_standard(name):
                    continue
                if name in given:
                    source = "given"
                elif name in assigned:
                    continue
                elif name in environ:
                    source = "environment"
                elif has_default:
                    source = "default"
                else:
                    source = "missing"
                seen[name] = Need(
                    name, planned.number, planned.step.title, command.line, source, command
                )
            assigned |= assigns
    return list(seen.values())


def complete(
    plan: Plan,
    given: Mapping[str, str],
    asker: object | None = None,
    probe: Callable[[list[Need]], set[str]] | None = None,
) -> dict[str, str]:
    """``given`` plus a value for every variable the plan's steps miss, asked of ``asker``.

    ``probe`` tells which of the missing names the targets' own sessions set (a remote login's
    profile may export them); those are not asked for. The rollback's variables are asked for
    when the rollback is about to run (its own plan).

    Raises:
        MissingValues: some are still missing; names each with its step and line.
    """
    values = dict(given)
    missing = [need for need in survey(plan.steps, values) if need.source == "missing"]
    if missing and probe is not None:
        found = probe(missing)
        missing = [need for need in missing if need.name not in found]
    ask = getattr(asker, "variable", None)
    still: list[Need] = []
    for need in missing:
        value = ask(need.name, need.where) if ask is not None else None
        if value is None:
            still.append(need)
        else:
            values[need.name] = value
    if still:
        first = still[0]
        if len(still) == 1:
            what = f"step {first.step} ({first.title}) needs a value for {first.name}: give it"
        else:
            listed = ", ".join(f"{n.name} ({n.where})" for n in still)
            what = f"the run needs values for {listed}: give them"
        names = [n.name for n in still]
        raise MissingValues(what, names, path=plan.runbook.path, line=first.line)
    return values


def from_environment(plan: Plan, given: Mapping[str, str]) -> dict[str, str]:
    """Values from this process's environment for the names the plan reads and isn't given.

    Local sessions inherit the environment; remote ones get these exported.
    """
    steps = [*plan.steps, *plan.rollback]
    return {
        need.name: os.environ[need.name]
        for need in survey(steps, given)
        if need.source == "environment"
    }
