"""One settings model, resolved in layers: defaults < ``[tool.runbookkit]`` < env < flags.

``[tool.runbookkit]`` is read from the nearest ``pyproject.toml`` at or above the working
directory; relative paths in it are taken relative to that file. Environment variables are the
field names upper-cased with a ``RUNBOOKKIT_`` prefix, except ``RUNBOOKKIT_DIR`` for the runbooks
directory.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from runbookkit.errors import ConfigError

_ENV = {
    "runbooks_dir": "RUNBOOKKIT_DIR",
    "history": "RUNBOOKKIT_HISTORY",
    "profile": "RUNBOOKKIT_PROFILE",
}
_PATHS = ("runbooks_dir", "history", "profile")


class Settings(BaseModel):
    """Where runbookkit finds its runbooks, history and lint profile."""

    model_config = ConfigDict(extra="forbid")

    runbooks_dir: Path = Path("runbooks")
    history: Path | None = None
    profile: Path | None = None

    @property
    def history_path(self) -> Path:
        """The history store: as set, or ``.runbookkit/history.sqlite`` beside the runbooks."""
        if self.history is not None:
            return self.history
        return self.runbooks_dir.parent / ".runbookkit" / "history.sqlite"


def find_pyproject(start: Path | None = None) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start`` (default: the working directory)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load(start: Path | None = None, **flags: Any) -> Settings:
    """Resolve the settings; flags given as None don't override anything.

    ``[tool.runbookkit]`` is looked for from ``start`` up (default: the working directory).

    Raises:
        ConfigError: ``[tool.runbookkit]`` or an environment variable holds an invalid value.
    """
    values: dict[str, Any] = {}
    source = "defaults"
    pyproject = find_pyproject(start)
    if pyproject is not None:
        table = _tool_table(pyproject)
        for key, value in table.items():
            # A path is relative to the file; anything else is left for validation to refuse.
            relative = key in _PATHS and isinstance(value, str)
            values[key] = pyproject.parent / value if relative else value
        source = f"{pyproject} [tool.runbookkit]"
    for field, name in _ENV.items():
        if os.environ.get(name):
            values[field] = os.environ[name]
    values.update({key: value for key, value in flags.items() if value is not None})
    try:
        return Settings(**values)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise ConfigError(f"{where}: {problem['msg']} (from {source}, env or flags)") from None


def _tool_table(pyproject: Path) -> dict[str, Any]:
    import tomllib

    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read settings: {exc}", path=str(pyproject)) from None
    table = data.get("tool", {}).get("runbookkit", {})
    if not isinstance(table, dict):
        raise ConfigError("[tool.runbookkit] must be a table", path=str(pyproject))
    return table
