"""What runbookkit needs to know from the bash grammar: template placeholders and variables.

The text is parsed with tree-sitter-bash, a maintained grammar of real bash that knows quoting
contexts, heredocs and expansions. tree-sitter is imported on first use only, so start-up of the
command line does not pay for it; text with no placeholder-like ``<x>``, ``[X]``, ``{{ x }}``, and
for :func:`analyse` no ``$``, ``=``, backtick or assigning builtin, is never parsed at all.

Placeholders that authors write instead of values (``<pod-name>``, ``[POD_NAME]``,
``{{ namespace }}``) become variables::

    found = find_placeholders("kubectl logs <pod-name> -n '{{ ns }}'")
    # [Found(text='<pod-name>', name='POD_NAME', ...), Found(text='{{ ns }}', name='NS', ...)]
    rewrite("kubectl logs <pod-name> -n '{{ ns }}'")
    # ('kubectl logs "${POD_NAME}" -n "${NS}"', [('<pod-name>', 'POD_NAME'), ('{{ ns }}', 'NS')])

The parser keeps what was written as ``Command.raw``, and from one call of :func:`fill` sets
``Command.text`` to the new text and turns each :class:`Found` filled into a
``Placeholder(text, name, line)`` (``Found.line`` counts from 1 within the text given, offsets
are str offsets). A placeholder in a quoted heredoc body (``<<'EOF'``) cannot be filled and stays
as written: ``Found.fillable`` is False and :func:`rewrite` leaves it out. Both list every
occurrence, so a placeholder written twice appears twice. A name the shell sets itself gets a
``_VALUE`` suffix (``<path>`` → PATH_VALUE), so filling it never changes the session's ``PATH``.

The runner asks :func:`analyse` which variables a command reads before it assigns them::

    usage = analyse("kubectl -n $NAMESPACE scale --replicas=${REPLICAS:-3} deploy/web")
    usage.reads  # [Ref('NAMESPACE', has_default=False, line=1), Ref('REPLICAS', True, 1)]
    usage.needed  # ['NAMESPACE']: no default, and not a name the shell sets (HOME, LC_ALL…)
    usage.assigns  # set(): names this text sets for the commands after it

:data:`STANDARD_NAMES` and :func:`is_standard` tell the names a shell or login sets by itself.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from runbookkit.parsing.shellvars import STANDARD_NAMES, Ref, Usage, analyse_tree, is_standard

if TYPE_CHECKING:
    from tree_sitter import Node, Parser

__all__ = [
    "STANDARD_NAMES",
    "Found",
    "Quoting",
    "Ref",
    "Usage",
    "analyse",
    "fill",
    "find_placeholders",
    "is_standard",
    "parse",
    "rewrite",
    "variable_name",
]


class Quoting(StrEnum):
    """Where in the shell text a placeholder stands, which decides how it is filled."""

    WORD = "word"
    """A bare word or part of one: ``pod/<name>`` becomes ``pod/"${NAME}"``."""
    DOUBLE = "double"
    """Inside ``"…"`` (or ``$"…"``): ``${NAME}``."""
    SINGLE = "single"
    """Inside ``'…'``: the quote is closed, the value inserted, the quote reopened."""
    ANSI_C = "ansi_c"
    """Inside ``$'…'``: as for single quotes, reopened with ``$'``."""
    HEREDOC = "heredoc"
    """In the body of an unquoted heredoc: ``${NAME}``."""
    QUOTED_HEREDOC = "quoted_heredoc"
    """In the body of a quoted heredoc (``<<'EOF'``): nothing expands there, it can't be filled."""
    ARITHMETIC = "arithmetic"
    """Inside ``$(( … ))`` or ``(( … ))``: ``${NAME}``."""


@dataclass(frozen=True, slots=True)
class Found:
    """A placeholder as written, the variable it stands for and where it is (str offsets)."""

    text: str
    name: str
    start: int
    end: int
    line: int
    quoting: Quoting

    @property
    def fillable(self) -> bool:
        """Whether :func:`rewrite` can put the variable's value in its place."""
        return self.quoting is not Quoting.QUOTED_HEREDOC


# `<pod-name>`: never `<<`, `<(`, `<&`, `< file`, `\<`; the name starts with a letter.
_ANGLE = r"(?<![<\\])<(?P<angle>[A-Za-z][\w.-]*)>"
# `[POD_NAME]` starting a word, not a subscript (`arr[IDX]`), key (`[K]=v`) or glob (`[AB]*`).
_BRACKET = r"(?<![\w\]}$\[\\])\[(?P<bracket>[A-Z][A-Z0-9_]+)\](?![\w*?\[=+])"
# `{{ namespace }}`: one identifier, not `${{ … }}` (CI templates) nor `{{ .Go }}`.
_BRACES = r"(?<![$\\])\{\{\s*(?P<braces>[A-Za-z_][\w-]*)\s*\}\}"
_CANDIDATE = re.compile(f"{_ANGLE}|{_BRACKET}|{_BRACES}", re.ASCII)
# Go template words: `{{end}}`, `{{ else }}` are templates, not placeholders.
_GO_WORDS = "end else range if with define template block break continue nil"
_GO_KEYWORDS = frozenset(_GO_WORDS.split())
# Log levels and status words in brackets (`grep [ERROR] app.log`) are text, not placeholders.
_LOG_WORDS = (
    "ERROR ERR INFO WARN WARNING DEBUG FATAL CRITICAL CRIT NOTICE TRACE OK FAIL FAILED PASS"
)
_LOG_LEVELS = frozenset(_LOG_WORDS.split())

_PARSER: Parser | None = None
_LOCK = threading.Lock()


def parse(source: bytes) -> Node:
    """The root node of ``source`` parsed as bash; the parser is built once and shared."""
    global _PARSER
    with _LOCK:
        if _PARSER is None:
            import tree_sitter

            _PARSER = tree_sitter.Parser(tree_sitter.Language(_bash_grammar()))
        return _PARSER.parse(source).root_node


def _bash_grammar() -> object:
    """The compiled bash grammar (``tree_sitter_bash.language()``).

    The package's ``__init__`` imports :mod:`importlib.resources` (about 15 ms, a fifth of a
    command's start-up) for highlight queries runbookkit does not use, so its compiled module is
    loaded straight from the package directory; where the package is not laid out that way, it
    is imported as usual.
    """
    import importlib.machinery
    import importlib.util

    spec = importlib.util.find_spec("tree_sitter_bash")
    for directory in (spec.submodule_search_locations or []) if spec else []:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            binding = Path(directory) / f"_binding{suffix}"
            found = importlib.util.spec_from_file_location("tree_sitter_bash._binding", binding)
            if not binding.is_file() or found is None or found.loader is None:
                continue
            module = importlib.util.module_from_spec(found)
            found.loader.exec_module(module)
            return module.language()
    import tree_sitter_bash

    return tree_sitter_bash.language()


def variable_name(written: str) -> str:
    """UPPER_SNAKE of a placeholder's name: ``pod-name``, ``podName``, ``pod.name`` → POD_NAME.

    A name the shell or the login sets itself (``<path>``, ``<user>``) gets a ``_VALUE`` suffix,
    so filling it in never changes ``PATH`` or ``USER`` in the session.
    """
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", written)
    name = re.sub(r"[^A-Za-z0-9]+", "_", snake).strip("_").upper() or "VALUE"
    if name[0].isdigit():
        name = f"V{name}"
    return f"{name}_VALUE" if is_standard(name) else name


def find_placeholders(text: str) -> list[Found]:
    """Template placeholders in ``text`` in order, with their quoting; comments are skipped."""
    return [found for found, _ in _scan(text)]


def rewrite(text: str) -> tuple[str, list[tuple[str, str]]]:
    """``text`` with every fillable placeholder replaced by its variable, quoted for its place.

    Returns:
        The new text, and ``(as_written, variable_name)`` of each placeholder filled, in order.
        Placeholders in quoted heredoc bodies stay as written (see :func:`find_placeholders`).
    """
    new, filled = fill(text)
    return new, [(found.text, found.name) for found in filled]


def fill(text: str) -> tuple[str, list[Found]]:
    """:func:`rewrite` with each filled placeholder as its :class:`Found` (line included)."""
    out: list[str] = []
    filled: list[Found] = []
    position = 0
    for found, (start, end, replacement) in _scan(text):
        if not found.fillable:
            continue
        out.append(text[position:start])
        out.append(replacement)
        filled.append(found)
        position = end
    out.append(text[position:])
    return "".join(out), filled


def analyse(text: str) -> Usage:
    """Variables ``text`` reads before assigning them, and those it assigns for later commands."""
    if not _MAY_ASSIGN_OR_READ.search(text):
        return Usage([], set(), set())
    return analyse_tree(parse(_utf8(text)))


# Without these a command can neither read nor assign a variable: no need to parse it.
_MAY_ASSIGN_OR_READ = re.compile(
    r"[$=`]|\(\(|\(\s*\)|\b(?:read|readarray|mapfile|for|select|getopts|export|declare|typeset"
    r"|local|readonly|let|printf)\b"
)


def _utf8(text: str) -> bytes:
    """The bytes tree-sitter reads; a lone surrogate (undecodable input) passes through."""
    return text.encode("utf-8", "surrogatepass")


def _scan(text: str) -> list[tuple[Found, tuple[int, int, str]]]:
    """Each placeholder with the span of ``text`` to replace and what replaces it."""
    candidates = list(_CANDIDATE.finditer(text))
    candidates = [
        m for m in candidates if m["braces"] not in _GO_KEYWORDS and m["bracket"] not in _LOG_LEVELS
    ]
    if not candidates:
        return []
    marked, spans = _mark(text, candidates)
    source = _utf8(marked)
    root = parse(source)
    results: list[tuple[Found, tuple[int, int, str]]] = []
    line, counted = 1, 0
    lexical = _Lexical(source)
    for match, (byte_start, byte_end) in zip(candidates, spans, strict=True):
        node = root.descendant_for_byte_range(byte_start, byte_end) or root
        placed = lexical.at(byte_start) if _under_error(node) else _place(node)
        if placed is None:
            continue
        quoting, holder = placed
        written = match[0]
        inner = match["angle"] or match["bracket"] or match["braces"]
        if not _accepted(match, inner, quoting, node):
            continue
        name = variable_name(inner)
        start, end, replacement = _replacement(match, name, quoting, holder, byte_start, byte_end)
        line, counted = line + text.count("\n", counted, match.start()), match.start()
        found = Found(written, name, match.start(), match.end(), line, quoting)
        results.append((found, (start, end, replacement)))
    return results


def _mark(text: str, candidates: list[re.Match[str]]) -> tuple[str, list[tuple[int, int]]]:
    """``text`` with each candidate replaced by a neutral word, and the words' byte spans."""
    prefix = "Zrbkph"
    while prefix in text:
        prefix += "q"
    pieces: list[str] = []
    spans: list[tuple[int, int]] = []
    position = 0
    size = 0
    for index, match in enumerate(candidates):
        before = text[position : match.start()]
        size += len(_utf8(before))
        marker = f"{prefix}{index}Z"
        spans.append((size, size + len(marker)))
        size += len(marker)
        pieces += [before, marker]
        position = match.end()
    pieces.append(text[position:])
    return "".join(pieces), spans


def _place(node: Node) -> tuple[Quoting, Node | None] | None:
    """The quoting around a marker and the quoted node holding it; None inside a comment."""
    current: Node | None = node
    while current is not None:
        kind = current.type
        if kind == "comment":
            return None
        if kind == "raw_string":
            return Quoting.SINGLE, current
        if kind == "ansi_c_string":
            return Quoting.ANSI_C, current
        if kind in ("string", "translated_string"):
            return Quoting.DOUBLE, current
        if kind == "heredoc_body":
            return _heredoc_quoting(current), current
        if kind == "arithmetic_expansion" or (
            kind == "compound_statement" and _opens_arithmetic(current)
        ):
            return Quoting.ARITHMETIC, current
        if kind in ("command_substitution", "process_substitution"):
            return Quoting.WORD, None
        current = current.parent
    return Quoting.WORD, None


def _under_error(node: Node) -> bool:
    current: Node | None = node
    while current is not None:
        if current.is_error:
            return True
        current = current.parent
    return False


_LEXICAL = {b"'": Quoting.SINGLE, b'"': Quoting.DOUBLE, b"$'": Quoting.ANSI_C}


class _Lexical:
    """Quoting at increasing offsets by scanning quotes only, once: for text the grammar can't
    parse (``echo "a``).

    Heredocs and quotes nested in ``$(…)`` are not followed.
    """

    def __init__(self, source: bytes) -> None:
        self.source = source
        self.quote = b""
        self.word_start = True
        self.index = 0
        self.comment_end = -1  # where the last comment read ends (its newline)

    def at(self, until: int) -> tuple[Quoting, None] | None:
        """The quoting at byte ``until`` (no less than the last asked); None means a comment."""
        source = self.source
        if until <= self.comment_end:
            return None
        while self.index < until:
            index = self.index
            char = source[index : index + 1]
            if char == b"\\" and self.quote != b"'":
                self.index += 2
                self.word_start = False
                continue
            if self.quote:
                closer = b'"' if self.quote == b'"' else b"'"
                self.quote = b"" if char == closer else self.quote
            elif char in (b"'", b'"'):
                self.quote = char
            elif char == b"$" and source[index + 1 : index + 2] == b"'":
                self.quote, index = b"$'", index + 1
            elif char == b"#" and self.word_start:
                end = source.find(b"\n", index)
                self.comment_end = self.index = len(source) if end == -1 else end
                if self.comment_end >= until:
                    return None
                continue
            self.word_start = not self.quote and char in b" \t\n;|&()"
            self.index = index + 1
        return (_LEXICAL[self.quote] if self.quote else Quoting.WORD), None


def _opens_arithmetic(node: Node) -> bool:
    first = node.child(0)
    return first is not None and first.type == "(("


def _heredoc_quoting(body: Node) -> Quoting:
    redirect = body.parent
    if redirect is not None:
        for child in redirect.children:
            if child.type == "heredoc_start" and child.text is not None:
                if any(quote in child.text for quote in (b"'", b'"', b"\\")):
                    return Quoting.QUOTED_HEREDOC
                break
    return Quoting.HEREDOC


def _accepted(match: re.Match[str], inner: str, quoting: Quoting, node: Node) -> bool:
    """Whether a candidate is a placeholder here: inside quotes and bodies, be conservative."""
    literal_context = quoting not in (Quoting.WORD, Quoting.ARITHMETIC)
    if match["angle"]:
        if not literal_context:
            return True
        return "-" in inner or "_" in inner or inner.isupper()
    if match["bracket"]:
        return not literal_context and not _in_test_or_pattern(node)
    return True


def _in_test_or_pattern(node: Node) -> bool:
    """Inside ``[ … ]``/``[[ … ]]``, or a ``case`` pattern, where ``[AB]`` is shell syntax."""
    current: Node | None = node
    while current is not None:
        if current.type == "test_command":
            return True
        if current.type == "case_item":
            closer = next((c for c in current.children if c.type == ")"), None)
            return closer is not None and node.end_byte <= closer.start_byte
        current = current.parent
    return False


def _replacement(
    match: re.Match[str], name: str, quoting: Quoting, holder: Node | None, start: int, end: int
) -> tuple[int, int, str]:
    """The span of the original text to replace (str offsets) and the text for it.

    ``start`` and ``end`` are the marker's bytes, ``holder`` the quoted string around it: in
    single quotes a marker right after the opening or before the closing quote takes that quote
    along, so ``'<x>'`` becomes ``"${X}"`` rather than ``''"${X}"''``.
    """
    variable = "${" + name + "}"
    if quoting is Quoting.WORD:
        return match.start(), match.end(), f'"{variable}"'
    if quoting not in (Quoting.SINGLE, Quoting.ANSI_C):
        return match.start(), match.end(), variable
    opener = "'" if quoting is Quoting.SINGLE else "$'"
    text = match.string
    left, right = match.start(), match.end()
    before, after = "'\"", '"' + opener
    if holder is not None and start == holder.start_byte + len(opener):
        left, before = left - len(opener), '"'
    if holder is not None and end == holder.end_byte - 1 and text[right : right + 1] == "'":
        right, after = right + 1, '"'
    return left, right, before + variable + after
