"""Decide which commands are destructive, from a documented list.

A command is destructive when it (or a command nested in one of its quoted arguments) is:

- ``rm`` with ``-r``/``-R``/``-f`` (or ``--recursive``/``--force``);
- ``redis-cli`` ``FLUSHALL`` or ``FLUSHDB``;
- SQL ``DROP``, ``TRUNCATE``, or ``DELETE FROM`` without ``WHERE``;
- ``mkfs`` (any ``mkfs.*``), ``dd`` with ``of=``;
- ``kill -9`` / ``-KILL`` (also ``pkill``, ``killall``);
- ``shutdown``, ``reboot``, ``halt``, ``poweroff``;
- ``systemctl stop``/``disable``/``mask``, ``service NAME stop``.

A step is also destructive when its title or comments say WARNING, DANGER or CAUTION.
"""

from __future__ import annotations

import itertools
import re

from runbookkit.parsing import shellwords

MARKER = re.compile(r"\b(WARNING|DANGER|CAUTION)\b", re.IGNORECASE)
_SQL_DROP = re.compile(r"\b(DROP\s+(TABLE|DATABASE|SCHEMA|INDEX|VIEW|USER)|TRUNCATE)\b", re.I)
_SQL_DELETE = re.compile(r"\bDELETE\s+FROM\b([^;]*)", re.IGNORECASE)
# Every rule below needs text that one of these finds; a command without it is not destructive.
_TRIGGER = re.compile(
    r"\brm\b|flush(?:all|db)|\b(?:drop|truncate|delete)\b|\bmkfs|\bdd\b.*\bof=|"
    r"\b(?:p?kill|killall)\b.*(?:-9|kill)|\b(?:shutdown|reboot|halt|poweroff)\b|"
    r"\b(?:systemctl|service)\b.*\b(?:stop|disable|mask)\b",
    re.IGNORECASE | re.DOTALL,
)
_SEPARATORS = {"|", "||", "&&", ";", "&", "(", ")", "\n"}
_WRAPPERS = {"sudo", "doas", "nohup", "exec", "time", "env", "xargs"}
_POWER = {"shutdown", "reboot", "halt", "poweroff"}
_KILL = {"kill", "pkill", "killall"}


def marker(text: str) -> str | None:
    """The WARNING/DANGER/CAUTION word in ``text``, upper-cased, if there is one."""
    found = MARKER.search(text)
    return found.group(1).upper() if found else None


def destructive_reason(command: str) -> str | None:
    """Why ``command`` is destructive, or None when nothing in it is on the list."""
    if not _TRIGGER.search(command):
        return None  # none of the listed words appears: no need to tokenise
    return _reason(command)


def _reason(command: str) -> str | None:
    sql = _sql_reason(command)
    if sql:
        return sql
    try:
        words = shellwords.split(command, comments=True)
    except ValueError:
        words = command.split()
    simple: list[str] = []
    for word in [*words, ";"]:
        if word in _SEPARATORS or set(word) <= set("|&;()"):
            reason = _simple_reason(simple)
            if reason:
                return reason
            simple = []
        else:
            simple.append(word)
    # A quoted argument may hold a whole command (bash -c "...", ssh host "...").
    for word in words:
        if " " in word and word != command:
            reason = _reason(word)
            if reason:
                return reason
    return None


def _sql_reason(command: str) -> str | None:
    found = _SQL_DROP.search(command)
    if found:
        return f"SQL {found.group(1).split()[0].upper()}"
    for delete in _SQL_DELETE.finditer(command):
        if not re.search(r"\bWHERE\b", delete.group(1), re.IGNORECASE):
            return "SQL DELETE without WHERE"
    return None


def _simple_reason(words: list[str]) -> str | None:
    while words and (words[0] in _WRAPPERS or ("=" in words[0] and not words[0].startswith("-"))):
        words = words[1:]
    if not words:
        return None
    name, args = words[0].rsplit("/", 1)[-1], words[1:]
    flags = [a for a in args if a.startswith("-")]
    if name == "rm":
        short = "".join(f[1:] for f in flags if not f.startswith("--"))
        if set(short) & set("rRf") or {"--recursive", "--force"} & set(flags):
            return "rm " + " ".join(flags)
    elif name == "redis-cli":
        for arg in args:
            if arg.upper() in ("FLUSHALL", "FLUSHDB"):
                return f"redis-cli {arg.upper()}"
    elif name == "mkfs" or name.startswith("mkfs."):
        return name
    elif name == "dd" and any(a.startswith("of=") for a in args):
        return "dd of="
    elif name in _KILL and ({"-9", "-KILL", "-SIGKILL"} & set(args) or _pair(args, "-s", "KILL")):
        return f"{name} -9"
    elif name in _POWER:
        return name
    elif name == "systemctl" and {"stop", "disable", "mask"} & set(args):
        verb = next(a for a in args if a in ("stop", "disable", "mask"))
        return f"systemctl {verb}"
    elif name == "service" and "stop" in args:
        return "service stop"
    return None


def _pair(args: list[str], flag: str, value: str) -> bool:
    return any(
        a == flag and b.upper().removeprefix("SIG") == value for a, b in itertools.pairwise(args)
    )
