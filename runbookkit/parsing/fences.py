"""Code fences that are not closed: read them as CommonMark does and record what was assumed.

markdown-it ends a fence that has no closing line where its container ends (the file, a list
item, a blockquote). Each such fence becomes a :class:`~runbookkit.model.Repair` naming its
opening line, the last line it was read to and the fix assumed. A fence "closed" by a shorter
run of its character (two backticks for three) swallows the rest of its container; that line
is read as the closing fence instead, the way its author meant it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from runbookkit.model import Repair

if TYPE_CHECKING:
    from markdown_it.token import Token

_MAX_PASSES = 20  # short closings repaired one nesting level at a time
_QUOTE = re.compile(r"^[ \t]{0,3}>[ \t]?")
_HEADING = re.compile(r"^#{1,6}\s+\S")


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` as markdown-it counts them: only ``\\n``, ``\\r\\n`` and ``\\r`` end
    a line (``str.splitlines`` also breaks at ``\\x0b``, ``\\x0c``, ``\\x1c``… and shifts lines)."""
    lines = re.split(r"\r\n?|\n", text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def repair(
    lines: list[str], tokenize: Callable[[str], list[Token]]
) -> tuple[list[str], list[Token], list[Repair]]:
    """Tokenize ``lines``; close fences closed by a short line; report every unclosed fence.

    Returns:
        The lines (short closing lines rewritten to the opening's run, same count), their tokens
        and one :class:`Repair` per fence that was not properly closed, in source order.
    """
    short: list[Repair] = []
    tokens = tokenize("\n".join(lines))
    for _ in range(_MAX_PASSES):
        found = [fix for token, depth in _fences(tokens) if (fix := _short(token, depth, lines))]
        if not found:
            break
        lines = list(lines)
        for index, closing, repaired in found:
            lines[index] = closing
            short.append(repaired)
        tokens = tokenize("\n".join(lines))
    shorts = {r.line for r in short}
    repairs = [*short]
    for token, depth in _fences(tokens):
        opening = _start(token)
        if opening not in shorts and not closed(token, depth, lines):
            repairs.append(_unclosed(token, lines))
    return lines, tokens, sorted(repairs, key=lambda r: r.line)


def closed(token: Token, depth: int, lines: list[str]) -> bool:
    """Whether fence ``token`` (inside ``depth`` blockquotes) ends with a closing fence line."""
    assert token.map is not None
    last = token.map[1] - 1
    if last <= token.map[0] or last >= len(lines):
        return False
    closing = _unquote(lines[last], depth).strip()
    return closing.startswith(token.markup) and set(closing) == {token.markup[0]}


def _fences(tokens: list[Token]) -> list[tuple[Token, int]]:
    """Every fence token with the number of blockquotes around it."""
    depth = 0
    out: list[tuple[Token, int]] = []
    for token in tokens:
        if token.type == "blockquote_open":
            depth += 1
        elif token.type == "blockquote_close":
            depth -= 1
        elif token.type == "fence":
            out.append((token, depth))
    return out


def _unquote(line: str, depth: int) -> str:
    for _ in range(depth):
        line = _QUOTE.sub("", line, count=1)
    return line


def _start(token: Token) -> int:
    assert token.map is not None
    return token.map[0] + 1


def _short(token: Token, depth: int, lines: list[str]) -> tuple[int, str, Repair] | None:
    """Where a fence that swallowed text was meant to end, and the line that closes it there.

    A line inside it that is a shorter run of its character (````` `` `````) was meant as its
    closing. An opening fence with a language inside it (```` ```bash ````) is the next block's:
    the fence was meant to end at the blank line before the first heading that comes before
    that opening (or before the opening itself).
    """
    assert token.map is not None
    char, size = token.markup[0], len(token.markup)
    content = [_unquote(lines[i], depth).strip() for i in range(token.map[0] + 1, token.map[1])]
    heading: int | None = None
    for offset, text in enumerate(content):
        index = token.map[0] + 1 + offset
        if 2 <= len(text) < size and set(text) == {char}:
            fix = f"closed by the {text} at line {index + 1}, read as {token.markup}"
            return index, _closing(lines[index], text, token), _made(token, index, fix)
        if heading is None and _HEADING.match(text) and offset and not content[offset - 1]:
            heading = index - 1
        inner = text.lstrip(char)
        if len(text) - len(inner) >= size and inner.strip() and char not in inner:
            blank = heading if heading is not None else index - 1
            if blank <= token.map[0] or content[blank - token.map[0] - 1]:
                return None
            fix = f"closed at the blank line {blank + 1} before {lines[blank + 1].strip()!r}"
            return blank, _closing(lines[blank], "", token), _made(token, blank, fix)
    return None


def _closing(raw: str, text: str, token: Token) -> str:
    if text:
        return raw.replace(text, token.markup, 1)
    return raw + token.markup


def _made(token: Token, index: int, fix: str) -> Repair:
    return Repair(line=_start(token), end=index + 1, text=_open(token), fix=fix)


def _unclosed(token: Token, lines: list[str]) -> Repair:
    assert token.map is not None
    end = token.map[1]  # 1-based number of the fence's last line
    if end >= len(lines):
        fix = f"closed at the end of the file (line {len(lines)})"
    else:
        fix = f"closed where its list item or blockquote ends (line {end})"
    return Repair(line=_start(token), end=end, text=_open(token), fix=fix)


def _open(token: Token) -> str:
    return f"{token.markup}{token.info}".strip()
