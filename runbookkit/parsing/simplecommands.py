"""Simple commands and the wrappers around them: what safety and interactive checks look at.

:func:`unwrap` drops what runs another command unchanged in front of it: ``VAR=x`` assignments
and the wrappers of :data:`WRAPPERS` with their options (``sudo -u postgres``, ``timeout 5``,
``nice -n 10``, ``xargs -I{}``…), so ``sudo -u postgres psql -c …`` is looked at as ``psql``.
A caller that gives a wrapper a meaning of its own (``timeout`` ends any command, ``xargs``
supplies operands) names it in ``keep`` and gets the words from that wrapper on.

:func:`pipelines` reads command text with the bash grammar (tree-sitter-bash, through
:func:`runbookkit.parsing.shellsyntax.parse`) and gives every simple command in it, grouped by
pipeline, with its words unquoted: lists, subshells, ``{ …; }`` groups, ``if``/``for``/``while``
bodies, functions and ``$( … )`` / backtick substitutions are all looked into. A bare
redirection (``> file``) is a simple command without words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Node

# A wrapper → its options that take a value (as a separate word).
WRAPPERS: dict[str, frozenset[str]] = {
    "sudo": frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-R", "-T"}),
    "doas": frozenset({"-u", "-C"}),
    "env": frozenset({"-u", "-C", "-S", "--unset", "--chdir"}),
    "nohup": frozenset(),
    "nice": frozenset({"-n", "--adjustment"}),
    "ionice": frozenset({"-c", "-n", "-p", "--class", "--classdata"}),
    "stdbuf": frozenset({"-i", "-o", "-e"}),
    "command": frozenset(),
    "exec": frozenset({"-a"}),
    "time": frozenset({"-f", "-o", "--format", "--output"}),
    "timeout": frozenset({"-s", "-k", "--signal", "--kill-after"}),
    "xargs": frozenset(
        {"-I", "-n", "-P", "-L", "-d", "-E", "-s", "-a", "--max-args", "--max-procs"}
        | {"--delimiter", "--arg-file", "--max-lines", "--replace", "--eof", "--max-chars"}
    ),
}
# Options that take a value, of commands whose sub-commands or operands are looked for.
KUBECTL_VALUES = frozenset(
    {"-n", "--namespace", "--context", "--kubeconfig", "--cluster", "--user", "-s"}
)
DOCKER_VALUES = frozenset({"-H", "--host", "--context", "-c", "--config", "--log-level", "-l"})
SSH_VALUES = frozenset(f"-{letter}" for letter in "BbcDEeFIiJLlmOoPpQRSWw")
REDIS_VALUES = frozenset(
    {"-h", "-p", "-a", "-n", "-s", "-u", "-r", "-i", "-d", "--user", "--pass", "-e"}
)
# Wrappers whose first operand is not the command (``timeout 5s cmd``).
_LEADING_OPERAND = frozenset({"timeout"})
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")


def unwrap(words: list[str], keep: frozenset[str] = frozenset()) -> list[str]:
    """``words`` from the first one that is neither an assignment nor a wrapper (or its options).

    A wrapper named in ``keep`` is not skipped: the words are returned from it on.
    """
    while words:
        head = words[0].rsplit("/", 1)[-1]
        if _ASSIGNMENT.match(words[0]):
            words = words[1:]
        elif head in keep or head not in WRAPPERS:
            return words
        else:
            words = skip_options(words[1:], WRAPPERS[head])
            if head in _LEADING_OPERAND and words:
                words = words[1:]
    return words


def skip_options(args: list[str], values: frozenset[str] | set[str]) -> list[str]:
    """``args`` from the first word that is not an option (nor an option's value)."""
    index = 0
    while index < len(args) and args[index].startswith("-") and args[index] != "-":
        if args[index] == "--":
            return args[index + 1 :]
        index += 2 if args[index] in values else 1
    return args[index:]


def positional(args: list[str], values: frozenset[str] | set[str]) -> list[str]:
    """The arguments that are neither options nor the values of ``values`` options.

    Everything after ``--`` is positional.
    """
    out: list[str] = []
    skip = False
    for index, arg in enumerate(args):
        if skip:
            skip = False
        elif arg == "--":
            return out + args[index + 1 :]
        elif arg.startswith("-") and arg != "-":
            skip = arg in values
        else:
            out.append(arg)
    return out


@dataclass(slots=True)
class Simple:
    """One simple command: its words unquoted, the input given to it, its file redirections.

    ``inputs`` are the bodies of its heredocs and its here-strings; ``redirects`` are
    ``(operator, target)`` pairs such as ``(">", "app.log")``.
    """

    words: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    redirects: list[tuple[str, str]] = field(default_factory=list)


def pipelines(root: Node) -> list[list[Simple]]:
    """Every simple command under ``root`` in source order, each pipeline as one list."""
    out: list[list[Simple]] = []
    _visit(root, out)
    return out


_REDIRECTS = frozenset({"file_redirect", "heredoc_redirect", "herestring_redirect"})
_SKIPPED = frozenset({"comment", "heredoc_start", "heredoc_end"})


def _visit(node: Node, out: list[list[Simple]]) -> None:
    kind = node.type
    if kind in _SKIPPED:
        return
    if kind == "pipeline":
        group: list[Simple] = []
        out.append(group)
        for child in node.named_children:
            simple = _simple_of(child, out)
            if simple is not None:
                group.append(simple)
            else:
                _visit(child, out)
        return
    simple = _simple_of(node, out)
    if simple is not None:
        out.append([simple])
        return
    for child in node.named_children:
        _visit(child, out)


def _simple_of(node: Node, out: list[list[Simple]]) -> Simple | None:
    """The simple command ``node`` is (a command, or one with redirections), else None."""
    if node.type == "command":
        simple = Simple()
        _command(node, simple, out)
        return simple
    if node.type != "redirected_statement":
        return None
    body = [c for c in node.named_children if c.type not in _REDIRECTS]
    if body and body[0].type != "command":
        return None
    simple = Simple()
    if body:
        _command(body[0], simple, out)
    for child in node.named_children:
        if child.type in _REDIRECTS:
            _redirect(child, simple, out)
    return simple


def _command(node: Node, simple: Simple, out: list[list[Simple]]) -> None:
    for child in node.named_children:
        kind = child.type
        if kind == "variable_assignment":
            _nested(child, out)
        elif kind in _REDIRECTS:
            _redirect(child, simple, out)
        elif kind != "comment":
            simple.words.append(word(child))
            _nested(child, out)


def _redirect(node: Node, simple: Simple, out: list[list[Simple]]) -> None:
    if node.type == "heredoc_redirect":
        for child in node.named_children:
            if child.type == "heredoc_body":
                simple.inputs.append(_text(child))
        _nested(node, out)
        return
    operator = next((_text(c) for c in node.children if not c.is_named), "")
    targets = [c for c in node.named_children if c.type != "file_descriptor"]
    value = word(targets[-1]) if targets else ""
    if node.type == "herestring_redirect":
        simple.inputs.append(value)
    else:
        simple.redirects.append((operator, value))
    _nested(node, out)


def _nested(node: Node, out: list[list[Simple]]) -> None:
    """Commands inside ``$( … )``, backticks and ``<( … )`` within a word."""
    if node.type in ("command_substitution", "process_substitution"):
        _visit(node, out)
        return
    for child in node.named_children:
        _nested(child, out)


def word(node: Node) -> str:
    """The value of a shell word as the command receives it, expansions left as written."""
    kind = node.type
    text = _text(node)
    if kind == "raw_string":
        return text[1:-1]
    if kind == "ansi_c_string":
        return text[2:-1]
    if kind in ("string", "translated_string"):
        inner = text[1:-1] if kind == "string" else text[2:-1]
        return re.sub(r'\\([$`"\\\n])', r"\1", inner)
    if kind in ("word", "command_name"):
        if kind == "command_name" and node.named_children:
            return "".join(word(c) for c in node.named_children)
        return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL)
    if kind == "concatenation":
        return "".join(word(c) for c in node.children)
    return text


def _text(node: Node) -> str:
    return node.text.decode("utf-8", "surrogatepass") if node.text is not None else ""
