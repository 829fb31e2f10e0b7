"""Session openers: a line that opens a shell elsewhere, and the commands typed into it.

- ``ssh [opts] [user@]host`` with no remote command, followed by more commands in the block:
  those commands run on that host (their ``target``; their text unchanged) until an ``exit`` or
  ``logout`` line (dropped) or the end of the block. The ssh line itself runs nothing; the
  step's notes say "commands after line N run on user@host".
- ``oc debug node/X``, ``oc rsh POD``, ``kubectl exec -it POD -- sh`` (or ``bash``; also
  ``oc exec``, ``docker exec -it C sh``) followed by commands: runbookkit cannot open such a
  shell, so the commands typed into it form a manual step whose notes show them and say why.

An opener with no command after it stays a command of its own, marked interactive
(:mod:`runbookkit.parsing.interactive`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from runbookkit.model import Target
from runbookkit.parsing import shellwords
from runbookkit.parsing.targets import label, session_target

_TRIGGER = re.compile(r"^(?:ssh|oc|kubectl|docker|podman)\s")
_CLOSER = re.compile(r"^(?:exit(?:\s+\d+)?|logout)\s*;?$")
_SHELLS = frozenset({"sh", "bash", "zsh", "ash", "/bin/sh", "/bin/bash", "/bin/zsh", "/bin/ash"})


@dataclass(frozen=True)
class Opener:
    """A line that opens a shell: where its commands run, or None when runbookkit can't go."""

    text: str
    line: int
    target: Target | None

    def note(self) -> str:
        """The step note that says where the commands after the opener run."""
        if self.target is not None:
            return f"commands after line {self.line} run on {label(self.target)}"
        return (
            f"these commands run inside `{self.text}`, which runbookkit cannot open; "
            "run them in your own terminal"
        )


def opener(text: str, line: int) -> Opener | None:
    """The opener ``text`` is, or None when it is an ordinary command."""
    if not _TRIGGER.match(text):
        return None  # cheap check: most commands open nothing
    target = session_target(text)
    if target is not None:
        return Opener(text, line, target)
    try:
        words = shellwords.split(text)
    except ValueError:
        return None
    if any(word and set(word) <= shellwords.PUNCTUATION for word in words):
        return None
    return Opener(text, line, None) if _foreign_shell(words) else None


def closes(text: str) -> bool:
    """Whether ``text`` leaves the session (``exit``, ``logout``)."""
    return _CLOSER.match(text) is not None


def _foreign_shell(words: list[str]) -> bool:
    tool, sub = words[0], words[1] if len(words) > 1 else ""
    if tool == "oc" and sub in ("debug", "rsh"):
        return True
    if tool in ("kubectl", "oc", "docker", "podman") and "exec" in words:
        args = words[words.index("exec") + 1 :]
        command = args[args.index("--") + 1 :] if "--" in args else args[-1:]
        tty = bool({"-it", "-ti"} & set(args)) or {"-i", "-t"} <= set(args)
        return tty and len(command) == 1 and command[0] in _SHELLS
    return False
