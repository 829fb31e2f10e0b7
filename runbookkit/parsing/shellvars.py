"""Which variables a bash syntax tree reads before assigning them, and which it assigns.

The walk follows source order, as the shell runs it: ``x=1; echo $x`` reads nothing, ``echo $x;
x=1`` reads ``x``. Assignments inside a subshell, a command substitution or a pipeline stay there;
a prefix assignment (``X=1 cmd $X``) is for ``cmd``'s environment only and doesn't set ``$X``.
Use :func:`runbookkit.parsing.shellsyntax.analyse` rather than this module directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tree_sitter import Node

_STANDARD = """
HOME PATH USER LOGNAME SHELL PWD OLDPWD HOSTNAME HOSTTYPE OSTYPE MACHTYPE UID EUID PPID GROUPS
RANDOM SRANDOM SECONDS LINENO EPOCHSECONDS EPOCHREALTIME IFS TERM COLORTERM LANG LANGUAGE TZ
TMPDIR EDITOR VISUAL PAGER PS1 PS2 PS3 PS4 PROMPT_COMMAND SHLVL SHELLOPTS MAIL MAILPATH
DISPLAY COLUMNS LINES PIPESTATUS FUNCNAME REPLY OPTARG OPTIND OPTERR HISTFILE HISTSIZE
HISTFILESIZE HISTCONTROL MAPFILE DIRSTACK CDPATH UMASK _
"""
# Names a shell, a login or ssh sets by itself: never asked for.
STANDARD_NAMES = frozenset(_STANDARD.split())
_STANDARD_PREFIXES = ("LC_", "XDG_", "SSH_", "BASH", "HIST", "COMP_")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_DEFAULTS = frozenset({":-", "-", ":=", "=", ":+", "+"})
_ASSIGNING_DEFAULTS = frozenset({":=", "="})
_ARITHMETIC_ASSIGN = re.compile(r"(?:[-+*/%&|^]|<<|>>)?=\Z")
# `let` arguments: `X=1`, `Y+=X`, `Z++`; names not preceded by `$` (those are expansions).
_LET_NAME = re.compile(r"(?<![$\w])([A-Za-z_]\w*)(\s*(?:(?:[-+*/%&|^]|<<|>>)?=(?!=)|\+\+|--))?")
# Options of `read` and `mapfile` that take an argument.
_READ_ARG_OPTIONS = frozenset("adinNptu")
_MAPFILE_ARG_OPTIONS = frozenset("dnOsuCc")
_PATTERN_READ = re.compile(r"(?<!\\)\$\{?([A-Za-z_]\w*)")
_ASSIGNING_COMMANDS = frozenset({"read", "mapfile", "readarray", "getopts", "printf", "let"})
_SCOPES = frozenset({"subshell", "command_substitution", "process_substitution"})


def is_standard(name: str) -> bool:
    """Whether the shell, the login or ssh sets ``name`` itself (``HOME``, ``LC_ALL``, …)."""
    return name in STANDARD_NAMES or name.startswith(_STANDARD_PREFIXES)


@dataclass(frozen=True, slots=True)
class Ref:
    """A variable read; with a default (``${X:-d}``, ``${X:+alt}``) it needn't be set."""

    name: str
    has_default: bool
    line: int


@dataclass(slots=True)
class Usage:
    """Variables one command text reads before assigning them, and what it assigns and defines."""

    reads: list[Ref]
    assigns: set[str]
    functions: set[str] = field(default_factory=set)

    @property
    def needed(self) -> list[str]:
        """Names read without a default that the shell doesn't set itself, in order."""
        return [ref.name for ref in self.reads if not ref.has_default and not is_standard(ref.name)]


@dataclass(slots=True)
class _Scope:
    """Names known to be set here; ``leaks`` when assignments also reach the enclosing scope."""

    known: set[str]
    outer: _Scope | None = None
    leaks: bool = True


class _Walk:
    def __init__(self) -> None:
        self.reads: dict[str, Ref] = {}
        self.assigns: set[str] = set()
        self.functions: set[str] = set()

    def read(self, node: Node, scope: _Scope, *, optional: bool = False) -> None:
        name = _text(node)
        if not _IDENTIFIER.match(name) or name in scope.known:
            return
        seen = self.reads.get(name)
        if seen is None:
            self.reads[name] = Ref(name, optional, node.start_point.row + 1)
        elif seen.has_default and not optional:
            self.reads[name] = Ref(name, False, seen.line)

    def assign(self, name: str, scope: _Scope, *, local: bool = False) -> None:
        if not _IDENTIFIER.match(name):
            return
        current: _Scope | None = scope
        while current is not None:
            current.known.add(name)
            if local or not current.leaks:
                return
            current = current.outer
        self.assigns.add(name)

    def walk(self, node: Node, scope: _Scope, *, arithmetic: bool = False) -> None:
        kind = node.type
        if kind in ("raw_string", "ansi_c_string", "comment", "heredoc_start", "heredoc_end"):
            return
        handler = _HANDLERS.get(kind)
        if handler is not None:
            handler(self, node, scope, arithmetic)
        elif kind in _SCOPES:
            self.children(node, _Scope(set(scope.known), scope, leaks=False))
        elif arithmetic and kind in ("variable_name", "word"):
            self.read(node, scope)
        elif arithmetic and kind in ("binary_expression", "postfix_expression", "unary_expression"):
            self.arithmetic(node, scope)
        else:
            self.children(node, scope, arithmetic=arithmetic)

    def children(self, node: Node, scope: _Scope, *, arithmetic: bool = False) -> None:
        for child in node.named_children:
            self.walk(child, scope, arithmetic=arithmetic)

    def arithmetic(self, node: Node, scope: _Scope) -> None:
        """``X = 1``, ``X += Y``, ``i++``: assignments after their right-hand side is read."""
        operands = node.named_children
        operators = [c for c in node.children if not c.is_named]
        target = operands[0] if operands else None
        operator = _text(operators[0]) if operators else ""
        assigning = operator in ("++", "--") or bool(_ARITHMETIC_ASSIGN.match(operator))
        if target is None or not assigning or target.type not in ("variable_name", "word"):
            self.children(node, scope, arithmetic=True)
            return
        for operand in operands[1:]:
            self.walk(operand, scope, arithmetic=True)
        self.assign(_text(target), scope)


def _text(node: Node) -> str:
    return node.text.decode(errors="replace") if node.text is not None else ""


def _simple_expansion(walk: _Walk, node: Node, scope: _Scope, arithmetic: bool) -> None:
    for child in node.named_children:
        if child.type == "variable_name":
            walk.read(child, scope)


def _expansion(walk: _Walk, node: Node, scope: _Scope, arithmetic: bool) -> None:
    """``${X}``, ``${X:-d}``, ``${#X}``, ``${!X}``, ``${a[$i]}``, ``${X/$a/$b}``."""
    parts = node.children
    operators = [_text(c) for c in parts if not c.is_named]
    name_node = next((c for c in parts if c.type in ("variable_name", "subscript")), None)
    if name_node is None:
        walk.children(node, scope)
        return
    indexes = name_node.named_children[1:] if name_node.type == "subscript" else []
    if name_node.type == "subscript":
        name_node = name_node.named_children[0]
    names_prefix = "!" in operators[:2] and operators[-2:-1] in (["*"], ["@"])
    default = next((op for op in operators if op in _DEFAULTS), None)
    if not names_prefix:
        walk.read(name_node, scope, optional=default is not None)
    for index in indexes:
        walk.walk(index, scope)
    for child in parts:
        if child.start_byte >= name_node.end_byte and child.is_named:
            _walk_optional(walk, child, scope, optional=default is not None)
    if default in _ASSIGNING_DEFAULTS:
        walk.assign(_text(name_node), scope)


def _walk_optional(walk: _Walk, node: Node, scope: _Scope, *, optional: bool) -> None:
    """Walk the word of ``${X:-word}``: what it reads is needed only when X is unset."""
    if not optional:
        walk.walk(node, scope)
        return
    inner = _Walk()
    inner.walk(node, _Scope(set(scope.known)))
    for ref in inner.reads.values():
        if ref.name not in walk.reads:
            walk.reads[ref.name] = Ref(ref.name, True, ref.line)


def _regex(walk: _Walk, node: Node, scope: _Scope, arithmetic: bool) -> None:
    """Patterns (``${X#$P}``, ``[[ $x =~ ^$RE ]]``) are one leaf: find ``$NAME`` in their text."""
    line = node.start_point.row + 1
    for match in _PATTERN_READ.finditer(_text(node)):
        name = match[1]
        if name not in scope.known and name not in walk.reads:
            walk.reads[name] = Ref(name, False, line)


def _variable_assignment(walk: _Walk, node: Node, scope: _Scope, arithmetic: bool) -> None:
    target = node.named_children[0] if node.named_children else None
    if target is None:
        return
    if target.type == "subscript":
        for index in target.named_children[1:]:
            walk.walk(index, scope, arithmetic=True)
        target = target.named_children[0]
    for child in node.named_children[1:]:
        walk.walk(child, scope, arithmetic=arithmetic)
    parent = node.parent
    if parent is None or parent.type != "command":
        walk.assign(_text(target), scope, local=_is_local(parent, scope))


def _is_local(declaration: Node | None, scope: _Scope) -> bool:
    """``local X`` and ``declare X`` in a function body stay in the function."""
    if declaration is None or declaration.type != "declaration_command" or scope.outer is None:
        return False
    keyword = _text(declaration.children[0])
    flags = "".join(_text(c) for c in declaration.named_children if _text(c).startswith("-"))
    return keyword == "local" or (keyword in ("declare", "typeset") and "g" not in flags)


def _declaration(walk: _Walk, node: Node, scope: _Scope, arithmetic: bool) -> None:
    """``export X=1 Y``, ``declare -a Z=(…)``, ``local W``; ``declare -f``/``-p`` assign nothing."""
    flags = "".join(_text(c)[1:] for c in node.named_children if _text(c).startswith("-"))
    if "f" in flags or "F" in flags or "p" in flags:
        walk.children(node, scope)
        return
    for child in node.named_children:
        if child.type == "variable_name":
            walk.assign(_text(child), scope, local=_is_local(node, scope))
        else:
            walk.walk(child, scope)


def _command(walk: _Walk, node: Node, scope: _Scope, arithmetic: bool) -> None:
    """Reads of a command's words, then what builtins like ``read`` and ``getopts`` assign."""
    walk.children(node, scope)
    name_node = node.child_by_field_name("name")
    command = _text(name_node) if name_node is not None else ""
    if name_node is None or command not in _ASSIGNING_COMMANDS:
        return
    words = [_literal(c) for c in node.named_children if c.start_byte > name_node.start_byte]
    line = node.start_point.row + 1
    for name in _assigned_by(command, words, walk, scope, line):
        walk.assign(name, scope)


def _assigned_by(
    command: str, words: list[str | None], walk: _Walk, scope: _Scope, line: int
) -> Iterator[str]:
    if command == "read":
        names, options = _operands(words, _READ_ARG_OPTIONS)
        yield from options.get("a", [])
        yield from names or ([] if "a" in options else ["REPLY"])
    elif command in ("mapfile", "readarray"):
        names, _ = _operands(words, _MAPFILE_ARG_OPTIONS)
        yield from names[:1] or ["MAPFILE"]
    elif command == "getopts":
        names, _ = _operands(words, frozenset())
        yield from [*names[1:2], "OPTARG", "OPTIND"]
    elif command == "printf":
        _, options = _operands(words[:2], frozenset("v"))
        yield from options.get("v", [])
    elif command == "let":
        for word in words:
            for match in _LET_NAME.finditer(word or ""):
                if match[2]:
                    yield match[1]
                elif match[1] not in scope.known:
                    walk.reads.setdefault(match[1], Ref(match[1], False, line))


def _operands(
    words: list[str | None], with_argument: frozenset[str]
) -> tuple[list[str], dict[str, list[str]]]:
    """Non-option words, and option letter → arguments, of a builtin's ``-ab ARG`` options."""
    operands: list[str] = []
    options: dict[str, list[str]] = {}
    pending: str | None = None
    for word in words:
        if pending is not None:
            options.setdefault(pending, []).append(word or "")
            pending = None
        elif word is None:
            operands.append("")
        elif word.startswith("-") and len(word) > 1 and not operands:
            for offset, letter in enumerate(word[1:], 2):
                if letter in with_argument:
                    rest = word[offset:]
                    if rest:
                        options.setdefault(letter, []).append(rest)
                    else:
                        pending = letter
                    break
                options.setdefault(letter, [])
        else:
            operands.append(word)
    return operands, options


def _literal(node: Node) -> str | None:
    """A word's value when it is fixed text (``A``, ``'A'``, ``"A"``), else None."""
    if node.type in ("word", "number"):
        return _text(node)
    if node.type == "raw_string":
        return _text(node)[1:-1]
    if node.type == "string" and all(c.type == "string_content" for c in node.named_children):
        return _text(node)[1:-1]
    return None


def _for(walk: _Walk, node: Node, scope: _Scope, arithmetic: bool) -> None:
    """``for X in …`` and ``select X in …``: the values first, then X is set for the body."""
    variable = node.child_by_field_name("variable")
    for child in node.named_children:
        if child == variable:
            continue
        if child.type == "do_group" and variable is not None:
            walk.assign(_text(variable), scope)
        walk.walk(child, scope)


def _c_style_for(walk: _Walk, node: Node, scope: _Scope, arithmetic: bool) -> None:
    for child in node.named_children:
        walk.walk(child, scope, arithmetic=child.type != "do_group")


def _arithmetic_context(walk: _Walk, node: Node, scope: _Scope, arithmetic: bool) -> None:
    walk.children(node, scope, arithmetic=True)


def _compound(walk: _Walk, node: Node, scope: _Scope, arithmetic: bool) -> None:
    first = node.child(0)
    walk.children(node, scope, arithmetic=first is not None and first.type == "((")


def _function(walk: _Walk, node: Node, scope: _Scope, arithmetic: bool) -> None:
    name = node.child_by_field_name("name")
    if name is not None:
        walk.functions.add(_text(name))
    body = node.child_by_field_name("body")
    if body is not None:
        walk.walk(body, _Scope(set(scope.known), scope))


def _pipeline(walk: _Walk, node: Node, scope: _Scope, arithmetic: bool) -> None:
    """Each part of a pipeline runs in a subshell: its assignments stay there."""
    for child in node.named_children:
        walk.walk(child, _Scope(set(scope.known), scope, leaks=False))


_HANDLERS = {
    "simple_expansion": _simple_expansion,
    "expansion": _expansion,
    "variable_assignment": _variable_assignment,
    "declaration_command": _declaration,
    "command": _command,
    "for_statement": _for,
    "c_style_for_statement": _c_style_for,
    "arithmetic_expansion": _arithmetic_context,
    "compound_statement": _compound,
    "function_definition": _function,
    "pipeline": _pipeline,
    "regex": _regex,
}


def analyse_tree(root: Node) -> Usage:
    """What the program under ``root`` reads before assigning and what it assigns."""
    walk = _Walk()
    walk.walk(root, _Scope(set()))
    return Usage(list(walk.reads.values()), walk.assigns, walk.functions)
