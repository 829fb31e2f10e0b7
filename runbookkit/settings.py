"""The one settings loader, resolved in layers: defaults < ``[tool.runbookkit]`` < env < flags.

``[tool.runbookkit]`` is read from the nearest ``pyproject.toml`` at or above the working
directory; relative paths in it are taken relative to that file. Environment variables are the
field names upper-cased with a ``RUNBOOKKIT_`` prefix, except ``RUNBOOKKIT_DIR`` for the runbooks
directory.

Every command reads its settings here, so this module imports nothing beyond the standard
library until it is asked for the team's command policy (:attr:`Settings.policy`): ``match`` and
``--help`` start without the parser, and nothing here needs pydantic.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from runbookkit.errors import ConfigError

if TYPE_CHECKING:
    from runbookkit.parsing.safety import Policy

TABLE = "[tool.runbookkit]"
_ENV = {
    "runbooks_dir": "RUNBOOKKIT_DIR",
    "history": "RUNBOOKKIT_HISTORY",
    "profile": "RUNBOOKKIT_PROFILE",
}
_PATHS = ("runbooks_dir", "history", "profile")


@dataclass(frozen=True)
class Settings:
    """Where runbookkit finds its runbooks, history and lint profile; the team's command lists.

    ``destructive`` and ``safe`` are entries such as ``"mycli purge"`` (see
    :class:`runbookkit.parsing.safety.Policy`); they are checked when :attr:`policy` is first
    read, which :func:`load` does unless told not to.

    Raises:
        ConfigError: a value of the wrong type (a number for a path, a string for a list…).
    """

    runbooks_dir: Path = Path("runbooks")
    history: Path | str | None = None  # a path, or a store URL (postgresql://…, sqlite:///…)
    profile: Path | None = None
    destructive: tuple[str, ...] = ()
    safe: tuple[str, ...] = ()
    shellcheck: bool = True  # lint runs ShellCheck over the steps when it is installed
    # Where each value came from, for error messages (``RUNBOOKKIT_DIR``, ``pyproject.toml:3``).
    sources: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("runbooks_dir", "profile"):
            value = getattr(self, name)
            if value is None and name == "profile":
                continue
            if not isinstance(value, str | Path):
                self._refuse(name, f"expected a path (text), got {_shown(value)}")
            object.__setattr__(self, name, Path(value))
        history = self.history
        if isinstance(history, str) and not _is_url(history):
            object.__setattr__(self, "history", Path(history))
        elif history is not None and not isinstance(history, str | Path):
            self._refuse("history", f"expected a path or a store URL (text), got {_shown(history)}")
        for name in ("destructive", "safe"):
            value = getattr(self, name)
            if not isinstance(value, list | tuple):
                self._refuse(name, f"expected a list of strings, got {_shown(value)}")
            if not all(isinstance(entry, str) for entry in value):
                bad = next(entry for entry in value if not isinstance(entry, str))
                self._refuse(name, f"expected a list of strings, got the item {_shown(bad)}")
            object.__setattr__(self, name, tuple(value))
        if not isinstance(self.shellcheck, bool):
            self._refuse("shellcheck", f"expected true or false, got {_shown(self.shellcheck)}")

    def _refuse(self, name: str, problem: str) -> NoReturn:
        source = self.sources.get(name, "the arguments")
        raise ConfigError(f"{name}: {problem} (from {source})")

    @cached_property
    def policy(self) -> Policy:
        """The team's destructive and safe commands, on top of the built-in table.

        Raises:
            ConfigError: an entry is empty or has an unclosed quote.
        """
        from runbookkit.parsing import safety

        if not self.destructive and not self.safe:
            return safety.DEFAULT
        try:
            return safety.Policy.from_entries(list(self.destructive), list(self.safe))
        except ValueError as exc:  # "destructive entry 'x' has an unclosed quote"
            name = "destructive" if str(exc).startswith("destructive") else "safe"
            source = self.sources.get(name, "the arguments")
            raise ConfigError(f"{exc} (from {source})") from None

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


FIELDS = tuple(f.name for f in fields(Settings) if f.name != "sources")


def load(start: Path | None = None, *, check_policy: bool = True, **flags: Any) -> Settings:
    """Resolve the settings; flags given as None don't override anything.

    ``[tool.runbookkit]`` is looked for from ``start`` up (default: the working directory).
    ``check_policy=False`` leaves the ``destructive`` and ``safe`` entries unchecked until
    :attr:`Settings.policy` is read (for a command that never uses them, such as ``match``).

    Raises:
        ConfigError: ``[tool.runbookkit]`` has an unknown key, or it, an environment variable or
            a flag holds an invalid value.
    """
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    pyproject = find_pyproject(start)
    if pyproject is not None:
        text = _read(pyproject)
        table = tool_table(pyproject, text)
        lines = key_lines(text)
        for key, value in table.items():
            where = f"{pyproject}:{lines[key]}" if key in lines else str(pyproject)
            if key not in FIELDS:
                raise ConfigError(_unknown(key), path=str(pyproject), line=lines.get(key))
            # A path is relative to the file; anything else is left for the checks to refuse.
            relative = key in _PATHS and isinstance(value, str) and "://" not in value
            values[key] = pyproject.parent / value if relative else value
            sources[key] = f"{where} {TABLE}"
    for name, variable in _ENV.items():
        if os.environ.get(variable):
            values[name] = os.environ[variable]
            sources[name] = variable
    unknown = sorted(set(flags) - set(FIELDS))
    if unknown:
        raise TypeError(f"load() got unknown settings {', '.join(unknown)}")
    for name, value in flags.items():
        if value is not None:
            values[name] = value
            sources[name] = "the arguments"
    settings = Settings(**values, sources=sources)
    if check_policy and (settings.destructive or settings.safe):
        settings.policy  # noqa: B018 - checks the entries now, as one clear error
    return settings


def find_pyproject(start: Path | None = None) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start`` (default: the working directory)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def tool_table(pyproject: Path, text: str | None = None) -> dict[str, Any]:
    """The ``[tool.runbookkit]`` table of ``pyproject`` (empty when there is none).

    Raises:
        ConfigError: the file can't be read or parsed, or the table is not a table.
    """
    import tomllib

    try:
        data = tomllib.loads(_read(pyproject) if text is None else text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"cannot read settings: {exc}", path=str(pyproject)) from None
    table = data.get("tool", {}).get("runbookkit", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{TABLE} must be a table", path=str(pyproject))
    return table


def _read(pyproject: Path) -> str:
    try:
        return pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read settings: {exc}", path=str(pyproject)) from None


_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]")
_KEY = re.compile(r"""^\s*(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*[.=]""")


def key_lines(text: str) -> dict[str, int]:
    """The 1-based line of each key of ``[tool.runbookkit]`` in a pyproject's ``text``: its
    ``key = …`` line in that table, or the header of a ``[tool.runbookkit.key]`` sub-table."""
    lines: dict[str, int] = {}
    inside = False
    for number, line in enumerate(text.split("\n"), 1):
        header = _HEADER.match(line)
        if header is not None and not line.lstrip().startswith("[["):
            name = re.sub(r"\s*\.\s*", ".", header.group(1)).replace('"', "")
            inside = name == "tool.runbookkit"
            if name.startswith("tool.runbookkit."):
                lines.setdefault(name.removeprefix("tool.runbookkit.").split(".")[0], number)
            continue
        key = _KEY.match(line) if inside else None
        if key is not None:
            lines.setdefault(next(g for g in key.groups() if g is not None), number)
    return lines


def _unknown(key: str) -> str:
    import difflib

    close = difflib.get_close_matches(key, FIELDS, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else f", expected one of {', '.join(FIELDS)}"
    return f"unknown key {key!r} in {TABLE}{hint}"


def _is_url(value: str) -> bool:
    """Whether a ``history`` value names a store by URL (``postgresql://…``, ``sqlite:///…``)
    rather than a path; the store refuses a scheme it does not know."""
    return "://" in value


def _shown(value: Any) -> str:
    """A value as the pyproject spells it (``true``, ``3``, ``["a"]``), cut short."""
    import json

    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
