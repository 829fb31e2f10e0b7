"""Placeholders in commands: ``${KEY}`` and ``{{KEY}}``, filled from ``--var`` and shell-quoted."""

from __future__ import annotations

import re
import shlex
from dataclasses import replace

from runbookkit.errors import ConfigError
from runbookkit.model import Command
from runbookkit.plan import Plan, PlannedStep

PLACEHOLDER = re.compile(
    r"\$\{(?P<a>[A-Za-z_][A-Za-z0-9_]*)\}|\{\{\s*(?P<b>[A-Za-z_][A-Za-z0-9_]*)\s*\}\}"
)


def names(text: str) -> list[str]:
    """The placeholder names in ``text``, in order of first appearance."""
    found: list[str] = []
    for match in PLACEHOLDER.finditer(text):
        name = match.group("a") or match.group("b")
        if name not in found:
            found.append(name)
    return found


def fill(text: str, values: dict[str, str], *, quote: bool = True) -> str:
    """Replace each placeholder that has a value, shell-quoted unless ``quote`` is off.

    Placeholders without a value are left as written.
    """

    def replace(match: re.Match[str]) -> str:
        name = match.group("a") or match.group("b")
        if name not in values:
            return match.group(0)
        return shlex.quote(values[name]) if quote else values[name]

    return PLACEHOLDER.sub(replace, text)


def fill_command(command: Command, values: dict[str, str]) -> Command:
    """``command`` with its text filled (shell-quoted) and its expected output filled (as is)."""
    expected = command.expected
    if expected is not None:
        expected = fill(expected, values, quote=False)
    return command.model_copy(update={"text": fill(command.text, values), "expected": expected})


def parse_assignments(items: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``KEY=VALUE`` strings as a dict.

    Raises:
        ConfigError: an item is not ``KEY=VALUE`` with a valid name.
    """
    values: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise ConfigError(f"--var {item!r}: expected KEY=VALUE with KEY a name like PORT")
        values[key] = value
    return values


def fill_plan(plan: Plan, values: dict[str, str]) -> Plan:
    """A copy of ``plan`` whose commands have their placeholders filled (for ``--dry-run``)."""

    def steps(planned: list[PlannedStep]) -> list[PlannedStep]:
        out = []
        for item in planned:
            commands = [fill_command(c, values) for c in item.step.commands]
            step = item.step.model_copy(update={"commands": commands})
            out.append(PlannedStep(item.number, item.block, step))
        return out

    return replace(plan, steps=steps(plan.steps), rollback=steps(plan.rollback))


def missing(plan: Plan, values: dict[str, str]) -> list[str]:
    """Placeholder names used by the plan's commands (rollback included) that have no value."""
    found: list[str] = []
    for item in [*plan.steps, *plan.rollback]:
        for command in item.step.commands:
            found += [n for n in names(command.text) if n not in values and n not in found]
    return found
