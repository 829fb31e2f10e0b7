"""Split shell command text into words the way the parsing stages need it.

Commands in runbooks span lines: a ``\\`` at the end of a line continues it, quotes stay open
across lines and ``for … done`` loops run over several lines. :func:`split` reads words under
the POSIX quoting rules, as bash does: single quotes are literal, an unquoted backslash escapes
the next character, and inside double quotes a backslash escapes only ``$``, a backtick, ``"``,
``\\`` and a newline (``"a\\nb"`` keeps its backslash). :mod:`shlex` gets the last rule wrong
(it only honours ``\\"`` and ``\\\\``), so the words are read here. Nothing is expanded:
``$HOME`` stays ``$HOME``.
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
PUNCTUATION = frozenset("();<>|&")
# One lexical piece of a command line; what is left over is an unclosed quote.
_PIECE = re.compile(
    r"""(?P<space>[ \t\r]+)|(?P<newline>\n)|(?P<plain>[^ \t\r\n'"\\();<>|&#]+)"""
    r"""|(?P<single>'[^']*')|(?P<double>"(?:[^"\\]|\\.)*")|(?P<escape>\\.?)"""
    r"""|(?P<op>[();<>|&]+)|(?P<hash>\#)|(?P<open>['"])""",
    re.DOTALL,
)
_DOUBLE_ESCAPE = re.compile(r'\\([$`"\\\n])')


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


def split(text: str, *, comments: bool = False, newlines: bool = False) -> list[str]:
    """Shell words of ``text``, with operators (``|``, ``&&``, ``;``, ``>``…) as their own words.

    Args:
        text: the command text, possibly over several lines.
        comments: drop ``# …`` comments (a ``#`` that starts a word) up to the end of the line.
        newlines: give each unquoted newline as a ``"\\n"`` word (else it separates words).

    Raises:
        ValueError: a quote is never closed.
    """
    words: list[str] = []
    word: list[str] = []
    started = False  # a word is open, possibly empty ('' or "")
    index = 0
    while index < len(text):
        piece = _PIECE.match(text, index)
        assert piece is not None  # every character starts some piece
        kind, value = piece.lastgroup, piece.group()
        index = piece.end()
        if kind == "plain" or (kind == "hash" and (started or not comments)):
            word.append(value)
        elif kind == "single":
            word.append(value[1:-1])
        elif kind == "double":
            word.append(_DOUBLE_ESCAPE.sub(_unescape, value[1:-1]))
        elif kind == "escape":
            if value == "\\\n":
                continue  # a line continuation: nothing, not even an empty word
            word.append(value[-1])
        elif kind == "open":
            raise ValueError("No closing quotation")
        elif kind == "hash":
            index = end if (end := text.find("\n", index)) >= 0 else len(text)
            continue
        else:  # a separator: blanks, a newline or an operator
            if started:
                words.append("".join(word))
                word, started = [], False
            if kind == "op" or (kind == "newline" and newlines):
                words.append(value)
            continue
        started = True
    if started:
        words.append("".join(word))
    return words


def _unescape(found: re.Match[str]) -> str:
    char = found.group(1)
    return "" if char == "\n" else char


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
