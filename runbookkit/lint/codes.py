"""The lint rule codes: each a stable code with its severity, a summary and an explanation.

The explanation is what ``runbookkit rule CODE`` prints and what the docs site lists, so it says
why the rule exists and how to satisfy it, in a few sentences.
"""

from __future__ import annotations

from enum import StrEnum


class Level(StrEnum):
    """How much a finding matters: an error fails the lint, a warning doesn't (unless strict)."""

    error = "error"
    warning = "warning"


class Rule(StrEnum):
    """A lint rule: ``Rule.PATTERN_MISSES_EXAMPLE == "RBK004"``, with its documentation."""

    level: Level
    summary: str
    explanation: str
    fixable: bool

    def __new__(
        cls, code: str, level: Level, summary: str, explanation: str, fixable: bool = False
    ) -> Rule:
        member = str.__new__(cls, code)
        member._value_ = code
        member.level = level
        member.summary = summary
        member.explanation = " ".join(explanation.split())
        member.fixable = fixable
        return member

    @property
    def code(self) -> str:
        """The stable code, ``RBK004``."""
        return str(self.value)

    @property
    def severity(self) -> Level:
        """The rule's level (error or warning); another name for :attr:`level`."""
        return self.level

    @property
    def slug(self) -> str:
        """The rule's readable name, ``pattern-misses-example``."""
        return self.name.lower().replace("_", "-")

    FORMAT_PROFILE = (
        "RBK001",
        Level.error,
        "Runbook doesn't follow the format profile",
        """The format profile (a JSON Schema over the parsed runbook, `schema/profile.default.json`
        unless `--profile` or `[tool.runbookkit] profile` names another) lists what every runbook
        must have: by default the Symptoms, Diagnosis and Fix sections and the Pattern, Severity,
        MTTR Target and Last Updated header lines. Values the parser cannot read (a Severity of
        "urgent", an MTTR of "soon") are reported here too. Add or correct what the message
        names, or loosen the profile for your team.""",
    )
    PATTERN_INVALID = (
        "RBK002",
        Level.error,
        "Pattern doesn't compile",
        """The Pattern header is the regular expression that ties an error message to this
        runbook. One that doesn't compile can never match, so nothing finds the runbook. The
        message quotes the regex engine's complaint and the position it points at.""",
    )
    PATTERN_BACKTRACKS = (
        "RBK003",
        Level.warning,
        "Pattern can backtrack catastrophically",
        """Patterns are matched against large volumes of log lines. RE2 matches in time linear in
        the input, but it refuses constructs that need a backtracking engine (backreferences,
        lookaround, possessive quantifiers, huge repetition counts). A Pattern RE2 refuses must
        run on Python's backtracking `re`, where an unlucky line can take exponential time.
        Rewrite it without the construct RE2 names.""",
    )
    PATTERN_MISSES_EXAMPLE = (
        "RBK004",
        Level.error,
        "Pattern doesn't match an example error from Symptoms",
        """The example error blocks under Symptoms show what the error looks like; the Pattern
        must find each of them, or the runbook is never offered for the very error it documents.
        Matching is a search anywhere in the example, with the Pattern's own flags (add `(?i)`
        for case-insensitive matching).""",
    )
    DAMAGED_TEXT = (
        "RBK005",
        Level.error,
        "Damaged text (mojibake)",
        """The line holds UTF-8 text that was decoded as Windows-1252 somewhere along the way
        (`ðŸ“‹` for 📋, `â‰¥` for ≥). `--fix` restores a line when ftfy's repair is exact (turning
        it back reproduces the damaged bytes); where bytes were lost (0x81, 0x8D, 0x8F, 0x90,
        0x9D have no Windows-1252 character) no tool can know the original, and the line must be
        retyped.""",
        True,
    )
    REVIEW_OVERDUE = (
        "RBK006",
        Level.warning,
        "Next Review date has passed",
        """A runbook past its Next Review date may describe hosts, commands and services that have
        changed. Review it, then move Next Review forward (and Last Updated if you changed it).""",
    )
    UPDATED_IN_FUTURE = (
        "RBK007",
        Level.error,
        "Last Updated lies in the future",
        """A Last Updated date after today is a typo, and it makes the review schedule
        meaningless. Write the date the runbook was really last changed.""",
    )
    DESTRUCTIVE_UNMARKED = (
        "RBK008",
        Level.error,
        "Destructive step without a WARNING",
        """A step whose command destroys data or stops a service (rm -rf, FLUSHALL, DROP,
        systemctl stop, kill -9, kubectl delete, terraform destroy, …) must say so where the
        on-call engineer reads it: put WARNING (or DANGER, CAUTION, in any case: "use with
        caution" counts) in the step's title, a comment in it, or the heading of its subsection
        or section, with what is lost. The commands that count as destructive are the table in
        `runbookkit.parsing.safety`, plus a team's `[tool.runbookkit] destructive` entries.""",
    )
    FIX_UNVERIFIED = (
        "RBK009",
        Level.error,
        "Fix section has no verification",
        """After a fix the on-call engineer needs to know it worked. Give the Fix section a
        Verification subsection, or at least one step with an expected output
        (`# Expected: PONG` after a command, or a console block with its output).""",
    )
    SHELL_BLOCK_NO_LANGUAGE = (
        "RBK010",
        Level.warning,
        "Shell code block without a language",
        """Code blocks in Diagnosis and Fix are run as shell. Write the language on the fence
        (```` ```bash ````) so readers, renderers and runbookkit agree on what the block is; use
        ```` ```text ```` for output that must not run.""",
    )
    EMPTY_STEP = (
        "RBK011",
        Level.error,
        "Step with neither commands nor text",
        """A step that holds no command and no instruction gives the on-call engineer nothing to
        do. Add the commands, write what to do by hand as comments, or remove the step.""",
    )
    SECRET_IN_COMMAND = (
        "RBK012",
        Level.error,
        "Secret in a command",
        """Runbooks live in git and are published: a password, token, key or private key written
        into a command leaks with them. Put the secret in the environment or a secret store and
        refer to it (`$REDIS_PASSWORD`), and list the variable under the Secrets header. Rotate
        the secret that was written down.""",
    )
    DUPLICATE_STEP_TITLE = (
        "RBK013",
        Level.warning,
        "Duplicate step title in a subsection",
        """Steps are picked and reported by title; two steps of one subsection with the same title
        make `--step` and the run history ambiguous. Give each step its own title.""",
    )
    SEVERAL_HOSTS = (
        "RBK014",
        Level.warning,
        "Section targets several different hosts",
        """A section whose steps go to different hosts is easy to run against the wrong one, and
        a typo in one host name hides among the others. Use one host (or the runbook's Hosts
        group) per section, or split the section.""",
    )


def find_rule(key: str) -> Rule | None:
    """The rule with this code or readable name (case-insensitive), or None."""
    wanted = key.strip().lower()
    for rule in Rule:
        if wanted in (rule.code.lower(), rule.slug):
            return rule
    return None
