"""What ``show`` and ``--dry-run`` print of a plan: its steps, then the variables it reads,
each with its value or where the value is to come from."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from runbookkit.execute.needs import Need, survey

if TYPE_CHECKING:
    from runbookkit.planning import Plan


def describe(plan: Plan, given: Mapping[str, str]) -> str:
    """The plan's variables (rollback included), one line each with its value's source.

    Empty when the plan reads none; else a ``variables:`` block for ``show`` and ``--dry-run``.
    """
    lines = ["variables:"]
    lines += [
        f"  {need_text(need, given)}" for need in survey([*plan.steps, *plan.rollback], given)
    ]
    return "\n".join(lines) if len(lines) > 1 else ""


def need_text(need: Need, given: Mapping[str, str]) -> str:
    """One variable the plan reads, with its value or where it is to come from."""
    if need.source == "given":
        text = f"{need.name}={given[need.name]}"
    elif need.source == "environment":
        text = f"{need.name}={os.environ[need.name]} (from the environment)"
    elif need.source == "default":
        text = f"{need.name} (unset: the command's default applies)"
    elif need.command is not None and need.command.target is not None:
        text = f"{need.name} (not given: the host's login must set it, or --var {need.name}=)"
    else:
        text = f"{need.name} MISSING: give --var {need.name}=VALUE"
    return f"{text}  (first read by {need.where})"


def render_plan(plan: Plan, given: Mapping[str, str], *, host: str | None = None) -> str:
    """The plan as ``show`` and ``--dry-run`` print it: its steps, then its variables."""
    from runbookkit.planning import render

    return "\n".join(filter(None, (render(plan, host=host), describe(plan, given))))
