"""Split shell command text into words the way the parsing stages need it.

Commands in runbooks span lines: a ``\\`` at the end of a line continues it, quotes stay open
across lines and ``for … done`` loops run over several lines. These helpers tokenise such text
with :mod:`shlex` after removing line continuations as the shell does, so a word never starts
with a stray newline.
"""

from __future__ import annotations

import re
import shlex

# A compound command's opening word → the word that closes it.
_COMPOUND = {"if": "fi", "case": "esac", "for": "done", "while": "done", "until": "done"}
_CLOSERS = frozenset(_COMPOUND.values())
# A closed quoted string or an escaped character.
QUOTED = re.compile(r"""'[^']*'|"(?:[^"\\]|\\.)*"|\\.""", re.DOTALL)
_QUOTING = re.compile(r"['\"\\#]")  # an open quote, a stray escape, or a comment: tokenise
_KEYWORD = re.compile(r"(?<![^\s;&|()<>#])(?:if|case|for|while|until)(?![^\s;&|()<>#])")
# Words (besides runs of ``;|&()`` and newlines) after which the next word is a command.
_KEYWORDS_BEFORE_COMMAND = frozenset({"do", "then", "else", "elif"})
_OPERATOR_CHARS = frozenset(";|&()\n")


def join_continuations(text: str) -> str:
    """Remove backslash-newline pairs outside single quotes, as the shell does."""
    if "\\\n" not in text:
        return text
    out: list[str] = []
    quote: str | None = None
    index = 0
    while index < len(text):
        char = text[index]
        if quote == "'":
            quote = None if char == "'" else quote
        elif char == "\\" and index + 1 < len(text):
            if text[index + 1] != "\n":
                out.append(text[index : index + 2])
            index += 2
            continue
        elif char in "'\"":
            quote = char if quote is None else None if quote == char else quote
        out.append(char)
        index += 1
    return "".join(out)


def split(text: str, *, comments: bool = False) -> list[str]:
    """Shell words of ``text``, with operators (``|``, ``&&``, ``;``, ``>``…) as their own words.

    Raises:
        ValueError: a quote is never closed.
    """
    lexer = shlex.shlex(join_continuations(text), posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    if not comments:
        lexer.commenters = ""
    return list(lexer)


def open_compound(text: str) -> bool:
    """Whether ``text`` opens an ``if``/``case``/``for``/``while``/``until`` it doesn't close.

    Raises:
        ValueError: a quote is never closed.
    """
    outside = QUOTED.sub("", text)  # what is left outside closed quotes and escapes
    if not _QUOTING.search(outside) and not _KEYWORD.search(outside):
        return False  # no open quote, comment or keyword: spare the tokeniser (most commands)
    return _open_compound(text)


def _open_compound(text: str) -> bool:
    lexer = shlex.shlex(join_continuations(text), posix=True, punctuation_chars="();<>|&\n")
    lexer.whitespace = " \t\r"
    lexer.whitespace_split = True
    depth = 0
    at_start = True
    for word in lexer:
        if at_start and word in _COMPOUND:
            depth += 1
        elif at_start and word in _CLOSERS:
            depth -= 1
        at_start = word in _KEYWORDS_BEFORE_COMMAND or (word != "" and set(word) <= _OPERATOR_CHARS)
    return depth > 0
