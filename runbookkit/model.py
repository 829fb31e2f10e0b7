"""The model of a runbook: what the parser finds, as plain dataclasses.

Everything the parser finds lands here, and every element carries the 1-based source line it
came from, so lint findings, plan output and run logs can cite ``file:line``. The classes are
plain dataclasses, cheap to import and to build: parsing and running never import pydantic.
Pydantic reads the same classes at the edges (:func:`from_data` validates JSON from outside;
:func:`json_schema` gives ``schema/runbook.schema.json``), with each field's docstring as its
description.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

if TYPE_CHECKING:
    from pydantic import TypeAdapter

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


def severity_rank(severity: Severity | None) -> int:
    """What to sort runbooks by to put the worst first: :attr:`Severity.rank`, and after every
    known severity (5) for a runbook without one."""
    return severity.rank if severity is not None else len(Severity)


def changed(item: T, **fields: Any) -> T:
    """A copy of ``item`` (any class of the model) with ``fields`` replaced."""
    return dataclasses.replace(item, **fields)  # type: ignore[type-var]


class _Node:
    """What pydantic reads when it validates a node or describes it in the JSON Schema."""

    __pydantic_config__: ClassVar[dict[str, Any]] = {
        "extra": "forbid",
        "use_attribute_docstrings": True,
    }


@dataclass(kw_only=True)
class MTTR(_Node):
    """A mean-time-to-recover target as a range in minutes ("3-5 minutes" → 3..5)."""

    text: str
    min_minutes: float
    max_minutes: float


@dataclass(kw_only=True)
class Metadata(_Node):
    """What the runbook says about itself: front matter, the header lines and the footer."""

    title: str
    pattern: str | None = None
    """Regular expression of the error this answers."""
    severity: Severity | None = None
    mttr: MTTR | None = None
    last_updated: dt.date | None = None
    next_review: dt.date | None = None
    version: str | None = None
    author: str | None = None
    owner: str | None = None
    reviewed_by: str | None = None
    summary: str | None = None
    """One-line description (front matter `summary`)."""
    tags: list[str] = field(default_factory=list)
    hosts: str | None = None
    """Default host group of the runbook."""
    secrets: list[str] = field(default_factory=list)
    """Variables holding secrets."""
    transcript_checks: bool = False
    """Sample output after `$ ` prompts is checked as expected output."""
    alerts: list[str] = field(default_factory=list)
    """Alert names this runbook answers (`alertname`)."""
    match_labels: dict[str, str] = field(default_factory=dict)
    """Labels an alert must all carry to route here."""
    on_alert: str | None = None
    """The section an alert runs unattended (default: diagnosis)."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Keys runbookkit doesn't know."""
    lines: dict[str, int] = field(default_factory=dict)
    """Source line of each metadata key, by field name."""


@dataclass(kw_only=True)
class Target(_Node):
    """A remote host a command runs on, as written in the runbook's ``ssh`` line."""

    host: str
    user: str | None = None
    port: int | None = None
    identity: str | None = None
    options: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """``user@host:port`` with only the parts that are set."""
        text = f"{self.user}@{self.host}" if self.user else self.host
        return f"{text}:{self.port}" if self.port else text


@dataclass(kw_only=True)
class Placeholder(_Node):
    """A template placeholder as written (``<pod-name>``) and the variable it stands for."""

    text: str
    name: str
    """The variable the command reads instead (POD_NAME)."""
    line: int


@dataclass(kw_only=True)
class Command(_Node):
    """One shell command of a step; ``target`` is None for this machine."""

    text: str
    """What runs on the target, after an ssh wrapper was removed."""
    raw: str
    """The command exactly as written."""
    line: int
    target: Target | None = None
    expected: str | None = None
    """Text stdout must contain for the step to pass."""
    destructive: str | None = None
    """Why the command is destructive, if it is."""
    sample: str | None = None
    """Sample output written after a `$ ` prompt: reference, not a check."""
    exit_codes: list[int] | None = None
    """Exit statuses that count as success (`# Exit: 0,1`); None: 0 only."""
    absent: list[str] = field(default_factory=list)
    """Texts stdout and stderr must not contain (`# Expected absent: TEXT`)."""
    empty: bool = False
    """stdout must be empty (`# Expected empty`)."""
    interactive: str | None = None
    """Why it needs a terminal or never ends: a manual action unless --tty."""
    placeholders: list[Placeholder] = field(default_factory=list)
    """Template placeholders (`<pod-name>`, `{{ ns }}`) turned into variables."""


@dataclass(kw_only=True)
class Retry(_Node):
    """Re-run a step until its expectation holds: ``# Retry: 10 every 1s``."""

    attempts: int = field(metadata={"ge": 1})
    delay: float = field(metadata={"ge": 0})


@dataclass(kw_only=True)
class Step(_Node):
    """A unit of work: shell commands to run, or (manual) text for a person to act on."""

    title: str
    line: int
    kind: Literal["shell", "manual"]
    number: int | None = None
    """The number the runbook gives the step."""
    commands: list[Command] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Comment lines; a manual step's text."""
    language: str | None = None
    retry: Retry | None = None
    destructive: bool = False
    destructive_reasons: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class CodeBlock(_Node):
    """A fenced code block that is not executable (JavaScript, YAML, example output…)."""

    language: str | None
    text: str
    line: int


@dataclass(kw_only=True)
class Task(_Node):
    """A task-list item (``- [ ] text``) with the code blocks nested under it."""

    text: str
    done: bool
    line: int
    code: list[CodeBlock] = field(default_factory=list)


@dataclass(kw_only=True)
class DatedItem(_Node):
    """A list item that starts with a date (``2025-11-10 - text``)."""

    date: dt.date
    text: str
    line: int


@dataclass(kw_only=True)
class Link(_Node):
    """A hyperlink and its text."""

    text: str
    url: str
    line: int


@dataclass(kw_only=True)
class Block(_Node):
    """The content shared by sections and subsections."""

    id: str
    title: str
    line: int
    # In field metadata, not a docstring: pydantic reads the docstrings of a class's own fields
    # only, and sections and subsections inherit this one.
    text: list[str] = field(
        default_factory=list, metadata={"description": "Paragraphs and list items as text."}
    )
    steps: list[Step] = field(default_factory=list)
    snippets: list[CodeBlock] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    dated: list[DatedItem] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)


@dataclass(kw_only=True)
class Subsection(Block):
    """An H3+ heading or a bold ``**Label:**`` paragraph inside a section."""

    kind: Literal["heading", "label"]
    level: int
    rollback: bool = False
    """Run when the section fails, not as part of it."""


@dataclass(kw_only=True)
class Section(Block):
    """A top-level part of the runbook (an H2, or an H1 in dialects without H2)."""

    level: int
    subsections: list[Subsection] = field(default_factory=list)

    def blocks(self) -> list[Block]:
        """The section itself followed by its subsections, in source order."""
        return [self, *self.subsections]


@dataclass(kw_only=True)
class Damage(_Node):
    """A line whose text was mis-decoded; ``lossy`` when ftfy could not restore all of it."""

    line: int
    text: str
    repaired: str
    lossy: bool


@dataclass(kw_only=True)
class Repair(_Node):
    """A code fence that was not closed, read as CommonMark reads it (``fix`` says how).

    Its lines ``line`` (the opening fence) to ``end`` may hold text the author meant outside the
    block: ``run`` refuses a step among them unless ``--accept-repairs``.
    """

    line: int
    end: int
    """The last line read as part of the block."""
    text: str
    """The opening fence as written (```` ```bash ````)."""
    fix: str
    """What was assumed: where the block was taken to end."""


@dataclass(kw_only=True)
class Example(_Node):
    """An example of the error the runbook answers, taken from its Symptoms."""

    text: str
    line: int


@dataclass(kw_only=True)
class Runbook(_Node):
    """A parsed runbook: metadata, sections in order, examples, text damage and fence repairs."""

    id: str
    path: str
    sha256: str
    metadata: Metadata
    sections: list[Section] = field(default_factory=list)
    examples: list[Example] = field(default_factory=list)
    damage: list[Damage] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)
    """Code fences that were not closed, and how each was read."""
    ignores: dict[str, list[int]] = field(default_factory=dict)
    """Lint codes silenced by comments: code → lines (0 means the whole file)."""
    title_line: int | None = None
    """The line of the H1 the title is taken from; None when front matter or the file name
    gives it."""
    front_matter_end: int = 0
    """The last line of the YAML front matter at the top of the file (0: there is none)."""

    @property
    def title(self) -> str:
        """The runbook's title."""
        return self.metadata.title

    def section(self, key: str) -> Section | None:
        """Find a section by id, else by title, case-insensitively (None when there is none)."""
        return self.section_lookup(key)[0]

    def section_lookup(self, key: str) -> tuple[Section | None, str | None]:
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


def to_json(runbook: Runbook, indent: int | None = 2) -> str:
    """The JSON of ``runbook`` (``runbookkit parse --json``), valid against :func:`json_schema`."""
    return json.dumps(to_data(runbook), indent=indent, ensure_ascii=False)


def to_data(value: Any) -> Any:
    """``value`` (any class of the model, or anything in one) as plain JSON data, without
    copying through :func:`dataclasses.asdict`."""
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


def from_data(data: Any) -> Runbook:
    """The runbook JSON ``data`` describes (:func:`to_data`'s output), validated.

    Raises:
        pydantic.ValidationError: ``data`` is not a runbook as :func:`json_schema` describes it.
    """
    return _adapter().validate_python(data)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of :class:`Runbook`, as published in ``schema/runbook.schema.json``."""
    schema = _adapter().json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://runbookkit.dev/schema/runbook.schema.json"
    return schema


@functools.cache
def _adapter() -> TypeAdapter[Runbook]:
    from pydantic import TypeAdapter

    return TypeAdapter(Runbook)
