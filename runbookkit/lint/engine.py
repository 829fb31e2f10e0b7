"""Run the rules over runbooks: one runbook, one file, or many files across processes.

A file is read and parsed tolerantly: when the parser refuses a metadata value (an invalid
Pattern, a Severity of "urgent"), that value is blanked, the file parsed again, and the refusal
becomes a finding, so one bad header line never hides the rest of the file's findings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from runbookkit.errors import ParseError
from runbookkit.lint.codes import Level, Rule
from runbookkit.lint.profile import Profile, load_profile
from runbookkit.lint.rules import RULES, Context
from runbookkit.model import Runbook
from runbookkit.parsing import id_from_path, kept, parse_text, read_text
from runbookkit.parsing.metadata import ALIASES, normalise_key
from runbookkit.parsing.safety import DEFAULT, Policy

# A header (`**Key:** value`, `**Key**: value`) or front matter (`key: value`) line.
_META_LINE = re.compile(
    r"^(?P<head>\s*(?:\*\*(?P<bold>[^*]+?)\*\*\s*:?|(?P<yaml>[A-Za-z][\w -]*)\s*:))(?P<value>.*)$"
)
_MAX_REFUSALS = 12


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in one runbook, at ``path:line:column``."""

    rule: Rule
    path: str
    line: int
    message: str
    level: Level
    column: int = 1
    fixable: bool = False
    subcode: str | None = None

    @property
    def code(self) -> str:
        """The finding's code: the rule's (``RBK004``), or a finer one (``RBK-SC2086``)."""
        return self.subcode or self.rule.code


@dataclass
class LintOptions:
    """How to lint: which rules, which profile, which day it is, and what counts as an error."""

    select: frozenset[Rule] | None = None
    ignore: frozenset[Rule] = frozenset()
    profile: str | None = None
    today: dt.date = field(default_factory=dt.date.today)
    strict: bool = False
    fix: bool = False
    policy: Policy = DEFAULT
    shellcheck: bool = True  # when the binary is installed

    def wants(self, rule: Rule) -> bool:
        """Whether ``rule`` is selected and not ignored."""
        return rule not in self.ignore and (self.select is None or rule in self.select)


@dataclass
class FileResult:
    """The outcome for one file: its findings, or the error that kept it from being linted."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    error: ParseError | None = None
    fixed: int = 0
    before: str | None = None
    after: str | None = None


def lint_runbook(
    runbook: Runbook,
    *,
    profile: Profile | str | Path | None = None,
    today: dt.date | None = None,
    select: Iterable[Rule] | None = None,
    ignore: Iterable[Rule] = (),
) -> list[Finding]:
    """Every finding for a parsed runbook, in source order, honouring its ignore comments."""
    compiled = profile if isinstance(profile, Profile) else load_profile(profile)
    source = _source(runbook.path)
    ctx = Context(runbook, today or dt.date.today(), compiled, source=source)
    options = LintOptions(
        select=frozenset(select) if select is not None else None, ignore=frozenset(ignore)
    )
    return _run(ctx, options)


def _source(path: str) -> list[str]:
    """The lines of the file at ``path`` (none when it can't be read), for columns."""
    try:
        return read_text(path)[0].split("\n")
    except (OSError, ParseError):
        return []


def _run(ctx: Context, options: LintOptions) -> list[Finding]:
    """Run the selected rules; the context's source lines give findings their columns."""
    findings: list[Finding] = []
    ignores = ctx.runbook.ignores
    for rule, check in RULES:
        if not options.wants(rule):
            continue
        silenced = set(ignores.get(rule.code, ()))
        if 0 in silenced:
            continue
        level = Level.error if options.strict else Level(ctx.profile.levels.get(rule, rule.level))
        for hit in check(ctx):
            if hit.line in silenced or (
                hit.code and {0, hit.line} & set(ignores.get(hit.code, ()))
            ):
                continue
            column = hit.column or _column(ctx.source, hit.line, hit.anchor)
            findings.append(
                Finding(
                    rule,
                    ctx.runbook.path,
                    hit.line,
                    hit.message,
                    level,
                    column,
                    hit.fixable,
                    hit.code,
                )
            )
    findings.sort(key=lambda f: (f.line, f.column, f.code))
    return findings


def _column(source: list[str] | None, line: int, anchor: str | None) -> int:
    """1-based column (in characters) of ``anchor`` on ``line``, else 1."""
    if not source or not anchor or not 0 < line <= len(source):
        return 1
    return source[line - 1].find(anchor) + 1 or 1


def parse_tolerantly(
    text: str, path: str, digest: str | None = None, policy: Policy = DEFAULT
) -> tuple[Runbook, dict[str, tuple[int, str, str]]]:
    """Parse ``text`` into its runbook; metadata values the parser refuses are blanked and
    recorded.

    Returns:
        The runbook, and each refused field with its line, raw value and the parser's message.

    Raises:
        ParseError: the file is malformed beyond a metadata value (an unclosed fence, bad YAML).

    With ``digest`` (the sha256 of the file's bytes), the result for unchanged bytes is taken
    from the cache (:mod:`runbookkit.parsing.kept`).
    """
    ident = id_from_path(path)
    if digest is None:
        return _parse_tolerantly(text, path, ident, digest, policy)
    return kept.fetch(
        kept.key(digest, path, ident, policy, kind="lint"),
        lambda: _parse_tolerantly(text, path, ident, digest, policy),
        lambda found: (
            isinstance(found, tuple) and len(found) == 2 and isinstance(found[0], Runbook)
        ),
    )


def _parse_tolerantly(
    text: str, path: str, ident: str, digest: str | None, policy: Policy
) -> tuple[Runbook, dict[str, tuple[int, str, str]]]:
    lines = text.split("\n")
    refused: dict[str, tuple[int, str, str]] = {}
    for _ in range(_MAX_REFUSALS):
        try:
            joined = "\n".join(lines)
            runbook = parse_text(joined, path=path, runbook_id=ident, sha256=digest, policy=policy)
        except ParseError as exc:
            blanked = _blank(lines, exc)
            if blanked is None:
                raise
            name, raw = blanked
            refused[name] = (exc.line or 1, raw, exc.message)
            continue
        return runbook, refused
    raise ParseError("too many invalid metadata values", path=path)


def _blank(lines: list[str], exc: ParseError) -> tuple[str, str] | None:
    """Blank the value on the metadata line ``exc`` points at; return its field and raw value."""
    if not exc.line or exc.line > len(lines):
        return None
    found = _META_LINE.match(lines[exc.line - 1])
    if found is None:
        return None
    key = (found.group("bold") or found.group("yaml") or "").strip().rstrip(":")
    name = ALIASES.get(normalise_key(key))
    if name is None or name in ("title", "tags", "secrets"):
        return None
    raw = found.group("value").strip()
    if not raw:
        return None  # already blank: the error is about something else on this line
    if raw.startswith("`") and raw.endswith("`") and len(raw) > 1:
        raw = raw.strip("`").strip()
    lines[exc.line - 1] = found.group("head")
    return name, raw


def lint_file(path: str | Path, options: LintOptions) -> FileResult:
    """Read, parse and lint one file (fixing it in memory when ``options.fix``)."""
    shown = str(path)
    result = FileResult(shown)
    try:
        text, digest = read_text(path)
        if options.fix:
            from runbookkit.lint.fix import fix_text

            before = _raw_text(path)
            after, result.fixed = fix_text(before)
            if result.fixed:
                result.before, result.after = before, after
                text = after.removeprefix("\ufeff")
                digest = hashlib.sha256(after.encode("utf-8")).hexdigest()
        runbook, refused = parse_tolerantly(text, shown, digest, options.policy)
        profile = load_profile(options.profile)
        ctx = Context(
            runbook,
            options.today,
            profile,
            refused,
            text.split("\n"),
            options.shellcheck and profile.shellcheck and options.wants(Rule.SHELLCHECK),
        )
        result.findings = _run(ctx, options)
    except ParseError as exc:
        result.error = exc
    return result


def _raw_text(path: str | Path) -> str:
    # newline="" keeps \r\n as it is, so a fixed file differs only where it was repaired.
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def lint_paths(
    paths: Sequence[str | Path], options: LintOptions, jobs: int | None = None
) -> list[FileResult]:
    """Lint many files, across processes when there are enough of them to pay for it."""
    workers = jobs if jobs is not None else min(os.cpu_count() or 1, max(1, len(paths) // 64))
    if workers <= 1:
        return [lint_file(p, options) for p in paths]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    load_profile(options.profile)  # fail fast, and forked workers inherit the compiled profile
    # Linting the first file here loads what the rules in use need (re2, tree-sitter, ftfy…),
    # so forked workers start with it instead of each importing it again.
    first = lint_file(paths[0], options)
    rest = paths[1:]
    fork = "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork") if fork else multiprocessing.get_context()
    chunk = max(1, len(rest) // (workers * 8))
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        return [first, *pool.map(lint_file, rest, [options] * len(rest), chunksize=chunk)]
