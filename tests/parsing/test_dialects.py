"""Runbooks in other dialects: each one's sections, subsections and steps against its expectation.

Each runbook ``tests/data/dialects/NAME.md`` has its expectation beside it in ``NAME.json``: the
title and metadata, the sections and subsections, every step with its commands, and the
snippets, examples, tasks, dated items and links, each checked by hand against the text. After
a change to the parser, ``RUNBOOKKIT_UPDATE_GOLDEN=1 python -m pytest
tests/parsing/test_dialects.py`` writes them again from what it parses: review that diff line by
line before committing it.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from runbookkit.model import Command, Runbook, Step, to_data
from runbookkit.parsing import parse_file
from tests.conftest import DATA, ROOT

DIALECTS = DATA / "dialects"
NAMES = sorted(p.stem for p in DIALECTS.glob("*.md"))


def _steps(runbook: Runbook) -> list[tuple[str, Step]]:
    return [(b.id, st) for s in runbook.sections for b in s.blocks() for st in b.steps]


def _command(command: Command) -> dict[str, Any]:
    """What runs, where (``user@host:port``; absent: locally), the output checked (``expect``)
    and the output shown after a ``$ `` prompt (``sample``)."""
    found = {
        "text": command.text,
        "on": command.target.label if command.target else None,
        "expect": command.expected,
        "destructive": command.destructive,
        "sample": command.sample,
    }
    return {key: value for key, value in found.items() if value is not None}


def _step(block: str, step: Step) -> dict[str, Any]:
    """A step in the block (section or subsection id) that holds it; defaults left out."""
    found: dict[str, Any] = {"block": block, "title": step.title}
    if step.kind != "shell":
        found["kind"] = step.kind
    if step.number is not None:
        found["number"] = step.number
    if step.commands:
        found["commands"] = [_command(c) for c in step.commands]
    if step.retry:
        found["retry"] = [step.retry.attempts, step.retry.delay]
    if step.destructive_reasons:
        found["destructive"] = list(step.destructive_reasons)
    if step.notes:
        found["notes"] = list(step.notes)
    return found


def summary(runbook: Runbook) -> dict[str, Any]:
    """What a dialect's expectation file holds, as parsed from its runbook."""
    meta = runbook.metadata
    shown = {
        "severity": meta.severity.value if meta.severity else None,
        "tags": meta.tags or None,
        "hosts": meta.hosts,
        "secrets": meta.secrets or None,
        "mttr": [meta.mttr.min_minutes, meta.mttr.max_minutes] if meta.mttr else None,
        "pattern": meta.pattern,
    }
    blocks = [b for s in runbook.sections for b in s.blocks()]
    return {
        "title": meta.title,
        "meta": {key: value for key, value in shown.items() if value is not None},
        "sections": [s.id for s in runbook.sections],
        "subsections": [b.id for s in runbook.sections for b in s.subsections],
        "steps": [_step(block, step) for block, step in _steps(runbook)],
        "snippets": [[b.id, c.language] for b in blocks for c in b.snippets],
        "examples": [e.line for e in runbook.examples],
        "tasks": [[t.text, t.done, [c.language for c in t.code]] for b in blocks for t in b.tasks],
        "dated": [[d.date.isoformat(), d.text] for b in blocks for d in b.dated],
        "links": [link.url for b in blocks for link in b.links],
    }


def _write(name: str, found: dict[str, Any]) -> None:
    text = json.dumps(found, indent=2, ensure_ascii=False) + "\n"
    (DIALECTS / f"{name}.json").write_text(text, encoding="utf-8")


@pytest.fixture(scope="module", params=NAMES)
def case(request: pytest.FixtureRequest) -> tuple[Runbook, dict[str, Any]]:
    name = request.param
    runbook = parse_file(DIALECTS / f"{name}.md")
    if os.environ.get("RUNBOOKKIT_UPDATE_GOLDEN"):
        _write(name, summary(runbook))
    expected = json.loads((DIALECTS / f"{name}.json").read_text(encoding="utf-8"))
    return runbook, expected


def test_every_dialect_runbook_has_its_expectation() -> None:
    assert sorted(p.stem for p in DIALECTS.glob("*.json")) == NAMES
    assert len(NAMES) >= 12


def test_title_and_metadata(case: tuple[Runbook, dict[str, Any]]) -> None:
    runbook, want = case
    found = summary(runbook)
    assert (found["title"], found["meta"]) == (want["title"], want["meta"])


def test_sections(case: tuple[Runbook, dict[str, Any]]) -> None:
    runbook, want = case
    assert summary(runbook)["sections"] == want["sections"]


def test_subsections(case: tuple[Runbook, dict[str, Any]]) -> None:
    runbook, want = case
    assert summary(runbook)["subsections"] == want["subsections"]


def test_steps(case: tuple[Runbook, dict[str, Any]]) -> None:
    runbook, want = case
    found = summary(runbook)["steps"]
    assert [(s["block"], s["title"]) for s in found] == [
        (s["block"], s["title"]) for s in want["steps"]
    ]
    for got, expected in zip(found, want["steps"], strict=True):
        assert got == expected, f"{got['block']}: {got['title']}"
    for _, step in _steps(runbook):  # a step is destructive exactly when it says why
        assert step.destructive is bool(step.destructive_reasons), step.title


def test_snippets_examples_tasks_dated_links(case: tuple[Runbook, dict[str, Any]]) -> None:
    runbook, want = case
    found = summary(runbook)
    for key in ("snippets", "examples", "tasks", "dated", "links"):
        assert found[key] == want[key], key


def test_lines_point_at_the_text(case: tuple[Runbook, dict[str, Any]]) -> None:
    runbook, _ = case
    lines = (DIALECTS / f"{runbook.id}.md").read_text(encoding="utf-8").splitlines()
    for section in runbook.sections:
        for block in section.blocks():
            if block.line:
                assert block.title in lines[block.line - 1].replace("**", "")
        for _, step in _steps(runbook):
            for command in step.commands:
                first = command.raw.splitlines()[0]
                assert first.strip() in lines[command.line - 1]


SSH_DETAILS = [
    (
        "k8s-node-disk-pressure",
        27,
        "~/.ssh/k8s_ops",
        {"UserKnownHostsFile": "/etc/ssh/k8s_known_hosts"},
    ),
    ("nginx-502-bad-gateway", 13, None, {"StrictHostKeyChecking": "yes", "ConnectTimeout": "5"}),
    ("rabbitmq-queue-backlog", 30, "~/.ssh/billing_ops", {}),
    ("postgres-disk-full", 68, None, {}),
]


@pytest.mark.parametrize(("name", "line", "identity", "options"), SSH_DETAILS)
def test_ssh_identity_and_options(
    name: str, line: int, identity: str | None, options: dict[str, str]
) -> None:
    runbook = parse_file(DIALECTS / f"{name}.md")
    (command,) = [c for _, s in _steps(runbook) for c in s.commands if c.line == line]
    assert command.target is not None
    assert (command.target.identity, command.target.options) == (identity, options)


def test_json_validates_against_the_published_schema(case: tuple[Runbook, dict[str, Any]]) -> None:
    import json

    import jsonschema

    runbook, _ = case
    schema = json.loads((ROOT / "schema" / "runbook.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(to_data(runbook))


@pytest.mark.parametrize("name", ["kafka-consumer-lag", "nginx-502-bad-gateway"])
def test_show_renders_every_section(name: str, cli) -> None:
    result = cli("show", str(DIALECTS / f"{name}.md"))
    assert result.returncode == 0, result.stderr
    runbook = parse_file(DIALECTS / f"{name}.md")
    for section in runbook.sections:
        assert f"section {section.id}: {section.title}" in result.stdout
