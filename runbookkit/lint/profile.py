"""The format profile: a JSON Schema over the parsed runbook.

Each schema error is mapped back to the runbook's ``file:line`` through the source lines the
model carries, and worded for a person: ``missing Pattern, expected …`` rather than a JSON path.
A subschema's ``x-message`` replaces the generated wording when a profile author wants to;
``"x-level": "warning"`` makes its failure a missing recommended part (RBK015) rather than an
error, a top-level ``x-levels`` object sets other rules' levels (``{"RBK009": "warning"}``) and
``"x-shellcheck": false`` switches ShellCheck off.

Two profiles ship: ``default`` (errors only for values that are wrong, missing parts as
warnings) and ``strict`` (every part an error); ``--profile strict`` names the second. They are
checked by :mod:`runbookkit.lint.schema_subset`; a team's own profile by jsonschema.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import Any

from runbookkit.errors import ConfigError
from runbookkit.files import read_regular_text

DEFAULT = "profile.default.json"
BUILTIN = {"default": DEFAULT, "strict": "profile.strict.json"}

# Metadata field → the header key a person writes.
LABELS = {
    "title": "Title",
    "pattern": "Pattern",
    "severity": "Severity",
    "mttr": "MTTR Target",
    "last_updated": "Last Updated",
    "next_review": "Next Review",
    "version": "Runbook Version",
    "author": "Author",
    "owner": "Owner",
    "reviewed_by": "Reviewed By",
    "tags": "Tags",
    "hosts": "Hosts",
    "secrets": "Secrets",
}
_CONTAINERS = {"sections": "section", "subsections": "subsection", "steps": "step"}


@dataclass(frozen=True)
class Problem:
    """One way a runbook fails its profile: the JSON path, the source line and the message."""

    path: tuple[str | int, ...]
    line: int
    message: str
    level: str = "error"


class Profile:
    """A compiled format profile; build it once and check many runbooks with it.

    ``builtin=True`` (the shipped profiles) checks with :mod:`runbookkit.lint.schema_subset`
    rather than jsonschema, which a team's own profile needs and ``lint FILE`` would otherwise
    import on every start.
    """

    def __init__(self, schema: dict[str, Any], name: str, *, builtin: bool = False) -> None:
        self.name = name
        self.schema = schema
        if builtin:
            from runbookkit.lint import schema_subset

            self._errors: Callable[[dict[str, Any]], Iterable[Any]] = partial(
                schema_subset.iter_errors, schema
            )
        else:
            self._errors = _jsonschema_errors(schema, name)
        levels = schema.get("x-levels", {})
        if not isinstance(levels, dict) or not all(
            v in ("error", "warning") for v in levels.values()
        ):
            raise ConfigError(
                "profile's x-levels is not an object of rule code → error or warning",
                path=name,
            )
        self.levels: dict[str, str] = {str(k).upper(): str(v) for k, v in levels.items()}
        self.shellcheck = schema.get("x-shellcheck", True) is not False

    def check(self, data: dict[str, Any]) -> list[Problem]:
        """Every way ``data`` (a runbook's model JSON) fails the profile, in source order."""
        problems = [
            Problem(
                tuple(error.absolute_path),
                _line(data, error.absolute_path),
                _message(error, data),
                _level(error),
            )
            for error in self._errors(data)
        ]
        return sorted(problems, key=lambda p: (p.line, p.message))


def _jsonschema_errors(schema: dict[str, Any], name: str) -> Callable[[dict[str, Any]], Any]:
    """The ``iter_errors`` of a jsonschema validator for ``schema``, checked first.

    Raises:
        ConfigError: ``schema`` is not a valid JSON Schema.
    """
    import jsonschema

    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "the top level"
        raise ConfigError(
            f"profile is not a valid JSON Schema at {where} ({exc.message}), "
            "expected a JSON Schema over `runbookkit parse --json`",
            path=name,
        ) from None
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    return validator.iter_errors


def load_profile(path: str | Path | None = None) -> Profile:
    """The profile in the JSON file at ``path``, a built-in one by name (``strict``), or the
    default profile; cached per file, as long as the file is unchanged.

    Raises:
        ConfigError: the file can't be read or isn't a valid JSON Schema.
    """
    if path is None:
        return _load(None, None)
    name = str(path)
    try:
        found = os.stat(name)
    except OSError:
        return _load(name, None)  # a built-in profile by name, or the error of a missing file
    # The same name in another directory is another file, and an edited file another profile.
    return _load(name, (os.path.abspath(name), found.st_ino, found.st_mtime_ns, found.st_size))


@cache
def _load(path: str | None, file: tuple[str, int, int, int] | None) -> Profile:
    """The profile ``load_profile(path)`` gives; ``file`` (where, inode, mtime, size) keys it."""
    builtin = BUILTIN.get(Path(path).name) if path is not None else DEFAULT
    if builtin is not None and (path is None or not Path(path).exists()):
        # Beside this module (importlib.resources would cost lint FILE a few ms of imports).
        text = Path(__file__).with_name(builtin).read_text(encoding="utf-8")
        return Profile(json.loads(text), f"schema/{builtin}", builtin=True)
    assert path is not None
    try:
        text = read_regular_text(path)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(f"cannot read the profile ({reason})", path=path) from None
    except UnicodeDecodeError:
        raise ConfigError("profile is not UTF-8 text, expected JSON", path=path) from None
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"profile is not valid JSON ({exc.msg}), expected a JSON Schema",
            path=path,
            line=exc.lineno,
        ) from None
    if not isinstance(schema, dict):
        raise ConfigError("profile is not a JSON object, expected a JSON Schema", path=path)
    return Profile(schema, path)


def _level(error: Any) -> str:
    """``warning`` when the failing subschema says ``"x-level": "warning"``, else ``error``."""
    level = error.schema.get("x-level") if isinstance(error.schema, dict) else None
    return "warning" if level == "warning" else "error"


def _walk(data: Any, path: Sequence[str | int]) -> Iterator[tuple[str | int, Any]]:
    """Each step of ``path`` with the value it leads to."""
    node = data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return
        yield part, node


def _line(data: dict[str, Any], path: Sequence[str | int]) -> int:
    """The source line of the deepest element on ``path`` that has one (else line 1)."""
    parts = list(path)
    if len(parts) >= 2 and parts[0] == "metadata":
        lines = data.get("metadata", {}).get("lines", {})
        return int(lines.get(parts[1], 1))
    line = 1
    for _, node in _walk(data, parts):
        if isinstance(node, dict) and isinstance(node.get("line"), int):
            line = node["line"]
    return line


def _subject(data: dict[str, Any], path: Sequence[str | int]) -> str:
    """What the path points at, in words: ``Severity``, ``step 'Check Redis' ``, …"""
    parts = list(path)
    if len(parts) >= 2 and parts[0] == "metadata":
        return LABELS.get(str(parts[1]), str(parts[1]))
    subject, container = "the runbook", ""
    for part, node in _walk(data, parts):
        if isinstance(part, str):
            container = part
            subject = {"sections": "the sections"}.get(part, f"{subject}'s {part}")
        elif isinstance(node, dict) and "title" in node:
            subject = f"{_CONTAINERS.get(container, 'item')} {node['title']!r}"
    return subject


def _message(error: Any, data: dict[str, Any]) -> str:
    """A person's wording of one jsonschema error."""
    custom = error.schema.get("x-message") if isinstance(error.schema, dict) else None
    if isinstance(custom, str):
        return custom.replace("{value}", json.dumps(error.instance, ensure_ascii=False))
    path = list(error.absolute_path)
    subject = _subject(data, path)
    value, expected = error.instance, error.validator_value
    if value is None:
        if path[:1] == ["metadata"] and len(path) == 2:
            return f"missing {subject}, expected a `**{subject}:** …` line in the header"
        return f"missing {subject}"
    shown = json.dumps(value, ensure_ascii=False) if not isinstance(value, dict | list) else ""
    is_ = f"{subject} is {shown}" if shown else subject
    match error.validator:
        case "enum":
            return f"{is_}, expected one of {', '.join(str(v) for v in expected)}"
        case "const":
            return f"{is_}, expected {json.dumps(expected, ensure_ascii=False)}"
        case "type":
            kinds = expected if isinstance(expected, list) else [expected]
            return f"{is_}, expected {' or '.join(kinds)}"
        case "format":
            return (
                f"{is_}, expected a {expected} (YYYY-MM-DD)"
                if expected == "date"
                else (f"{is_}, expected the format {expected}")
            )
        case "minLength" | "minItems":
            return f"{subject} is empty, expected at least {expected}"
        case "maxLength" | "maxItems":
            return f"{subject} is too long, expected at most {expected}"
        case "pattern":
            return f"{is_}, expected text matching {expected}"
        case "required":
            missing = [k for k in expected if isinstance(value, dict) and k not in value]
            return f"{subject} has no {', '.join(missing)}"
        case "contains":
            return f"{subject} has nothing matching the profile's `contains`"
    return f"{subject}: {error.message}"
