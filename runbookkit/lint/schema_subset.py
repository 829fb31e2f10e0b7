"""The JSON Schema keywords the built-in profiles use, checked without jsonschema.

``lint FILE`` is on the pre-commit path, and importing jsonschema (with its referencing and
format machinery) cost about as much as the rest of lint's start-up. The built-in profiles
(``profile.default.json``, ``profile.strict.json``) use only the keywords below, so they are
checked here; a team's own profile may use all of JSON Schema and is checked by jsonschema.
``tests/lint/test_profile.py`` checks that both give the same failures on the built-ins.

A failure has the attributes of a ``jsonschema.ValidationError`` that the profile's wording
reads (:mod:`runbookkit.lint.profile`), and the same values jsonschema gives them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# Keywords that say nothing about validity.
ANNOTATIONS = frozenset({"$schema", "$id", "title", "description"})
KEYWORDS = frozenset(
    {"type", "enum", "const", "properties", "required", "allOf", "contains", "minLength", "format"}
)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


@dataclass(frozen=True)
class Failure:
    """One way an instance fails a (sub)schema, shaped like a jsonschema error."""

    absolute_path: tuple[str | int, ...]
    schema: dict[str, Any]
    instance: Any
    validator: str
    validator_value: Any
    message: str


def unsupported(schema: Any) -> set[str]:
    """The keywords in ``schema`` (at any depth) that this module does not check."""
    found: set[str] = set()
    if not isinstance(schema, dict):
        return found
    for key, value in schema.items():
        if key not in KEYWORDS and key not in ANNOTATIONS and not key.startswith("x-"):
            found.add(key)
        if key == "properties":
            for sub in value.values():
                found |= unsupported(sub)
        elif key == "allOf":
            for sub in value:
                found |= unsupported(sub)
        elif key == "contains":
            found |= unsupported(value)
    return found


def iter_errors(
    schema: dict[str, Any], instance: Any, path: tuple[str | int, ...] = ()
) -> Iterator[Failure]:
    """Every failure of ``instance`` against ``schema``, as jsonschema's ``iter_errors`` finds
    them (``format`` asserted, as with a format checker)."""
    for key, value in schema.items():
        if key in ANNOTATIONS or key.startswith("x-"):
            continue
        fail = _check(key, value, schema, instance, path)
        if isinstance(fail, Failure):
            yield fail
        elif fail is not None:
            yield from fail


def _check(
    key: str, value: Any, schema: dict[str, Any], instance: Any, path: tuple[str | int, ...]
) -> Failure | Iterator[Failure] | None:
    def failure(message: str) -> Failure:
        return Failure(path, schema, instance, key, value, message)

    match key:
        case "type":
            kinds = value if isinstance(value, list) else [value]
            if not any(_is_type(instance, kind) for kind in kinds):
                return failure(f"{instance!r} is not of type {', '.join(map(repr, kinds))}")
        case "enum":
            if not any(_equal(instance, option) for option in value):
                return failure(f"{instance!r} is not one of {value!r}")
        case "const":
            if not _equal(instance, value):
                return failure(f"{value!r} was expected")
        case "minLength":
            if isinstance(instance, str) and len(instance) < value:
                return failure(f"{instance!r} is too short")
        case "format":
            if value == "date" and isinstance(instance, str) and not _is_date(instance):
                return failure(f"{instance!r} is not a {value!r}")
        case "required":
            if isinstance(instance, dict):
                missing = [name for name in value if name not in instance]
                return (failure(f"{name!r} is a required property") for name in missing)
        case "properties":
            if isinstance(instance, dict):
                return (
                    fail
                    for name, sub in value.items()
                    if name in instance
                    for fail in iter_errors(sub, instance[name], (*path, name))
                )
        case "allOf":
            return (fail for sub in value for fail in iter_errors(sub, instance, path))
        case "contains":
            if isinstance(instance, list) and not any(
                next(iter_errors(value, item), None) is None for item in instance
            ):
                return failure(f"{instance!r} does not contain items matching the given schema")
        case _:
            raise ValueError(f"the JSON Schema keyword {key!r} needs jsonschema")
    return None


def _is_type(value: Any, kind: str) -> bool:
    if kind == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    types: dict[str, type | tuple[type, ...]] = {
        "object": dict,
        "array": list,
        "string": str,
        "boolean": bool,
        "null": type(None),
    }
    return isinstance(value, types[kind])


def _equal(one: Any, other: Any) -> bool:
    """JSON equality: ``true`` is not ``1``, as in JSON Schema."""
    if isinstance(one, bool) or isinstance(other, bool):
        return isinstance(one, bool) and isinstance(other, bool) and one == other
    if isinstance(one, list) and isinstance(other, list):
        return len(one) == len(other) and all(map(_equal, one, other))
    if isinstance(one, dict) and isinstance(other, dict):
        return one.keys() == other.keys() and all(_equal(one[k], other[k]) for k in one)
    return bool(one == other)


def _is_date(text: str) -> bool:
    """An RFC 3339 full-date, as jsonschema's format checker reads ``date``."""
    if not _DATE.fullmatch(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True
