"""Variables given to a run (``--var KEY=VALUE``): parsed here, exported into its sessions.

Values never rewrite command text: they reach each shell session as exported environment, so
``$KEY``, ``"${KEY}"`` and ``'$KEY'`` behave exactly as bash makes them behave.
"""

from __future__ import annotations

import re

from runbookkit.errors import ConfigError


def parse_assignments(items: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``KEY=VALUE`` strings as a dict.

    Raises:
        ConfigError: an item is not ``KEY=VALUE`` with a valid name.
    """
    values: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise ConfigError(f"--var {item!r}: expected KEY=VALUE with KEY a name like PORT")
        values[key] = value
    return values
