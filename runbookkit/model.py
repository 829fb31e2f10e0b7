"""The validated model of a runbook.

Everything the parser finds lands here, and every element carries the 1-based source line it
came from, so lint findings, plan output and run logs can cite ``file:line``. The JSON Schema of
:class:`Runbook` is published as ``schema/runbook.schema.json``. The parser builds the same
shape as plain dataclasses (:mod:`runbookkit.tree`) and validates it into these classes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from runbookkit.tree import RunbookLookup, SectionBlocks, TargetLabel
from runbookkit.tree import Severity as Severity  # defined without pydantic, for the parser


# Pydantic inspects the signature of every default factory when it builds a class; for the
# builtins ``list`` and ``dict`` that means parsing their text signatures, a few milliseconds
# of start-up for this module. These plain functions are read at no cost.
def _list() -> list[Any]:
    return []


def _dict() -> dict[str, Any]:
    return {}


class _Model(BaseModel):
    # Built on first validation: a run works on the parse tree and never pays for the schemas.
    model_config = ConfigDict(extra="forbid", defer_build=True)


class MTTR(_Model):
    """A mean-time-to-recover target as a range in minutes ("3-5 minutes" → 3..5)."""

    text: str
    min_minutes: float
    max_minutes: float


class Metadata(_Model):
    """What the runbook says about itself: front matter, the header lines and the footer."""

    title: str
    pattern: str | None = Field(None, description="Regular expression of the error this answers.")
    severity: Severity | None = None
    mttr: MTTR | None = None
    last_updated: dt.date | None = None
    next_review: dt.date | None = None
    version: str | None = None
    author: str | None = None
    owner: str | None = None
    reviewed_by: str | None = None
    summary: str | None = Field(None, description="One-line description (front matter `summary`).")
    tags: list[str] = Field(default_factory=_list)
    hosts: str | None = Field(None, description="Default host group of the runbook.")
    secrets: list[str] = Field(default_factory=_list, description="Variables holding secrets.")
    transcript_checks: bool = Field(
        False, description="Sample output after `$ ` prompts is checked as expected output."
    )
    alerts: list[str] = Field(
        default_factory=_list, description="Alert names this runbook answers (`alertname`)."
    )
    match_labels: dict[str, str] = Field(
        default_factory=_dict, description="Labels an alert must all carry to route here."
    )
    on_alert: str | None = Field(
        None, description="The section an alert runs unattended (default: diagnosis)."
    )
    extra: dict[str, Any] = Field(
        default_factory=_dict, description="Keys runbookkit doesn't know."
    )
    lines: dict[str, int] = Field(
        default_factory=_dict, description="Source line of each metadata key, by field name."
    )


class Target(_Model, TargetLabel):
    """A remote host a command runs on, as written in the runbook's ``ssh`` line."""

    host: str
    user: str | None = None
    port: int | None = None
    identity: str | None = None
    options: dict[str, str] = Field(default_factory=_dict)


class Placeholder(_Model):
    """A template placeholder as written (``<pod-name>``) and the variable it stands for."""

    text: str
    name: str = Field(description="The variable the command reads instead (POD_NAME).")
    line: int


class Command(_Model):
    """One shell command of a step; ``target`` is None for this machine."""

    text: str = Field(description="What runs on the target, after an ssh wrapper was removed.")
    raw: str = Field(description="The command exactly as written.")
    line: int
    target: Target | None = None
    expected: str | None = Field(None, description="Text stdout must contain for the step to pass.")
    destructive: str | None = Field(None, description="Why the command is destructive, if it is.")
    sample: str | None = Field(
        None, description="Sample output written after a `$ ` prompt: reference, not a check."
    )
    exit_codes: list[int] | None = Field(
        None, description="Exit statuses that count as success (`# Exit: 0,1`); None: 0 only."
    )
    absent: list[str] = Field(
        default_factory=_list,
        description="Texts stdout and stderr must not contain (`# Expected absent: TEXT`).",
    )
    empty: bool = Field(False, description="stdout must be empty (`# Expected empty`).")
    interactive: str | None = Field(
        None, description="Why it needs a terminal or never ends: a manual action unless --tty."
    )
    placeholders: list[Placeholder] = Field(
        default_factory=_list,
        description="Template placeholders (`<pod-name>`, `{{ ns }}`) turned into variables.",
    )


class Retry(_Model):
    """Re-run a step until its expectation holds: ``# Retry: 10 every 1s``."""

    attempts: int = Field(ge=1)
    delay: float = Field(ge=0)


class Step(_Model):
    """A unit of work: shell commands to run, or (manual) text for a person to act on."""

    title: str
    line: int
    kind: Literal["shell", "manual"]
    number: int | None = Field(None, description="The number the runbook gives the step.")
    commands: list[Command] = Field(default_factory=_list)
    notes: list[str] = Field(
        default_factory=_list, description="Comment lines; a manual step's text."
    )
    language: str | None = None
    retry: Retry | None = None
    destructive: bool = False
    destructive_reasons: list[str] = Field(default_factory=_list)


class CodeBlock(_Model):
    """A fenced code block that is not executable (JavaScript, YAML, example output…)."""

    language: str | None
    text: str
    line: int


class Task(_Model):
    """A task-list item (``- [ ] text``) with the code blocks nested under it."""

    text: str
    done: bool
    line: int
    code: list[CodeBlock] = Field(default_factory=_list)


class DatedItem(_Model):
    """A list item that starts with a date (``2025-11-10 - text``)."""

    date: dt.date
    text: str
    line: int


class Link(_Model):
    """A hyperlink and its text."""

    text: str
    url: str
    line: int


class Block(_Model):
    """The content shared by sections and subsections."""

    id: str
    title: str
    line: int
    text: list[str] = Field(default_factory=_list, description="Paragraphs and list items as text.")
    steps: list[Step] = Field(default_factory=_list)
    snippets: list[CodeBlock] = Field(default_factory=_list)
    tasks: list[Task] = Field(default_factory=_list)
    dated: list[DatedItem] = Field(default_factory=_list)
    links: list[Link] = Field(default_factory=_list)


class Subsection(Block):
    """An H3+ heading or a bold ``**Label:**`` paragraph inside a section."""

    kind: Literal["heading", "label"]
    level: int
    rollback: bool = Field(False, description="Run when the section fails, not as part of it.")


class Section(Block, SectionBlocks):
    """A top-level part of the runbook (an H2, or an H1 in dialects without H2)."""

    level: int
    subsections: list[Subsection] = Field(default_factory=_list)


class Damage(_Model):
    """A line whose text was mis-decoded; ``lossy`` when ftfy could not restore all of it."""

    line: int
    text: str
    repaired: str
    lossy: bool


class Repair(_Model):
    """A code fence that was not closed, read as CommonMark reads it (``fix`` says how).

    Its lines ``line`` (the opening fence) to ``end`` may hold text the author meant outside the
    block: ``run`` refuses a step among them unless ``--accept-repairs``.
    """

    line: int
    end: int = Field(description="The last line read as part of the block.")
    text: str = Field(description="The opening fence as written (```` ```bash ````).")
    fix: str = Field(description="What was assumed: where the block was taken to end.")


class Example(_Model):
    """An example of the error the runbook answers, taken from its Symptoms."""

    text: str
    line: int


class Runbook(_Model, RunbookLookup):
    """A parsed runbook: metadata, sections in order, examples, text damage and fence repairs."""

    id: str
    path: str
    sha256: str
    metadata: Metadata
    sections: list[Section] = Field(default_factory=_list)
    examples: list[Example] = Field(default_factory=_list)
    damage: list[Damage] = Field(default_factory=_list)
    repairs: list[Repair] = Field(
        default_factory=_list,
        description="Code fences that were not closed, and how each was read.",
    )
    ignores: dict[str, list[int]] = Field(
        default_factory=_dict,
        description="Lint codes silenced by comments: code → lines (0 means the whole file).",
    )


def json_schema() -> dict[str, Any]:
    """The JSON Schema of :class:`Runbook`, as published in ``schema/runbook.schema.json``."""
    schema = Runbook.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://runbookkit.dev/schema/runbook.schema.json"
    return schema
