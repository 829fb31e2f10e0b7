"""Turn ``ssh [-i KEY] [-p PORT] [-o OPT=VAL] [USER@]HOST "CMD"`` into a command and a target.

``-o`` is read as ssh reads it: ``Opt=val``, ``Opt = val`` or ``Opt val``, and every value flag
may be joined to its value (``-p2222``, ``-oPort=22``).

The line is read as the local shell reads it (:func:`runbookkit.parsing.shellwords.split`, POSIX
quoting): the remote command is the string the shell would hand to ssh, so ``ssh h "echo
\\$HOME"`` runs ``echo $HOME`` and ``"a\\nb"`` keeps its backslash; several words are joined with
spaces, as ssh does. Nothing is expanded: a ``$VAR`` in the remote command is read by the remote
session (where runbookkit exports the run's variables), not from the operator's local shell.
Variables in the target stay for the runner to fill: ``ssh root@$HOST …`` has the host
``$HOST``, and ``-p "$PORT"`` gives ``options["port"] = "$PORT"``.

Anything that doesn't fit that shape exactly (other ssh flags, no remote command, shell
operators around the ssh call) stays a local command, untouched, so runbookkit never guesses
what a line means.
"""

from __future__ import annotations

import re
import shlex

from runbookkit.model import Target
from runbookkit.parsing import shellwords

_VALUE_FLAGS = {"-i", "-p", "-o", "-l"}
_BARE_FLAGS = {"-t", "-tt", "-T", "-q", "-n", "-A", "-C", "-4", "-6"}
_VARIABLE = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\})")
# ssh -o takes ``Name=value``, ``Name = value`` or ``Name value`` (ssh_config(5)).
_OPTION = re.compile(r"\s*([A-Za-z][A-Za-z0-9]*)\s*(?:=\s*|\s+)(\S.*?)\s*", re.DOTALL)


def split_remote(command: str) -> tuple[str, Target] | None:
    """Return the remote command and its target, or None when ``command`` isn't a plain ssh call."""
    call = _call(command)
    if call is None or not call[1]:
        return None
    target, remote = call
    # One quoted argument is the remote command verbatim; several are joined as ssh does.
    return (remote[0] if len(remote) == 1 else " ".join(remote)), target


def session_target(command: str) -> Target | None:
    """The target of ``ssh [opts] [user@]host`` with no remote command (a session), else None."""
    call = _call(command)
    return call[0] if call is not None and not call[1] else None


def label(target: Target) -> str:
    """``user@host:port`` of a parsed target, as :attr:`runbookkit.model.Target.label` gives."""
    text = f"{target.user}@{target.host}" if target.user else target.host
    return f"{text}:{target.port}" if target.port else text


def _call(command: str) -> tuple[Target, list[str]] | None:
    """The target of a plain ssh call and its remote command words (maybe none)."""
    if not command.startswith("ssh"):
        return None  # cheap check first: most commands are not ssh calls
    try:
        words = shellwords.split(command)
    except ValueError:
        return None
    if len(words) < 2 or words[0] != "ssh":
        return None
    if any(word and set(word) <= shellwords.PUNCTUATION for word in words):
        return None  # a pipe, list or redirection around the call: the line runs locally
    user = identity = None
    port: int | None = None
    options: dict[str, str] = {}
    index = 1
    while index < len(words) and words[index].startswith("-"):
        flag = words[index]
        if flag in _BARE_FLAGS:
            index += 1
            continue
        if flag[:2] in _VALUE_FLAGS and len(flag) > 2:  # -p2222, -oPort=22: ssh reads those too
            words[index : index + 1] = [flag[:2], flag[2:]]
            flag = flag[:2]
        if flag not in _VALUE_FLAGS or index + 1 >= len(words):
            return None
        value = words[index + 1]
        if flag == "-i":
            identity = value
        elif flag == "-l":
            user = value
        elif flag == "-p":
            if _VARIABLE.fullmatch(value):
                options["port"] = value  # the runner fills it in
            elif value.isascii() and value.isdigit() and 1 <= int(value) <= 65535:
                port = int(value)
            else:
                return None
        else:
            option = _OPTION.fullmatch(value)
            if option is None:
                return None
            options[option.group(1)] = option.group(2)
        index += 2
    rest = words[index:]
    if not rest:
        return None
    destination, remote = rest[0], rest[1:]
    if "@" in destination:
        user, _, host = destination.rpartition("@")
    else:
        host = destination
    if not host or host.startswith("-"):
        return None
    target = Target(host=host, user=user or None, port=port, identity=identity, options=options)
    return target, remote


def render(target: Target | None) -> str:
    """A short label for a target: ``local`` for this machine."""
    return "local" if target is None else target.label


def quote(text: str) -> str:
    """Shell-quote ``text`` for display."""
    return shlex.quote(text)
