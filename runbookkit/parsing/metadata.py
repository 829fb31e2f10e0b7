"""Metadata from front matter, the ``**Key:** value`` header lines and the footer block.

Values are normalised here (severity, MTTR range, dates, the Pattern regex) and every invalid
value raises :class:`ParseError` with the line it was written on. ``transcript_checks: true``
makes the sample output after ``$ `` prompts expected output
(:mod:`runbookkit.parsing.transcripts`). ``alerts:``, ``match_labels:`` and ``on_alert:`` say
which alerts the runbook answers and which section runs when one fires
(:mod:`runbookkit.alerts.route`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runbookkit.errors import ParseError
from runbookkit.model import MTTR, Metadata, Severity

if TYPE_CHECKING:
    from markdown_it.token import Token

# Key as written (lower-cased, words joined by "_") → Metadata field.
ALIASES = {
    "title": "title",
    "pattern": "pattern",
    "error_pattern": "pattern",
    "severity": "severity",
    "mttr": "mttr",
    "mttr_target": "mttr",
    "last_updated": "last_updated",
    "updated": "last_updated",
    "date": "last_updated",
    "next_review": "next_review",
    "review_by": "next_review",
    "last_reviewed_on": "last_reviewed",
    "last_reviewed": "last_reviewed",
    "review_in": "review_in",
    "version": "version",
    "runbook_version": "version",
    "author": "author",
    "owner": "owner",
    "team": "owner",
    "owner_slack": "owner",
    "reviewed_by": "reviewed_by",
    "summary": "summary",
    "description": "summary",
    "tags": "tags",
    "hosts": "hosts",
    "secrets": "secrets",
    "transcript_checks": "transcript_checks",
    "alerts": "alerts",
    "match_labels": "match_labels",
    "on_alert": "on_alert",
}
# The value of a key written without one.
_EMPTY: dict[str, Any] = {
    "tags": [],
    "secrets": [],
    "alerts": [],
    "match_labels": {},
    "transcript_checks": False,
}
# When several keys give the owner, the first of these that is written wins.
_OWNER_KEYS = ("owner", "team", "owner_slack")
_PERIOD = re.compile(r"^\s*(\d+)\s*(d|days?|w|weeks?|m|mo|mos|months?|y|yrs?|years?)\s*$", re.I)
_MTTR = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*(?:(?:-|–|—|to)\s*(\d+(?:\.\d+)?))?\s*"
    r"(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?)?\s*$",
    re.IGNORECASE,
)


@dataclass
class Entry:
    """One metadata key and its value, where it was written."""

    key: str
    value: Any
    line: int
    code: str | None = None  # the value when written as `inline code`


def normalise_key(key: str) -> str:
    """``"MTTR Target"`` → ``"mttr_target"``."""
    return "_".join(re.findall(r"[a-z0-9]+", key.lower()))


def is_known(key: str) -> bool:
    """Whether ``key`` names a :class:`Metadata` field (under any of its aliases)."""
    return normalise_key(key) in ALIASES


def key_value_lines(inline: Token) -> list[Entry] | None:
    """The entries of a paragraph made only of ``**Key:** value`` lines, else None."""
    assert inline.map is not None and inline.children is not None
    if not inline.content.startswith(("**", "__")):
        return None  # every line must start with a bold key, the first one too
    lines: list[list[Token]] = [[]]
    for child in inline.children:
        if child.type == "text" and not child.content:
            continue  # markdown-it leaves empty text tokens around emphasis
        if child.type in ("softbreak", "hardbreak"):
            lines.append([])
        else:
            lines[-1].append(child)
    entries = []
    for offset, children in enumerate(lines):
        entry = _key_value(children, inline.map[0] + offset + 1)
        if entry is None:
            return None
        entries.append(entry)
    return entries


def _key_value(children: list[Token], line: int) -> Entry | None:
    if len(children) < 3 or children[0].type != "strong_open":
        return None
    close = next((i for i, c in enumerate(children) if c.type == "strong_close"), None)
    if close is None:
        return None
    key = "".join(c.content for c in children[1:close]).strip()
    rest = children[close + 1 :]
    value = "".join(c.content for c in rest).strip()
    if key.endswith(":"):
        key = key[:-1].strip()
    elif value.startswith(":"):
        value = value[1:].strip()
    else:
        return None
    codes = [c.content for c in rest if c.type == "code_inline"]
    return Entry(key, value, line, codes[0] if len(codes) == 1 else None) if key else None


def build(entries: list[Entry], fallback_title: str, path: str) -> Metadata:
    """Normalise entries (later ones win) into :class:`Metadata`.

    The owner comes from ``owner``, else ``team``, else ``owner_slack``; without ``next_review``
    (``review_by``) the review date is ``last_reviewed_on`` plus ``review_in`` (``6 months``).
    """
    fields: dict[str, Any] = {}
    lines: dict[str, int] = {}
    extra: dict[str, Any] = {}
    owner_rank = len(_OWNER_KEYS)
    for entry in entries:
        key = normalise_key(entry.key)
        name = ALIASES.get(key)
        if name is None:
            extra[key or entry.key] = entry.value
            lines[key] = entry.line
            continue
        if name == "owner":
            rank = _OWNER_KEYS.index(key) if key in _OWNER_KEYS else 0
            if rank > owner_rank:
                continue
            owner_rank = rank
        fields[name] = _convert(name, entry, path)
        lines[name] = entry.line
    _review(fields, lines, entries, path)
    title = fields.pop("title", None) or fallback_title
    return Metadata(title=str(title), extra=extra, lines=lines, **fields)


def _review(fields: dict[str, Any], lines: dict[str, int], entries: list[Entry], path: str) -> None:
    """Turn ``last_reviewed_on`` + ``review_in`` into ``next_review`` (unless one is given)."""
    last = fields.pop("last_reviewed", None)
    period = fields.pop("review_in", None)
    last_line, period_line = lines.pop("last_reviewed", 0), lines.pop("review_in", 0)
    if fields.get("next_review") is not None or last is None or period is None:
        return
    found = _PERIOD.match(str(period))
    if not found:
        entry = next(e for e in entries if ALIASES.get(normalise_key(e.key)) == "review_in")
        raise ParseError(
            f"{entry.key} {period!r} is not a period, expected a number of days, weeks, months "
            "or years such as '6 months'",
            path=path,
            line=period_line,
        )
    count, unit = int(found.group(1)), found.group(2).lower()
    if unit.startswith("d"):
        due = last + dt.timedelta(days=count)
    elif unit.startswith("w"):
        due = last + dt.timedelta(weeks=count)
    else:
        months = count * 12 if unit.startswith("y") else count
        due = _add_months(last, months)
    fields["next_review"] = due
    lines["next_review"] = max(last_line, period_line)


def _add_months(day: dt.date, months: int) -> dt.date:
    import calendar

    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def _convert(name: str, entry: Entry, path: str) -> Any:
    value = entry.value
    if value is None or value == "":
        return _EMPTY.get(name)
    if name == "pattern":
        return _pattern(entry.code if entry.code is not None else str(value), entry, path)
    if name == "severity":
        try:
            return Severity(str(value).strip().lower())
        except ValueError:
            choices = ", ".join(s.value.capitalize() for s in Severity)
            raise ParseError(
                f"unknown severity {value!r}, expected one of {choices}", path=path, line=entry.line
            ) from None
    if name == "mttr":
        return _mttr(str(value), entry, path)
    if name in ("last_updated", "next_review", "last_reviewed"):
        return _date(value, entry, path)
    if name == "transcript_checks":
        return _switch(value, entry, path)
    if name == "match_labels":
        return _labels(value, entry, path)
    if name in ("tags", "secrets", "alerts"):
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(item).strip().strip("`") for item in items if str(item).strip()]
    return str(value)


def _labels(value: Any, entry: Entry, path: str) -> dict[str, str]:
    """``{name: value}`` from YAML, or ``name=value, name=value`` from a header line."""
    if isinstance(value, str) and all("=" in pair for pair in value.split(",")):
        pairs = (pair.split("=", 1) for pair in value.split(","))
        return {k.strip().strip("`"): v.strip().strip("`") for k, v in pairs}
    if not isinstance(value, dict) or not all(
        isinstance(v, str | int | float | bool) for v in value.values()
    ):
        raise ParseError(
            "match_labels must map label names to values (`{severity: critical}` or "
            "`severity=critical, job=redis`)",
            path=path,
            line=entry.line,
        )
    return {str(k): str(v).lower() if isinstance(v, bool) else str(v) for k, v in value.items()}


def _pattern(text: str, entry: Entry, path: str) -> str:
    try:
        re.compile(text)
    except re.error as exc:
        raise ParseError(
            f"invalid regex in Pattern: {exc}, expected a regular expression",
            path=path,
            line=entry.line,
        ) from None
    return text


def _mttr(text: str, entry: Entry, path: str) -> MTTR:
    found = _MTTR.match(text)
    if not found:
        raise ParseError(
            f"MTTR {text!r} is not a duration, expected minutes such as '3-5 minutes' or '15m'",
            path=path,
            line=entry.line,
        )
    unit = (found.group(3) or "m").lower()
    scale = 60.0 if unit.startswith("h") else 1 / 60 if unit.startswith("s") else 1.0
    low = float(found.group(1)) * scale
    high = float(found.group(2)) * scale if found.group(2) else low
    if high < low:
        low, high = high, low
    return MTTR(text=text.strip(), min_minutes=low, max_minutes=high)


def _switch(value: Any, entry: Entry, path: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise ParseError(
        f"{entry.key} {value!r} is not a switch, expected true or false", path=path, line=entry.line
    )


def _date(value: Any, entry: Entry, path: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ParseError(
            f"{entry.key} {value!r} is not a date, expected YYYY-MM-DD",
            path=path,
            line=entry.line,
        ) from None


def front_matter(token: Token, path: str) -> list[Entry]:
    """Entries of a YAML front matter block; invalid YAML raises with its line."""
    import yaml

    assert token.map is not None
    first = token.map[0] + 2  # the line after the opening ---
    try:
        data = _load_yaml(token.content)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first + mark.line if mark is not None else token.map[0] + 1
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ParseError(
            f"front matter is not valid YAML ({problem}), expected `key: value` lines",
            path=path,
            line=line,
        ) from None
    except ValueError as exc:  # a constructor refused a value, e.g. the date 2025-13-45
        raise ParseError(
            f"front matter has an invalid value ({exc}), expected valid YAML values",
            path=path,
            line=first,
        ) from None
    if data is None:
        return []
    if not isinstance(data, dict):
        raise ParseError(
            "front matter is not a mapping, expected `key: value` lines",
            path=path,
            line=token.map[0] + 1,
        )
    lines = token.content.splitlines()
    return [Entry(str(k), v, first + _key_line(lines, str(k))) for k, v in data.items()]


def _load_yaml(text: str) -> Any:
    """``yaml.safe_load``, through libyaml when PyYAML has it (several times faster).

    On any error the pure-Python loader runs again, so messages and lines are always its own.
    """
    import yaml

    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.load(text, Loader=fast)
        except (yaml.YAMLError, ValueError):
            pass
    return yaml.safe_load(text)


def _key_line(lines: list[str], key: str) -> int:
    for offset, line in enumerate(lines):
        if line.startswith((f"{key}:", f'"{key}":', f"'{key}':")):
            return offset
    return 0
