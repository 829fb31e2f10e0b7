"""The runbook as the parser builds it: plain dataclasses, one per class of the model.

The parser fills these (cheap to import and to build), and :func:`runbookkit.parsing.parse_text`
validates the result into the pydantic :mod:`runbookkit.model` at the end. ``runbookkit parse
--json`` prints the tree with :func:`to_json` and never imports pydantic, which keeps that
command's start-up close to markdown-it's own. Each class has the fields of its model class,
in the same order and with the same defaults (``tests/test_tree.py`` holds them together), so
:func:`to_json` gives exactly what the model would dump.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, TypeVar

T = TypeVar("T")


class Severity(StrEnum):
    """How bad the incident a runbook answers is, most severe first."""

    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"
    info = "info"

    @property
    def rank(self) -> int:
        """0 for critical up to 4 for info: sort by this to put the worst first."""
        return list(Severity).index(self)


def changed(item: T, **fields: Any) -> T:
    """A copy of ``item`` (a tree dataclass or a model object) with ``fields`` replaced."""
    if dataclasses.is_dataclass(item):
        return dataclasses.replace(item, **fields)  # type: ignore[type-var]
    copied: T = item.model_copy(update=fields)  # type: ignore[attr-defined]
    return copied


class TargetLabel:
    """What the tree's and the model's ``Target`` say about themselves."""

    if TYPE_CHECKING:
        host: str
        user: str | None
        port: int | None

    @property
    def label(self) -> str:
        """``user@host:port`` with only the parts that are set."""
        text = f"{self.user}@{self.host}" if self.user else self.host
        return f"{text}:{self.port}" if self.port else text


class SectionBlocks:
    """What the tree's and the model's ``Section`` say about themselves."""

    if TYPE_CHECKING:
        subsections: list[Any]

    def blocks(self) -> list[Any]:
        """The section itself followed by its subsections, in source order."""
        return [self, *self.subsections]


class RunbookLookup:
    """What the tree's and the model's ``Runbook`` say about themselves."""

    if TYPE_CHECKING:
        metadata: Any
        sections: list[Any]

    @property
    def title(self) -> str:
        """The runbook's title."""
        return str(self.metadata.title)

    def section(self, key: str) -> Any:
        """Find a section by id, else by title, case-insensitively (None when there is none)."""
        return self.section_lookup(key)[0]

    def section_lookup(self, key: str) -> tuple[Any, str | None]:
        """The section ``key`` names (an exact id first, then an exact title), and a note
        saying which was picked when another section's id or title matches too."""
        wanted = key.strip().lower()
        by_id = next((s for s in self.sections if s.id == wanted), None)
        by_title = [s for s in self.sections if s.title.strip().lower() == wanted]
        found = by_id if by_id is not None else (by_title[0] if by_title else None)
        other = next((s for s in [*by_title, by_id] if s is not None and s is not found), None)
        if found is None or other is None:
            return found, None
        how = "id" if found is by_id else "title"
        return found, (
            f"{key!r} picked section {found.id!r} (line {found.line}) by its {how}; "
            f"section {other.id!r} (line {other.line}, titled {other.title.strip()!r}) "
            f"matches too: name it by its id to run that one"
        )


@dataclass(kw_only=True)
class MTTR:
    """See :class:`runbookkit.model.MTTR`."""

    text: str
    min_minutes: float
    max_minutes: float


@dataclass(kw_only=True)
class Metadata:
    """See :class:`runbookkit.model.Metadata`."""

    title: str
    pattern: str | None = None
    severity: Severity | None = None
    mttr: MTTR | None = None
    last_updated: dt.date | None = None
    next_review: dt.date | None = None
    version: str | None = None
    author: str | None = None
    owner: str | None = None
    reviewed_by: str | None = None
    summary: str | None = None
    tags: list[str] = field(default_factory=list)
    hosts: str | None = None
    secrets: list[str] = field(default_factory=list)
    transcript_checks: bool = False
    alerts: list[str] = field(default_factory=list)
    match_labels: dict[str, str] = field(default_factory=dict)
    on_alert: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)


@dataclass(kw_only=True)
class Target(TargetLabel):
    """See :class:`runbookkit.model.Target`."""

    host: str
    user: str | None = None
    port: int | None = None
    identity: str | None = None
    options: dict[str, str] = field(default_factory=dict)


@dataclass(kw_only=True)
class Placeholder:
    """See :class:`runbookkit.model.Placeholder`."""

    text: str
    name: str
    line: int


@dataclass(kw_only=True)
class Command:
    """See :class:`runbookkit.model.Command`."""

    text: str
    raw: str
    line: int
    target: Target | None = None
    expected: str | None = None
    destructive: str | None = None
    sample: str | None = None
    exit_codes: list[int] | None = None
    absent: list[str] = field(default_factory=list)
    empty: bool = False
    interactive: str | None = None
    placeholders: list[Placeholder] = field(default_factory=list)


@dataclass(kw_only=True)
class Retry:
    """See :class:`runbookkit.model.Retry`."""

    attempts: int
    delay: float


@dataclass(kw_only=True)
class Step:
    """See :class:`runbookkit.model.Step`."""

    title: str
    line: int
    kind: Literal["shell", "manual"]
    number: int | None = None
    commands: list[Command] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    language: str | None = None
    retry: Retry | None = None
    destructive: bool = False
    destructive_reasons: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class CodeBlock:
    """See :class:`runbookkit.model.CodeBlock`."""

    language: str | None
    text: str
    line: int


@dataclass(kw_only=True)
class Task:
    """See :class:`runbookkit.model.Task`."""

    text: str
    done: bool
    line: int
    code: list[CodeBlock] = field(default_factory=list)


@dataclass(kw_only=True)
class DatedItem:
    """See :class:`runbookkit.model.DatedItem`."""

    date: dt.date
    text: str
    line: int


@dataclass(kw_only=True)
class Link:
    """See :class:`runbookkit.model.Link`."""

    text: str
    url: str
    line: int


@dataclass(kw_only=True)
class Block:
    """See :class:`runbookkit.model.Block`."""

    id: str
    title: str
    line: int
    text: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    snippets: list[CodeBlock] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    dated: list[DatedItem] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)


@dataclass(kw_only=True)
class Subsection(Block):
    """See :class:`runbookkit.model.Subsection`."""

    kind: Literal["heading", "label"]
    level: int
    rollback: bool = False


@dataclass(kw_only=True)
class Section(Block, SectionBlocks):
    """See :class:`runbookkit.model.Section`."""

    level: int
    subsections: list[Subsection] = field(default_factory=list)


@dataclass(kw_only=True)
class Damage:
    """See :class:`runbookkit.model.Damage`."""

    line: int
    text: str
    repaired: str
    lossy: bool


@dataclass(kw_only=True)
class Repair:
    """See :class:`runbookkit.model.Repair`."""

    line: int
    end: int
    text: str
    fix: str


@dataclass(kw_only=True)
class Example:
    """See :class:`runbookkit.model.Example`."""

    text: str
    line: int


@dataclass(kw_only=True)
class Runbook(RunbookLookup):
    """See :class:`runbookkit.model.Runbook`."""

    id: str
    path: str
    sha256: str
    metadata: Metadata
    sections: list[Section] = field(default_factory=list)
    examples: list[Example] = field(default_factory=list)
    damage: list[Damage] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)
    ignores: dict[str, list[int]] = field(default_factory=dict)


def to_json(runbook: Runbook, indent: int | None = 2) -> str:
    """The JSON of ``runbook``: the same document ``model.Runbook.model_dump_json`` gives."""
    return json.dumps(to_data(runbook), indent=indent, ensure_ascii=False)


def to_data(value: Any) -> Any:
    """``value`` (a tree dataclass, or anything in one) as plain JSON data: what
    ``model_dump(mode="json")`` gives, without copying through :func:`dataclasses.asdict`."""
    if isinstance(value, str | int | float | bool) or value is None:
        return str(value) if isinstance(value, StrEnum) else value
    if isinstance(value, list | tuple):
        return [to_data(item) for item in value]
    if isinstance(value, dict):
        return {key: to_data(item) for key, item in value.items()}
    if isinstance(value, dt.date):
        return value.isoformat()
    if dataclasses.is_dataclass(value):
        return {name: to_data(getattr(value, name)) for name in value.__dataclass_fields__}
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
