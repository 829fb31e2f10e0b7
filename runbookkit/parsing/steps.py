"""Turn a shell or console code block into steps.

Shell blocks (bash, sh, shell, zsh): ``# Step N: title`` or ``# N. title`` comments start a step,
the commands after them belong to it and ``# Retry: 10 every 1s`` makes the step wait for its
expectation. These comments attach a check to the command before them in the step:

- ``# Expected: X`` (``# Expected output: X``): stdout must contain X (several lines join);
- ``# Expected absent: X``: neither stdout nor stderr may contain X (several comments allowed);
- ``# Expected empty`` (``# Expected: (empty)``, ``# Expected: nothing``): stdout must be empty;
- ``# Exit: 0,1`` (``# Exit: 0 1``, ``# Exit codes: 0, 1``): the exit statuses that count as
  success, each 0 to 255 (without one, only 0 does).

A step of comments only is a manual step; a block without step comments is one step. Line
continuations, heredocs and multi-line quotes stay inside one command. A bare ``ssh host``
followed by commands, or a shell runbookkit can't open (``kubectl exec -it POD -- sh``), binds
the commands after it (:mod:`runbookkit.parsing.sessions`).

Transcripts, a shell block with ``$ `` prompts and every console block (console,
shell-session), are read by :mod:`runbookkit.parsing.transcripts`: the prompt is removed and the
output after a command is its sample output, for reference.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from runbookkit.errors import ParseError
from runbookkit.model import Command, Placeholder, Retry, Step, Target
from runbookkit.parsing import interactive, safety, sessions, shellsyntax, shellwords, transcripts
from runbookkit.parsing.fences import split_lines
from runbookkit.parsing.targets import split_remote

SHELL_LANGUAGES = frozenset({"bash", "sh", "shell", "zsh"})
CONSOLE_LANGUAGES = frozenset({"console", "shell-session", "sh-session", "shellsession"})

_STEP = re.compile(
    r"^#+\s*(?:step\s+(\d+)\s*[:.)\-–—]?|(\d+)[.)](?=\s|$))\s*(.*?)\s*$", re.IGNORECASE
)
_EXPECTED = re.compile(r"^#+\s*expected(?:\s+output)?\s*:\s?(.*?)\s*$", re.IGNORECASE)
_ABSENT = re.compile(r"^#+\s*expected\s+absent\s*:\s?(.*?)\s*$", re.IGNORECASE)
_EMPTY = re.compile(
    r"^#+\s*expected(?:\s+output)?\s*(?:\s(?:empty|nothing)|:\s*(?:\(empty\)|nothing|\(nothing\)))"
    r"\s*\.?$",
    re.IGNORECASE,
)
_EXIT = re.compile(r"^#+\s*exit(?:\s+(?:codes?|status(?:es)?))?\s*:\s*(.*?)\s*$", re.IGNORECASE)
_RETRY = re.compile(
    r"^#+\s*retry\s*:\s*(\d+)(?:\s*(?:x|times))?"
    r"(?:\s+every\s+(\d+(?:\.\d+)?)\s*(ms|s|sec|seconds?|m|min)?)?\s*$",
    re.IGNORECASE,
)
_UNITS = {"ms": 0.001, "m": 60.0, "min": 60.0}
MAX_ATTEMPTS = 10_000
MAX_DELAY = 86_400.0  # seconds between attempts


@dataclass
class _Draft:
    title: str
    line: int
    number: int | None = None
    commands: list[Command] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    retry: Retry | None = None


def shell_steps(
    text: str, first_line: int, language: str | None, context: str, *, console: bool = False
) -> tuple[list[Step], list[str]]:
    """Steps of a shell block, and the comments that come before its first step marker.

    Args:
        text: the block's content.
        first_line: the source line of the block's first content line.
        language: the block's language as written (None for none).
        context: the title to give a block without step comments.
        console: a console block: a transcript whose text outside command output is notes.

    Raises:
        ParseError: a ``# Retry:`` or ``# Exit:`` comment is invalid (with its line, no path).
    """
    lines = split_lines(text)
    marked = any(_STEP.match(line.strip()) for line in lines)
    drafts: list[_Draft] = [] if marked else [_Draft(context, first_line)]
    preamble: list[str] = []
    chunks = [c for c in _chunks(text, lines, first_line, console) if c[1].strip()]
    session: sessions.Opener | None = None
    resume = False  # a manual session ended: the next command starts a step of its own
    for index, (line_no, chunk, sample) in enumerate(chunks):
        stripped = chunk.strip()  # blank lines and bare "$" prompts are gone: nothing runs
        if stripped.startswith("#"):
            _comment(stripped, line_no, drafts, preamble)
            continue
        if not drafts or resume:
            drafts.append(_Draft(drafts[-1].title if drafts else context, line_no))
            resume = False
        if session is None and _followed(chunks, index):
            session = sessions.opener(stripped, line_no)
            if session is not None:
                _open(session, drafts, preamble)
                continue
        if session is not None and sessions.closes(stripped):
            resume, session = session.target is None, None  # back on this machine
            continue
        if session is not None and session.target is None:
            _typed(drafts[-1], session, stripped)
            continue
        command = _command(chunk, line_no, session.target if session else None)
        command.sample = sample
        drafts[-1].commands.append(command)
    found = [_finish(d, language) for d in drafts]
    warning = next((word for note in preamble if (word := safety.marker(note))), None)
    if warning:  # a comment before the first step marker warns about every step of the block
        for step in found:
            step.destructive_reasons = safety.with_marker(step.destructive_reasons, warning)
            step.destructive = True
    return found, preamble


def _followed(chunks: list[transcripts.Item], index: int) -> bool:
    """Whether a command (not ``exit``) comes after chunk ``index`` before any ``exit``."""
    for _, chunk, _ in chunks[index + 1 :]:
        text = chunk.strip()
        if not text.startswith("#"):
            return not sessions.closes(text)
    return False


def _open(session: sessions.Opener, drafts: list[_Draft], preamble: list[str]) -> None:
    """Start a session: a note for an ssh one, a manual step for one runbookkit can't open."""
    current = drafts[-1]
    if session.target is not None:
        current.notes.append(session.note())
        return
    if current.commands:
        drafts.append(_Draft(current.title, session.line))
    _typed(drafts[-1], session, session.text)


def _typed(draft: _Draft, session: sessions.Opener, text: str) -> None:
    """Note a command typed into a shell runbookkit can't open."""
    if session.note() not in draft.notes:
        draft.notes.append(session.note())
    draft.notes.append(text)


def console_steps(text: str, first_line: int, language: str | None, context: str) -> list[Step]:
    """The steps of a console block: each ``$ `` line a command, the output after it its sample."""
    return shell_steps(text, first_line, language, context, console=True)[0]


def _chunks(
    text: str, lines: list[str], first_line: int, console: bool
) -> Iterator[transcripts.Item]:
    if console or transcripts.TRIGGER.search(text):
        return transcripts.items(lines, first_line, _logical_lines, console)
    return ((line_no, chunk, None) for line_no, chunk in _logical_lines(lines, first_line))


def _comment(stripped: str, line_no: int, drafts: list[_Draft], preamble: list[str]) -> None:
    if step := _STEP.match(stripped):
        number = int(step.group(1) or step.group(2))
        drafts.append(_Draft(step.group(3) or f"Step {number}", line_no, number))
        return
    current = drafts[-1] if drafts else None
    if current and current.commands and _check(stripped, line_no, current.commands[-1]):
        return
    if (retry := _RETRY.match(stripped)) and current:
        current.retry = _retry(retry, line_no)
        return
    note = stripped.lstrip("#").strip()
    if current is None:
        preamble.append(note)
    elif note:
        current.notes.append(note)


def _check(stripped: str, line_no: int, last: Command) -> bool:
    """Attach a check comment to ``last``; False when ``stripped`` is not one."""
    if stripped.lstrip("#").lstrip()[:4].lower() not in ("expe", "exit"):
        return False  # cheap test: most comments are neither
    if _EMPTY.match(stripped):
        last.empty = True
    elif absent := _ABSENT.match(stripped):
        last.absent.append(absent.group(1))
    elif expected := _EXPECTED.match(stripped):
        value = expected.group(1)
        last.expected = value if last.expected is None else f"{last.expected}\n{value}"
    elif codes := _EXIT.match(stripped):
        last.exit_codes = _exit_codes(codes.group(1), line_no)
    else:
        return False
    return True


def _exit_codes(text: str, line_no: int) -> list[int]:
    values = [v for v in re.split(r"[\s,]+", text) if v]
    if values and all(v.isascii() and v.isdigit() and int(v) <= 255 for v in values):
        return list(dict.fromkeys(int(v) for v in values))
    raise ParseError(
        f"exit statuses {text!r} are not valid, expected numbers from 0 to 255 such as "
        "`# Exit: 0,1`",
        line=line_no,
    )


def _retry(found: re.Match[str], line_no: int) -> Retry:
    unit = (found.group(3) or "s").lower()
    attempts = int(found.group(1))
    delay = float(found.group(2) or 1) * _UNITS.get(unit, 1.0)
    if not (1 <= attempts <= MAX_ATTEMPTS and delay <= MAX_DELAY):
        raise ParseError(
            f"retry of {attempts} attempts every {delay:g}s is out of range, expected 1 to "
            f"{MAX_ATTEMPTS} attempts at most {MAX_DELAY:g}s apart",
            line=line_no,
        )
    return Retry(attempts=attempts, delay=delay)


def _command(chunk: str, line_no: int, session: Target | None = None) -> Command:
    raw = chunk.strip()
    remote = None if session else split_remote(raw)
    text, target = remote if remote else (raw, session)
    filled, found = shellsyntax.fill(text)
    return Command(
        text=filled,
        raw=raw,
        line=line_no,
        target=target,
        destructive=safety.destructive_reason(text),
        interactive=interactive.reason(text),
        placeholders=[
            Placeholder(text=f.text, name=f.name, line=line_no + f.line - 1) for f in found
        ],
    )


def _finish(draft: _Draft, language: str | None) -> Step:
    reasons = safety.step_reasons(draft.commands, [draft.title, *draft.notes])
    return Step(
        title=draft.title,
        line=draft.line,
        kind="shell" if draft.commands else "manual",
        number=draft.number,
        commands=draft.commands,
        notes=draft.notes,
        language=language,
        retry=draft.retry,
        destructive=bool(reasons),
        destructive_reasons=reasons,
    )


def _logical_lines(lines: list[str], first_line: int) -> list[tuple[int, str]]:
    """Group physical lines into commands: continuations, heredocs and open quotes join."""
    out: list[tuple[int, str]] = []
    index = 0
    while index < len(lines):
        start = index
        index += 1
        if lines[start].strip().startswith("#"):
            out.append((first_line + start, lines[start]))
            continue
        reader = shellwords.LineReader()
        while index < len(lines) and reader.feed(lines[index - 1]):
            index += 1
        out.append((first_line + start, "\n".join(lines[start:index])))
    return out
