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

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from runbookkit.errors import ConfigError
from runbookkit.parsing import safety
from runbookkit.pyproject import find_pyproject, tool_table

_ENV = {
    "runbooks_dir": "RUNBOOKKIT_DIR",
    "history": "RUNBOOKKIT_HISTORY",
    "profile": "RUNBOOKKIT_PROFILE",
}
_PATHS = ("runbooks_dir", "history", "profile")


class Settings(BaseModel):
    """Where runbookkit finds its runbooks, history and lint profile; the team's command lists.

    ``destructive`` and ``safe`` are entries such as ``"mycli purge"`` (see
    :class:`runbookkit.parsing.safety.Policy`).
    """

    model_config = ConfigDict(extra="forbid")

    runbooks_dir: Path = Path("runbooks")
    history: Path | str | None = None  # a path, or a store URL (postgresql://…, sqlite:///…)
    profile: Path | None = None
    destructive: list[str] = []
    safe: list[str] = []
    shellcheck: bool = True  # lint runs ShellCheck over the steps when it is installed

    @field_validator("destructive", "safe")
    @classmethod
    def _entries(cls, value: list[str]) -> list[str]:
        for text in value:
            safety.entry(text, "")
        return value

    @field_validator("history", mode="before")
    @classmethod
    def _store(cls, value: Any) -> Any:
        from runbookkit.history.location import is_url

        if isinstance(value, str) and not is_url(value):
            return Path(value)
        return value

    @property
    def policy(self) -> safety.Policy:
        """The team's destructive and safe commands, on top of the built-in table."""
        return safety.Policy.from_entries(self.destructive, self.safe)

    @property
    def history_store(self) -> Path | str:
        """The history store: as set (a path or URL), or the default :attr:`history_path`."""
        return self.history if self.history is not None else self.history_path

    @property
    def history_path(self) -> Path:
        """The SQLite store: as set, or ``.runbookkit/history.sqlite`` beside the runbooks
        (also when ``history`` is a database server's URL)."""
        if isinstance(self.history, Path):
            return self.history
        if isinstance(self.history, str) and self.history.startswith("sqlite://"):
            from runbookkit.history.location import parse

            return parse(self.history).path
        return self.runbooks_dir.parent / ".runbookkit" / "history.sqlite"

    @property
    def spool_path(self) -> Path:
        """Where runs wait while a database server store is away: beside the runbooks."""
        return self.runbooks_dir.parent / ".runbookkit" / "spool.sqlite"


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
        table = tool_table(pyproject)
        for key, value in table.items():
            # A path is relative to the file; anything else is left for validation to refuse.
            relative = key in _PATHS and isinstance(value, str) and "://" not in value
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
