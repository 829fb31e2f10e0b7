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
# ``$NAME`` or ``${NAME}``: how text that is not shell (a target, an expectation) names a variable.
_REFERENCE = re.compile(rf"\$(?:\{{({NAME})\}}|({NAME}))")


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
