"""Variables of a run: the names text refers to, and text filled from their values.

Values never rewrite command text: they reach each shell session as exported environment, so
``$KEY``, ``"${KEY}"`` and ``'$KEY'`` behave exactly as bash makes them behave. Secrets come
the same way and are masked wherever the run shows or keeps text.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_IDENTIFIER = re.compile(rf"{NAME}\Z")
# Names whose value changes what the shell, the loader or an interpreter does with a command
# (where it finds programs, what it loads first, how it splits words): a value from outside a
# runbook (an alert's label) must never set one.
_BEHAVIOUR_NAMES = """
    PATH HOME SHELL ENV IFS PS1 PS2 PS3 PS4 SHELLOPTS BASHOPTS GLOBIGNORE CDPATH PROMPT_COMMAND
    POSIXLY_CORRECT TMOUT HISTFILE TMPDIR EDITOR VISUAL PAGER MANPAGER LESSOPEN LESSCLOSE
    PERL5LIB PERL5OPT PERLLIB RUBYOPT RUBYLIB NODE_OPTIONS NODE_PATH JAVA_TOOL_OPTIONS
    GCONV_PATH HOSTALIASES RESOLV_HOST_CONF LOCALDOMAIN KUBECONFIG DOCKER_HOST
"""
_BEHAVIOUR = frozenset(_BEHAVIOUR_NAMES.split())
_BEHAVIOUR_PREFIXES = ("BASH", "LD_", "DYLD_", "PYTHON", "GIT_", "SSH_", "LC_", "LANG")
# ``$NAME`` or ``${NAME}``: how text that is not shell (a target, an expectation) names a variable.
_REFERENCE = re.compile(rf"\$(?:\{{({NAME})\}}|({NAME}))")


def is_name(name: str) -> bool:
    """Whether ``name`` can be a shell variable's name (``[A-Za-z_][A-Za-z0-9_]*``)."""
    return _IDENTIFIER.match(name) is not None


def changes_shell(name: str) -> bool:
    """Whether setting ``name`` would change how commands run (``PATH``, ``LD_PRELOAD``,
    ``BASH_ENV``, ``IFS``, ``PS4``, ``SHELLOPTS``, anything starting ``BASH``, …)."""
    return name in _BEHAVIOUR or name.startswith(_BEHAVIOUR_PREFIXES)


def references(text: str) -> list[str]:
    """The names ``text`` refers to as ``$NAME`` or ``${NAME}``, in order."""
    return [m.group(1) or m.group(2) for m in _REFERENCE.finditer(text)] if "$" in text else []


def expand(text: str, values: Mapping[str, str]) -> str:
    """``text`` with ``$NAME``/``${NAME}`` replaced from ``values``, then the environment.

    A name in neither stays as written. For text runbookkit reads itself (an ssh target, an
    expected output), never for commands: those read their variables in the shell.
    """
    if "$" not in text:
        return text

    def value(found: re.Match[str]) -> str:
        name = found.group(1) or found.group(2)
        given = values.get(name, os.environ.get(name))
        return found.group(0) if given is None else given

    return _REFERENCE.sub(value, text)
