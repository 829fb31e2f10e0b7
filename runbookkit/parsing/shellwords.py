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

# A compound command's opening word → the word that closes it.
_COMPOUND = {"if": "fi", "case": "esac", "for": "done", "while": "done", "until": "done"}
_CLOSERS = frozenset(_COMPOUND.values())
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
_DOUBLE_TEXT = re.compile(r'(?:[^"\\]|\\.)*', re.DOTALL)  # inside "…", up to its end
_DOUBLE_ESCAPE = re.compile(r'\\([$`"\\\n])')


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
    reader = LineReader()
    for line in text.split("\n"):
        reader.feed(line)
    if reader.quote:
        raise ValueError("No closing quotation")
    return reader.depth > 0


class LineReader:
    """Reads a command a line at a time and tells whether it goes on to the next line.

    A command goes on while a quote is open, a line ends in ``\\``, ``|``, ``&&`` or ``||``, a
    heredoc's body has not reached its delimiter line, or an ``if``/``case``/``for``/``while``/
    ``until`` is not closed. Each line is read once, so a command of n lines costs O(n).
    """

    def __init__(self) -> None:
        self.quote: str | None = None  # the quote character still open at the end of a line
        self.depth = 0  # compound commands opened and not closed
        self._at_start = True  # the next word is in command position
        self._word: list[str] = []
        self._started = False
        self._literal = False  # the word has quotes or escapes, so it is no keyword
        self._escaped = False  # the last line ended in an unquoted backslash
        self._trailing = False  # the last operator read was |, || or && and no word followed
        self._delimiter = False  # the next word is a heredoc delimiter
        self._queued: list[str] = []  # heredoc delimiters whose bodies start on the next line
        self._bodies: list[str] = []  # delimiters of the heredoc bodies being read, in order

    @property
    def open(self) -> bool:
        """Whether the command read so far goes on to the next line."""
        return bool(self.quote or self._escaped or self._trailing or self._bodies or self.depth > 0)

    def feed(self, line: str) -> bool:
        """Read one more line (without its newline); return :attr:`open`."""
        if self._bodies:
            if line.strip() == self._bodies[0]:
                del self._bodies[0]
            return self.open
        index = self._quoted(line, 0) if self.quote else 0
        self._escaped = False
        while index < len(line):
            piece = _PIECE.match(line, index)
            assert piece is not None  # every character starts some piece
            kind, value = piece.lastgroup, piece.group()
            index = piece.end()
            if kind == "hash" and not self._started:
                index = len(line)  # a comment, to the end of the line
            elif kind in ("plain", "hash"):
                self._add(value)
            elif kind in ("single", "double"):
                self._add(value[1:-1], quoted=True)
            elif kind == "escape":
                if value == "\\":
                    self._escaped = True  # a continuation: the word goes on after the newline
                    return self.open
                self._add(value[1:], quoted=True)
            elif kind == "open":
                self.quote = value
                self._add("", quoted=True)
                index = self._quoted(line, index)
            elif kind == "op":
                self._end_word()
                self._operator(value)
                if value.endswith("<<") and line.startswith("-", index):
                    index += 1  # <<- strips leading tabs; the delimiter line is stripped anyway
            else:  # blanks
                self._end_word()
        if not self.quote:
            self._end_word()
            self._at_start = True  # a newline separates commands
            self._bodies, self._queued = self._queued, []
        return self.open

    def _quoted(self, line: str, index: int) -> int:
        """Read the open quote's text from ``index``; the index after its closing quote."""
        if self.quote == "'":
            end = line.find("'", index)
        else:
            end = _DOUBLE_TEXT.match(line, index).end()  # type: ignore[union-attr]
            end = end if end < len(line) and line[end] == '"' else -1
        if end < 0:
            self._word.append(line[index:] + "\n")
            return len(line)
        self._word.append(line[index:end])
        self.quote = None
        return end + 1

    def _add(self, text: str, *, quoted: bool = False) -> None:
        self._word.append(text)
        self._started = True
        self._literal = self._literal or quoted

    def _end_word(self) -> None:
        if not self._started:
            return
        word, literal = "".join(self._word), self._literal
        keyword = self._at_start and not literal
        self._word, self._started, self._literal, self._trailing = [], False, False, False
        if self._delimiter:
            self._queued.append(word)
            self._delimiter = False
        elif keyword and word in _COMPOUND:
            self.depth += 1
        elif keyword and word in _CLOSERS:
            self.depth -= 1
        self._at_start = not literal and word in _KEYWORDS_BEFORE_COMMAND

    def _operator(self, op: str) -> None:
        self._at_start = set(op) <= _OPERATOR_CHARS
        self._trailing = op.endswith(("|", "&&"))
        self._delimiter = op.endswith("<<") and not op.endswith("<<<")
