"""``--fix``: repair mis-decoded text, and mark shell blocks with ``$ `` prompts ``console``.

A line is rewritten only when ftfy's repair is exact: encoding the repaired text back the way it
was damaged (UTF-8 read as Windows-1252) gives the damaged text again, character for character.
Where bytes were lost, ftfy has to guess (``ðŸ” `` becomes ``🔠`` instead of ``🔍 ``), so such
lines are left alone and reported. Every other byte of the file, line endings and a BOM included,
stays the same. A ```` ```bash ```` (sh, shell, zsh) fence whose block has a line starting
with ``$ `` gets the language ``console``: the block already reads as a transcript, so what runs
doesn't change.
"""

from __future__ import annotations

import re

from runbookkit.parsing import damage


def exact_repair(line: str) -> str | None:
    """The repaired ``line`` when ftfy restores all of it exactly, else None."""
    if not damage.has_damage(line):
        return None
    repaired = damage.repair_line(line)  # imports ftfy, which registers its sloppy codecs
    if repaired == line or damage.has_damage(repaired):
        return None
    from difflib import SequenceMatcher  # here: only damaged text needs it

    matcher = SequenceMatcher(None, line, repaired, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        try:
            back = repaired[j1:j2].encode("utf-8").decode("sloppy-windows-1252")
        except UnicodeError:
            return None
        if back != line[i1:i2]:
            return None
    return repaired


def repairs(line: str) -> list[tuple[str, str]]:
    """The damaged fragments of ``line`` and what each should read, when the repair is exact."""
    repaired = exact_repair(line)
    if repaired is None:
        return []
    from difflib import SequenceMatcher

    matcher = SequenceMatcher(None, line, repaired, autojunk=False)
    return [
        (line[i1:i2], repaired[j1:j2])
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


_FENCE = re.compile(r"^(?P<lead>[ >]*)(?P<mark>`{3,}|~{3,})(?P<space>\s*)(?P<lang>[\w-]*)")
_SHELLS = frozenset({"bash", "sh", "shell", "zsh"})


def console_fences(text: str) -> tuple[str, int]:
    """``text`` with shell fences around ``$ `` transcripts marked ``console``, and how many."""
    if "$ " not in text:
        return text, 0
    lines = text.splitlines(keepends=True)
    changed = 0
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        mark = opening.group("mark")
        end = index + 1
        prompted = False
        while end < len(lines):
            body = lines[end].lstrip(" >")
            if body.startswith(mark[0] * len(mark)) and not body.strip(mark[0] + " \r\n"):
                break
            prompted = prompted or body.startswith("$ ")
            end += 1
        if prompted and opening.group("lang").lower() in _SHELLS:
            start, stop = opening.span("lang")
            lines[index] = lines[index][:start] + "console" + lines[index][stop:]
            changed += 1
        index = end + 1
    return "".join(lines), changed


def fix_text(text: str) -> tuple[str, int]:
    """``text`` with every exactly repairable line repaired and every transcript fence marked
    ``console``, and how many lines changed."""
    text, fences = console_fences(text)
    if not damage.has_damage(text):
        return text, fences
    out: list[str] = []
    changed = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        repaired = exact_repair(body)
        if repaired is None:
            out.append(line)
        else:
            out.append(repaired + ending)
            changed += 1
    return "".join(out), changed + fences


def unified_diff(path: str, before: str, after: str) -> str:
    """A unified diff of the change ``--fix`` would make to ``path``."""
    import difflib

    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"a/{path}",
        tofile=f"b/{path}",
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )
