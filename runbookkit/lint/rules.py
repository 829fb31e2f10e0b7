"""The semantic rules: one small function per rule, registered in order.

A rule takes the :class:`Context` of one runbook and yields :class:`Hit` s (a line and a
message); the engine turns them into findings, applies ``--select``/``--ignore`` and the
runbook's own ignore comments. Add a rule by writing a function with ``@rule(Rule.X)``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any, NamedTuple

from runbookkit import secrets
from runbookkit.lint.codes import Rule
from runbookkit.lint.profile import Profile
from runbookkit.model import Block, Runbook, Section, Step
from runbookkit.parsing import safety
from runbookkit.parsing.damage import SIGNATURE


class Hit(NamedTuple):
    """What a rule found: the 1-based line, the message, and whether --fix repairs it.

    ``anchor`` is text on that line the finding is about; when the source is at hand, the
    finding's column is where the anchor starts.
    """

    line: int
    message: str
    fixable: bool = False
    anchor: str | None = None


@dataclass
class Context:
    """Everything the rules look at for one runbook.

    Attributes:
        runbook: the parsed model.
        today: the date review rules compare against.
        profile: the compiled format profile.
        refused: metadata values the parser refused: field → (line, raw value, its message).
    """

    runbook: Runbook
    today: dt.date
    profile: Profile
    refused: dict[str, tuple[int, str, str]] = field(default_factory=dict)

    def data(self) -> dict[str, Any]:
        """The model JSON the profile sees, with refused values as they were written."""
        data = self.runbook.model_dump(mode="json")
        for name, (_, raw, _) in self.refused.items():
            data["metadata"][name] = raw
        return data


Check = Callable[[Context], Iterable[Hit]]
RULES: list[tuple[Rule, Check]] = []


def rule(code: Rule) -> Callable[[Check], Check]:
    """Register the decorated function as the check of ``code`` (in definition order)."""

    def register(check: Check) -> Check:
        RULES.append((code, check))
        return check

    return register


def all_steps(runbook: Runbook) -> Iterator[tuple[Section, Block, Step]]:
    """Every step with its section and block, in source order."""
    for section in runbook.sections:
        for block in section.blocks():
            for step in block.steps:
                yield section, block, step


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@cache
def re2_refusal(pattern: str) -> str | None:
    """Why RE2 refuses ``pattern``, or None when RE2 runs it (in linear time)."""
    import re2

    options = re2.Options()
    options.log_errors = False
    try:
        re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        return reason.decode() if isinstance(reason, bytes) else str(reason)
    return None


@rule(Rule.FORMAT_PROFILE)
def format_profile(ctx: Context) -> Iterator[Hit]:
    """What the profile says, and every metadata value the parser couldn't read."""
    for problem in ctx.profile.check(ctx.data()):
        name = str(problem.path[1]) if problem.path[:1] == ("metadata",) else ""
        if len(problem.path) >= 2 and name in ctx.refused:
            continue  # the parser's own message says it better
        yield Hit(problem.line, problem.message)
    for name, (line, _, message) in ctx.refused.items():
        if name != "pattern":
            yield Hit(line, message)


@rule(Rule.PATTERN_INVALID)
def pattern_invalid(ctx: Context) -> Iterator[Hit]:
    """The Pattern as written doesn't compile."""
    if "pattern" in ctx.refused:
        line, raw, _ = ctx.refused["pattern"]
        try:
            re.compile(raw)
        except re.error as exc:
            yield Hit(line, f"Pattern doesn't compile: {exc}", anchor=raw)


@rule(Rule.PATTERN_BACKTRACKS)
def pattern_backtracks(ctx: Context) -> Iterator[Hit]:
    """RE2 refuses the Pattern, so only a backtracking engine can run it."""
    pattern = ctx.runbook.metadata.pattern
    if pattern and (reason := re2_refusal(pattern)):
        yield Hit(
            ctx.runbook.metadata.lines.get("pattern", 1),
            f"Pattern can backtrack catastrophically: RE2 refuses it ({reason}), "
            "expected a pattern RE2 accepts",
            anchor=pattern,
        )


@rule(Rule.PATTERN_MISSES_EXAMPLE)
def pattern_misses_example(ctx: Context) -> Iterator[Hit]:
    """Every example error under Symptoms must be found by the Pattern."""
    pattern = ctx.runbook.metadata.pattern
    if not pattern:
        return
    compiled = _compiled(pattern)
    for example in ctx.runbook.examples:
        if not compiled.search(example.text):
            first = next((ln.strip() for ln in example.text.splitlines() if ln.strip()), "")
            shown = first if len(first) <= 80 else first[:77] + "..."
            yield Hit(
                ctx.runbook.metadata.lines.get("pattern", 1),
                f"Pattern doesn't match the example error at line {example.line}: {shown!r}",
                anchor=pattern,
            )


@rule(Rule.DAMAGED_TEXT)
def damaged_text(ctx: Context) -> Iterator[Hit]:
    """Each mis-decoded line, and whether --fix can restore it exactly."""
    from runbookkit.lint.fix import repairs

    for damage in ctx.runbook.damage:
        found = repairs(damage.text)
        if found:
            pairs = ", ".join(f"{bad!r} should read {good!r}" for bad, good in found)
            yield Hit(
                damage.line, f"damaged text (mojibake): {pairs}", fixable=True, anchor=found[0][0]
            )
            continue
        shown = damage.text.strip()
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        first = SIGNATURE.search(damage.text)
        yield Hit(
            damage.line,
            f"damaged text (mojibake) in {shown!r}: bytes were lost, so no tool can restore it, "
            "expected the line retyped",
            anchor=first.group(0) if first else None,
        )


@rule(Rule.REVIEW_OVERDUE)
def review_overdue(ctx: Context) -> Iterator[Hit]:
    """Next Review lies before today."""
    meta = ctx.runbook.metadata
    if meta.next_review is not None and meta.next_review < ctx.today:
        days = (ctx.today - meta.next_review).days
        yield Hit(
            meta.lines.get("next_review", 1),
            f"Next Review {meta.next_review} has passed ({days} days before {ctx.today}), "
            "expected the runbook reviewed and the date moved forward",
            anchor=str(meta.next_review),
        )


@rule(Rule.UPDATED_IN_FUTURE)
def updated_in_future(ctx: Context) -> Iterator[Hit]:
    """Last Updated lies after today."""
    meta = ctx.runbook.metadata
    if meta.last_updated is not None and meta.last_updated > ctx.today:
        yield Hit(
            meta.lines.get("last_updated", 1),
            f"Last Updated {meta.last_updated} lies in the future (today is {ctx.today}), "
            "expected the date of the last change",
            anchor=str(meta.last_updated),
        )


@rule(Rule.DESTRUCTIVE_UNMARKED)
def destructive_unmarked(ctx: Context) -> Iterator[Hit]:
    """A destructive command in a step that nothing around it warns about.

    A WARNING, DANGER or CAUTION in the step's title, a comment in it or before its block's first
    step, or the heading of its subsection or section is a warning (the parser records it as a
    ``marked …`` reason).
    """
    for _, _, step in all_steps(ctx.runbook):
        if safety.warned(step.destructive_reasons):
            continue
        for command in step.commands:
            if command.destructive:
                yield Hit(
                    command.line,
                    f"step {step.title!r} is destructive ({command.destructive}), "
                    "expected WARNING in its title, a comment or its heading saying what is lost",
                    anchor=command.raw.splitlines()[0],
                )
                break


_VERIFY = re.compile(r"\b(verif\w*|validat\w*|smoke test)\b", re.IGNORECASE)


@rule(Rule.FIX_UNVERIFIED)
def fix_unverified(ctx: Context) -> Iterator[Hit]:
    """The Fix section has no Verification subsection and no step with an expected output."""
    fix = ctx.runbook.section("fix")
    if fix is None:
        return
    if any(_VERIFY.search(sub.title) for sub in fix.subsections):
        return
    blocks = [fix, *(sub for sub in fix.subsections if not sub.rollback)]
    if any(c.expected for block in blocks for step in block.steps for c in step.commands):
        return
    yield Hit(
        fix.line,
        "Fix has no verification, expected a Verification subsection or a step with an "
        "expected output (`# Expected: …`)",
    )


@rule(Rule.SHELL_BLOCK_NO_LANGUAGE)
def shell_block_no_language(ctx: Context) -> Iterator[Hit]:
    """Steps that came from a fence without a language in Diagnosis or Fix (once per block)."""
    for section in ctx.runbook.sections:
        if section.id not in ("diagnosis", "fix"):
            continue
        for block in section.blocks():
            previous: Step | None = None
            for step in block.steps:
                if step.language is None and (previous is None or previous.language is not None):
                    yield Hit(
                        step.line,
                        f"code block in {section.title.strip()!r} runs as shell but names no "
                        "language, expected ```bash (or ```text for output)",
                    )
                previous = step


@rule(Rule.EMPTY_STEP)
def empty_step(ctx: Context) -> Iterator[Hit]:
    """A step with no command and no text."""
    for _, _, step in all_steps(ctx.runbook):
        if not step.commands and not any(note.strip() for note in step.notes):
            yield Hit(
                step.line,
                f"step {step.title!r} has neither commands nor text, "
                "expected a command or instructions",
            )


@rule(Rule.SECRET_IN_COMMAND)
def secret_in_command(ctx: Context) -> Iterator[Hit]:
    """A password, token or key written into a command (shown masked)."""
    for _, _, step in all_steps(ctx.runbook):
        for command in step.commands:
            for found in secrets.find(command.raw):
                line = command.line + command.raw.count("\n", 0, found.start)
                masked = secrets.redact(command.raw).splitlines()[0]
                shown = masked if len(masked) <= 60 else masked[:57] + "..."
                yield Hit(
                    line,
                    f"{found.shape} in a command ({shown!r}), "
                    "expected a variable such as $PASSWORD",
                    anchor=command.raw[found.start : found.end].splitlines()[0],
                )


@rule(Rule.DUPLICATE_STEP_TITLE)
def duplicate_step_title(ctx: Context) -> Iterator[Hit]:
    """Two steps of one section or subsection share a title."""
    for section in ctx.runbook.sections:
        for block in section.blocks():
            seen: dict[str, int] = {}
            for step in block.steps:
                key = " ".join(step.title.casefold().split())
                if key in seen:
                    yield Hit(
                        step.line,
                        f"step title {step.title!r} is used twice in {block.title.strip()!r} "
                        f"(first at line {seen[key]}), expected a title of its own",
                    )
                else:
                    seen[key] = step.line


@rule(Rule.SEVERAL_HOSTS)
def several_hosts(ctx: Context) -> Iterator[Hit]:
    """One section's commands go to more than one remote host."""
    for section in ctx.runbook.sections:
        hosts: dict[str, int] = {}
        for block in section.blocks():
            for step in block.steps:
                for command in step.commands:
                    if command.target is not None:
                        hosts.setdefault(command.target.host, command.line)
        if len(hosts) > 1:
            listed = ", ".join(f"{host} (line {line})" for host, line in hosts.items())
            yield Hit(
                section.line,
                f"section {section.title.strip()!r} targets {len(hosts)} hosts: {listed}, "
                "expected one host per section",
            )
