"""What runbookkit reads from ``pyproject.toml``: the ``[tool.runbookkit]`` table.

Kept apart from :mod:`runbookkit.settings` so that a command that needs only the team's
destructive and safe lists (``runbookkit parse``) does not import the settings model.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from runbookkit.errors import ConfigError

if TYPE_CHECKING:
    from runbookkit.parsing.safety import Policy


def find_pyproject(start: Path | None = None) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start`` (default: the working directory)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_policy(start: Path | None = None) -> Policy:
    """The ``destructive`` and ``safe`` entries of ``[tool.runbookkit]`` alone (no settings model).

    Raises:
        ConfigError: an entry is not a string, is empty or has an unclosed quote.
    """
    from runbookkit.parsing import safety

    pyproject = find_pyproject(start)
    if pyproject is None:
        return safety.DEFAULT
    table = tool_table(pyproject)
    lists: dict[str, list[str]] = {}
    for key in ("destructive", "safe"):
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{key}: expected a list of strings", path=str(pyproject))
        lists[key] = value
    try:
        return safety.Policy.from_entries(lists["destructive"], lists["safe"])
    except ValueError as exc:
        raise ConfigError(str(exc), path=str(pyproject)) from None


def tool_table(pyproject: Path) -> dict[str, Any]:
    """The ``[tool.runbookkit]`` table of ``pyproject`` (empty when there is none).

    Raises:
        ConfigError: the file can't be read or parsed, or the table is not a table.
    """
    import tomllib

    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read settings: {exc}", path=str(pyproject)) from None
    table = data.get("tool", {}).get("runbookkit", {})
    if not isinstance(table, dict):
        raise ConfigError("[tool.runbookkit] must be a table", path=str(pyproject))
    return table
