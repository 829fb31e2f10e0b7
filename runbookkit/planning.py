"""The steps a run of one section will take, and their readable rendering.

A section's steps are its own followed by those of its subsections, in source order, numbered
from 1. A rollback subsection is not part of the run: it is the section's on-failure handler.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from runbookkit.errors import NotFoundError, ParseError
from runbookkit.parsing.targets import render as target_label

if TYPE_CHECKING:
    from runbookkit.model import Block, Runbook, Section, Step

EVIDENCE_SECTIONS = frozenset({"symptoms", "diagnosis"})
EVIDENCE = re.compile(
    r"\b(verif\w*|check\w*|validat\w*|confirm\w*|tests?|testing|investigat\w*|triage|"
    r"inspect\w*|health|diagnos\w*|symptoms?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class PlannedStep:
    """A step in a plan: its number in the run and the block (section/subsection) it is in."""

    number: int
    block: Block
    step: Step
    evidence: bool = False  # gathers evidence: a failure lets the run go on (see EVIDENCE)


@dataclass
class Plan:
    """What a run of ``scope`` will do, and the rollback it offers on failure."""

    runbook: Runbook
    section: Section
    scope: Block
    steps: list[PlannedStep]
    rollback: list[PlannedStep] = field(default_factory=list)
    partial: str | None = None  # "step 7 of 7", "steps 5–7 of 7": only some of scope's steps
    chosen: str | None = None  # which section the key picked, when another matches it too


def select(runbook: Runbook, key: str) -> tuple[Section, Block]:
    """Find a section, or a subsection as ``section/sub``, by id or title (case-insensitive).

    Raises:
        NotFoundError: nothing matches; the message lists what exists.
    """
    head, _, tail = key.partition("/")
    section = runbook.section_lookup(head)[0]
    if section is None:
        known = ", ".join(s.id for s in runbook.sections) or "none"
        raise NotFoundError(
            f"runbook {runbook.id!r} has no section {head!r} (sections: {known})", path=runbook.path
        )
    if not tail:
        return section, section
    wanted = tail.strip().lower()
    for sub in section.subsections:
        if wanted in (sub.id.split("/", 1)[1], sub.title.strip().lower()):
            return section, sub
    known = ", ".join(s.id for s in section.subsections) or "none"
    raise NotFoundError(
        f"section {section.id!r} has no subsection {tail!r} (subsections: {known})",
        path=runbook.path,
    )


def plan(
    runbook: Runbook,
    key: str,
    *,
    only: int | None = None,
    start: int | None = None,
    accept_repairs: bool = True,
) -> Plan:
    """Plan a run of the section or subsection ``key``.

    Args:
        runbook: the parsed runbook.
        key: section id or title, or ``section/subsection``.
        only: keep just this step number.
        start: keep the steps from this number on (resume).
        accept_repairs: plan steps that come from a code fence that was not closed
            (``run`` refuses them without ``--accept-repairs``).

    Raises:
        NotFoundError: the section, or the step number, does not exist.
        ParseError: a step comes from a repaired fence and ``accept_repairs`` is False.
    """
    section, scope = select(runbook, key)
    blocks = [scope] if scope is not section else [b for b in section.blocks() if not _rollback(b)]
    steps = _number(blocks, section)
    count = len(steps)
    for wanted in (only, start):
        if wanted is not None and not 1 <= wanted <= count:
            raise NotFoundError(
                f"section {scope.id!r} has no step {wanted} (it has {count})", path=runbook.path
            )
    if only is not None:
        steps = [s for s in steps if s.number == only]
    elif start is not None:
        steps = [s for s in steps if s.number >= start]
    rollback = _number([b for b in section.subsections if b.rollback and b is not scope], section)
    if not accept_repairs:
        _refuse_repaired(runbook, scope, [*steps, *rollback])
    return Plan(
        runbook=runbook,
        section=section,
        scope=scope,
        steps=steps,
        rollback=rollback,
        partial=partial_scope([s.number for s in steps], count),
        chosen=runbook.section_lookup(key.partition("/")[0])[1],
    )


def _refuse_repaired(runbook: Runbook, scope: Block, steps: list[PlannedStep]) -> None:
    """Refuse steps whose lines a fence repair covers: they may hold text meant outside it."""
    for repair in runbook.repairs:
        for planned in steps:
            lines = [planned.step.line, *(c.line for c in planned.step.commands)]
            if any(repair.line <= line <= repair.end for line in lines):
                raise ParseError(
                    f"section {scope.id!r} step {planned.number} comes from the code fence "
                    f"{repair.text} at line {repair.line}, which is not closed ({repair.fix}); "
                    "close the fence, or run with --accept-repairs",
                    path=runbook.path,
                    line=repair.line,
                )


def partial_scope(numbers: list[int], count: int) -> str | None:
    """``step 7 of 7`` or ``steps 5–7 of 7`` when ``numbers`` leave out some of ``count``
    steps, else None (the whole section runs)."""
    if len(numbers) == count or not numbers:
        return None
    if len(numbers) == 1:
        return f"step {numbers[0]} of {count}"
    return f"steps {numbers[0]}–{numbers[-1]} of {count}"


def rollback_plan(parent: Plan) -> Plan | None:
    """A plan that runs the rollback of ``parent``'s section, or None when it has none."""
    if not parent.rollback:
        return None
    scope = parent.rollback[0].block
    return Plan(runbook=parent.runbook, section=parent.section, scope=scope, steps=parent.rollback)


def _rollback(block: Block) -> bool:
    return bool(getattr(block, "rollback", False))


def _number(blocks: list[Block], section: Section) -> list[PlannedStep]:
    planned: list[PlannedStep] = []
    for block in blocks:
        evidence = is_evidence(block, section)
        for step in block.steps:
            planned.append(PlannedStep(len(planned) + 1, block, step, evidence))
    return planned


def is_evidence(block: Block, section: Section) -> bool:
    """Whether ``block`` gathers evidence (its failures are findings, not reasons to stop).

    The Symptoms and Diagnosis sections are evidence, and so is any block whose title says
    it checks (:data:`EVIDENCE`: Verify, Verification, Check, Validate, Confirm, Test,
    Investigate, Triage, Inspect, Health); change sections (Fix, Rollback, …) are not.
    """
    if block is not section and EVIDENCE.search(block.title):
        return True
    return section.id.split("-")[0] in EVIDENCE_SECTIONS or bool(EVIDENCE.search(section.title))


def markers(step: Step) -> list[str]:
    """Short labels for what is special about a step (manual, destructive, retry)."""
    out = []
    if step.kind == "manual":
        out.append("MANUAL")
    if step.destructive:
        out.append("DESTRUCTIVE: " + "; ".join(step.destructive_reasons))
    if step.retry:
        out.append(f"retry {step.retry.attempts}× every {step.retry.delay:g}s")
    needs_terminal = [c.interactive for c in step.commands if c.interactive]
    if needs_terminal:
        out.append("NEEDS A TERMINAL (manual unless --tty): " + "; ".join(needs_terminal))
    return out


def render(plan: Plan, *, host: str | None = None) -> str:
    """The plan as plain text: every step's target, commands, expected output and markers.

    Args:
        plan: what to render.
        host: the ``--host`` override, shown in place of the hosts written in the runbook.
    """
    runbook = plan.runbook
    lines = [
        f"{runbook.id}: {runbook.title}",
        f"section {plan.scope.id}: {plan.scope.title}  ({runbook.path}:{plan.scope.line})",
    ]
    if plan.chosen:
        lines.append(f"note: {plan.chosen}")
    lines += _render_steps(plan.steps, host, "")
    if plan.rollback:
        lines.append(f"on failure, offers rollback {plan.rollback[0].block.id}:")
        lines += _render_steps(plan.rollback, host, "R")
    if not plan.steps:
        lines.append("  (no steps)")
    return "\n".join(lines)


def _render_steps(steps: list[PlannedStep], host: str | None, prefix: str) -> list[str]:
    lines: list[str] = []
    current: Block | None = None
    for planned in steps:
        if planned.block is not current:
            current = planned.block
            lines.append(f"  [{current.id}] {current.title}")
        step = planned.step
        flags = "".join(f"  [{m}]" for m in markers(step))
        lines.append(f"    {prefix}{planned.number}. {step.title}  (line {step.line}){flags}")
        for command in step.commands:
            where = target_label(command.target)
            if host and command.target is not None:
                where = f"{host} (runbook: {where})"
            lines.append(f"       on {where}: {command.text}")
            if command.expected is not None:
                lines.append(f"         expect: {command.expected}")
        for note in step.notes if step.kind == "manual" else []:
            lines.append(f"       > {note}")
    return lines
