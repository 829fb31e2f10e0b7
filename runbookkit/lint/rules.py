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
from runbookkit.lint import content
from runbookkit.lint.codes import Rule
from runbookkit.lint.profile import Problem, Profile
from runbookkit.model import Block, Command, Runbook, Section, Step, to_data
from runbookkit.parsing import safety
from runbookkit.parsing.damage import SIGNATURE
from runbookkit.parsing.steps import SHELL_LANGUAGES


class Hit(NamedTuple):
    """What a rule found: the 1-based line, the message, and whether --fix repairs it.

    ``anchor`` is text on that line the finding is about; when the source is at hand, the
    finding's column is where the anchor starts.
    """

    line: int
    message: str
    fixable: bool = False
    anchor: str | None = None
    code: str | None = None  # a finer code than the rule's own (RBK-SC2086)
    column: int | None = None  # known exactly (ShellCheck's), else found from the anchor


@dataclass
class Context:
    """Everything the rules look at for one runbook.

    Attributes:
        runbook: the parsed runbook.
        today: the date review rules compare against.
        profile: the compiled format profile.
        refused: metadata values the parser refused: field → (line, raw value, its message).
    """

    runbook: Runbook
    today: dt.date
    profile: Profile
    refused: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    source: list[str] = field(default_factory=list)
    shellcheck: bool = False
    _problems: list[Problem] | None = field(default=None, repr=False)

    def problems(self) -> list[Problem]:
        """The profile's problems with the runbook, checked once for RBK001 and RBK015."""
        if self._problems is None:
            self._problems = self.profile.check(self.data())
        return self._problems

    def data(self) -> dict[str, Any]:
        """The model JSON the profile sees, with refused values as they were written."""
        data = to_data(self.runbook)
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
    for problem in ctx.problems():
        name = str(problem.path[1]) if problem.path[:1] == ("metadata",) else ""
        if len(problem.path) >= 2 and name in ctx.refused:
            continue  # the parser's own message says it better
        if problem.level == "error":
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
                if step.number is None:
                    continue  # the title is the heading's: the parser gave it, not the author
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


@rule(Rule.RECOMMENDED_MISSING)
def recommended_missing(ctx: Context) -> Iterator[Hit]:
    """What the profile recommends (``"x-level": "warning"``) and the runbook lacks."""
    for problem in ctx.problems():
        name = str(problem.path[1]) if problem.path[:1] == ("metadata",) else ""
        if problem.level == "warning" and not (len(problem.path) >= 2 and name in ctx.refused):
            yield Hit(problem.line, problem.message)


def _shell(step: Step) -> bool:
    return step.kind == "shell" and (step.language or "bash").lower() in SHELL_LANGUAGES


def fence_of(source: list[str], line: int) -> int | None:
    """The 1-based line of the fence that opens the code block holding ``line``."""
    for index in range(min(line, len(source)) - 1, -1, -1):
        text = source[index].lstrip(" >")
        if text.startswith(("```", "~~~")):
            return index + 1
    return None


@rule(Rule.PROMPT_IN_SHELL_BLOCK)
def prompt_in_shell_block(ctx: Context) -> Iterator[Hit]:
    """A shell (not console) block whose commands were typed after ``$ `` prompts."""
    reported: set[int] = set()
    for _, _, step in all_steps(ctx.runbook):
        if step.language is None or step.language.lower() not in SHELL_LANGUAGES:
            continue
        for command in step.commands:
            written = ctx.source[command.line - 1] if command.line <= len(ctx.source) else ""
            if not written.lstrip(" >").startswith("$ "):
                continue
            fence = fence_of(ctx.source, command.line) or step.line
            if fence not in reported:
                reported.add(fence)
                yield Hit(
                    command.line,
                    f"```{step.language} block (line {fence}) holds `$ ` prompts, so pasting it "
                    "runs `$`, expected ```console for a transcript or the commands without "
                    "prompts",
                    fixable=True,
                    anchor="$ ",
                )


@rule(Rule.PLACEHOLDER)
def placeholder(ctx: Context) -> Iterator[Hit]:
    """Once per section: the variables its commands' placeholders stand for."""
    for section in ctx.runbook.sections:
        found: dict[str, tuple[str, int]] = {}
        for block in section.blocks():
            for step in block.steps:
                for command in step.commands:
                    for held in command.placeholders:
                        found.setdefault(held.name, (held.text, held.line))
        if found:
            names = ", ".join(found)
            listed = ", ".join(f"{text} (line {line})" for text, line in found.values())
            first_text, first_line = next(iter(found.values()))
            yield Hit(
                first_line,
                f"section {section.title.strip()!r} needs values for {names}: its commands hold "
                f"placeholders {listed}, expected the variables set before it runs "
                "(`--var NAME=value`) or written as $NAME",
                anchor=first_text,
            )


@rule(Rule.INTERACTIVE_COMMAND)
def interactive_command(ctx: Context) -> Iterator[Hit]:
    """A command that needs a terminal or never ends, in a step runbookkit runs."""
    for _, _, step in all_steps(ctx.runbook):
        for command in step.commands:
            if command.interactive:
                yield Hit(
                    command.line,
                    f"step {step.title!r}: {command.interactive}, so it can't run unattended, "
                    "expected a command that ends by itself (`--tail`, `timeout`) or a manual step",
                    anchor=command.raw.splitlines()[0].strip(),
                )


def _opener_line(step: Step, command: Command) -> int | None:
    """The line of the ``ssh host`` that binds ``command`` to its host, from the step's notes."""
    if command.target is None or command.text != command.raw:
        return None
    for note in step.notes:
        found = _SESSION_NOTE.match(note)
        if found and int(found.group(1)) < command.line:
            return int(found.group(1))
    return None


_SESSION_NOTE = re.compile(r"commands after line (\d+) run on ")
_FOREIGN_NOTE = re.compile(r"these commands run inside `(.+)`, which runbookkit cannot open")


@rule(Rule.SESSION_OPENER)
def session_opener(ctx: Context) -> Iterator[Hit]:
    """``ssh host`` (or a container shell) followed by commands meant for it, once per opener."""
    for _, _, step in all_steps(ctx.runbook):
        seen: set[int] = set()
        for command in step.commands:
            line = _opener_line(step, command)
            if line is not None and line not in seen:
                seen.add(line)
                host = command.target.label if command.target else "the host"
                yield Hit(
                    line,
                    f"`{ctx.source[line - 1].strip() if line <= len(ctx.source) else 'ssh'}` opens "
                    f"a session and the commands after it are meant for {host}: pasted, they run "
                    f"here, expected `ssh {host} '…'` for each or a Hosts header",
                )
        for note in step.notes:
            if found := _FOREIGN_NOTE.match(note):
                yield Hit(
                    step.line,
                    f"`{found.group(1)}` opens a shell runbookkit can't enter, and the commands "
                    "after it are meant for that shell, expected each as "
                    "`kubectl exec POD -- command` or a step marked manual",
                    anchor=found.group(1),
                )
                break


_MAY_SET = re.compile(r"(?:^|[\s;&|])(?:export\s+)?[A-Za-z_]\w*=|\bcd\s|\b(?:read|source)\s|^\.\s")
_CD = re.compile(r"^\s*(?:cd|pushd)\s+(\S+)\s*$")


@rule(Rule.STATE_ACROSS_STEPS)
def state_across_steps(ctx: Context) -> Iterator[Hit]:
    """A step reads a variable only an earlier step of the section sets, or follows a bare cd."""
    from runbookkit.parsing import shellsyntax

    for section in ctx.runbook.sections:
        steps = [step for block in section.blocks() for step in block.steps if _shell(step)]
        if len(steps) < 2 or not any(_MAY_SET.search(c.text) for s in steps for c in s.commands):
            continue
        set_by: dict[str, int] = {}
        directory: tuple[str, int] | None = None
        for step in steps:
            own: set[str] = set()
            reported: set[str] = set()
            for command in step.commands:
                try:
                    usage = shellsyntax.analyse(command.text)
                except ValueError:
                    continue
                for name in usage.needed:
                    if name in set_by and name not in own and name not in reported:
                        reported.add(name)
                        yield Hit(
                            command.line,
                            f"step {step.title!r} reads ${name}, which only the step at line "
                            f"{set_by[name]} sets: run alone (`--step`) or pasted by itself it "
                            f"is empty, expected ${name} set in this step",
                            anchor=name,
                        )
                own |= usage.assigns
            if directory is not None and step.commands and not _CD.match(step.commands[0].text):
                path, line = directory
                yield Hit(
                    step.line,
                    f"step {step.title!r} runs in {path}, which only `cd` at line {line} "
                    "enters: run alone it runs elsewhere, expected the `cd` in this step",
                )
            directory = None
            for name in own:
                set_by.setdefault(name, step.commands[0].line if step.commands else step.line)
            if len(step.commands) == 1 and (cd := _CD.match(step.commands[0].text)):
                directory = (cd.group(1), step.commands[0].line)


@rule(Rule.UNCLOSED_FENCE)
def unclosed_fence(ctx: Context) -> Iterator[Hit]:
    """A fence the parser had to close itself: where it opens, and what was assumed."""
    for repair in ctx.runbook.repairs:
        yield Hit(
            repair.line,
            f"code fence {repair.text} is never closed; read as {repair.fix}",
            anchor=repair.text,
        )


@rule(Rule.NOT_SHELL)
def not_shell(ctx: Context) -> Iterator[Hit]:
    """Lines of a shell step that read as YAML, JSON, SQL or program output (once per block)."""
    for _, _, step in all_steps(ctx.runbook):
        if not _shell(step):
            continue
        for command in step.commands:
            if command.sample is not None:
                continue
            first = command.raw.splitlines()[0] if command.raw else ""
            found = content.kind(first)
            if found:
                yield Hit(
                    command.line,
                    f"step {step.title!r} has {found} in a ```{step.language or 'bash'} block: "
                    f"{first.strip()[:60]!r} would run as a command, expected it in a block of "
                    "its own language or fed to the command that reads it",
                    anchor=first.strip(),
                )
                break


@rule(Rule.SHELLCHECK)
def shellcheck(ctx: Context) -> Iterator[Hit]:
    """ShellCheck's findings over the runbook's shell steps, one process per file."""
    if not ctx.shellcheck:
        return
    from runbookkit.lint import shellcheck as sc

    for found in sc.check(ctx.runbook, ctx.source):
        yield Hit(found.line, found.message, code=found.code, column=found.column)
