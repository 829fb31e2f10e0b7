"""Runbook layouts found in the wild, one runbook of each in tests/data/layouts/.

Each case lists what a reader of the runbook sees: its sections and subsections with their
lines, its steps with the lines of their commands, and the fences that had to be repaired.
"""

# ruff: noqa: E501  (one layout a line or two in the table)

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from runbookkit.model import Runbook
from runbookkit.parsing import parse_file, parse_text
from tests.conftest import DATA

LAYOUTS = DATA / "layouts"


@dataclass(frozen=True)
class Layout:
    """What one layout runbook must parse into.

    ``sections``: (id, level, line); ``subsections``: (id, level, line); ``steps``: (block id,
    title, line, command lines); ``repairs``: (opening line, last line, fix).
    """

    title: str
    sections: tuple[tuple[str, int, int], ...]
    steps: tuple[tuple[str, str, int, tuple[int, ...]], ...]
    subsections: tuple[tuple[str, int, int], ...] = ()
    repairs: tuple[tuple[int, int, str], ...] = ()
    meta: tuple[tuple[str, Any], ...] = ()


# fmt: off
LAYOUT_CASES: dict[str, Layout] = {
    "mixed-h1-h2": Layout(
        title="Payments API returns 503",
        sections=(("symptoms", 2, 5), ("diagnosis", 2, 9), ("fix", 2, 16), ("escalation", 1, 22), ("related-resources", 1, 26)),
        steps=(("diagnosis", "Diagnosis", 12, (12, 13)), ("fix", "Mitigation", 19, (19,))),
    ),
    "h3-before-h2": Layout(
        title="Disk almost full on build agents",
        sections=(("overview", 2, 3), ("diagnosis", 2, 15), ("fix", 2, 21)),
        subsections=(("overview/quick-check", 3, 5), ("overview/who-to-tell", 3, 11)),
        steps=(("overview/quick-check", "Quick check", 8, (8,)), ("diagnosis", "Diagnosis", 18, (18,)), ("fix", "Fix", 24, (24,))),
    ),
    "single-h1-code": Layout(
        title="Rotate the nginx access log by hand",
        sections=(("overview", 2, 3),),
        steps=(
            ("overview", "Use this when logrotate is broken and the disk fills up.", 6, (6, 7)),
            ("overview", "Check that nginx writes to a new file", 13, (13,)),
        ),
    ),
    "h4-nesting": Layout(
        title="Object storage bucket unreachable",
        sections=(("diagnosis", 2, 3), ("fix", 2, 9)),
        subsections=(
            ("fix/aws", 3, 11), ("fix/aws/restart-the-gateway", 4, 13), ("fix/aws/check-the-endpoint", 4, 19),
            ("fix/gcp", 3, 25), ("fix/gcp/restart-the-gateway", 4, 27),
        ),
        steps=(
            ("diagnosis", "Diagnosis", 6, (6,)),
            ("fix/aws/restart-the-gateway", "Restart the gateway", 16, (16,)),
            ("fix/aws/check-the-endpoint", "Check the endpoint", 22, (22,)),
            ("fix/gcp/restart-the-gateway", "Restart the gateway", 30, (30,)),
        ),
    ),
    "blockquoted-fence": Layout(
        title="Queue consumers stopped",
        sections=(("diagnosis", 2, 3), ("fix", 2, 11)),
        steps=(
            ("diagnosis", "Note: run this on the broker host.", 8, (8,)),
            ("fix", "Restart the consumers", 16, (16,)),
            ("fix", "Restart the consumers", 20, (20,)),
        ),
    ),
    "unclosed-at-end": Layout(
        title="Clear the CDN cache",
        sections=(("fix", 2, 3),),
        steps=(("fix", "Fix", 6, (6,)),),
        repairs=((5, 6, "closed at the end of the file (line 6)"),),
    ),
    "unclosed-short": Layout(
        title="Restart the cron daemon",
        sections=(("fix", 2, 3), ("verification", 2, 9)),
        steps=(("fix", "Fix", 6, (6,)), ("verification", "Verification", 12, (12,))),
        repairs=((5, 7, "closed by the `` at line 7, read as ```"),),
    ),
    "unclosed-list": Layout(
        title="Refresh the package mirror",
        sections=(("fix", 2, 3), ("verification", 2, 11)),
        steps=(("fix", "Sync the mirror", 8, (8,)), ("verification", "Verification", 14, (14,))),
        repairs=((7, 8, "closed where its list item or blockquote ends (line 8)"),),
    ),
    "unclosed-swallows": Layout(
        title="Search index out of date",
        sections=(("diagnosis", 2, 3), ("fix", 2, 8), ("verification", 2, 14)),
        steps=(("diagnosis", "Diagnosis", 6, (6,)), ("fix", "Fix", 11, (11,)), ("verification", "Verification", 17, (17,))),
        repairs=((5, 7, "closed at the blank line 7 before '## Fix'"),),
    ),
    "heading-ids": Layout(
        title="Certificate renewal failed",
        sections=(("symptoms", 2, 3), ("fix", 2, 7), ("rollback", 2, 15)),
        subsections=(("fix/renew-by-hand", 3, 9),),
        steps=(("fix/renew-by-hand", "Renew by hand", 12, (12,)), ("rollback", "Roll back", 18, (18,))),
    ),
    "details": Layout(
        title="Memcached evictions high",
        sections=(("diagnosis", 2, 3), ("fix", 2, 14)),
        steps=(
            ("diagnosis", "Show the eviction counters", 9, (9,)),
            ("fix", "Give memcached more memory", 19, (19, 20)),
        ),
    ),
    "control-characters": Layout(
        title="Log shipper stuck",
        sections=(("symptoms", 2, 3), ("fix", 2, 7)),
        steps=(("fix", "Fix", 10, (10, 11)),),
    ),
    "front-matter-review-in": Layout(
        title="Replica lag on the reporting database",
        sections=(("diagnosis", 2, 13),),
        steps=(("diagnosis", "Diagnosis", 16, (16,)),),
        meta=(
            ("next_review", dt.date(2026, 2, 28)), ("owner", "#db-oncall"),
            ("summary", "The reporting replica is more than 5 minutes behind."),
            ("tags", ["postgres", "replica"]), ("last_updated", None),
        ),
    ),
    "front-matter-team": Layout(
        title="Mail queue growing",
        sections=(("fix", 2, 11),),
        steps=(("fix", "Fix", 14, (14,)),),
        meta=(
            ("next_review", dt.date(2026, 3, 1)), ("owner", "messaging"), ("last_updated", dt.date(2025, 3, 1)),
            ("summary", "Outgoing mail piles up in the postfix queue."), ("tags", ["mail", "postfix"]),
        ),
    ),
    "front-matter-owner": Layout(
        title="Stale DNS cache",
        sections=(("fix", 2, 10),),
        steps=(("fix", "Fix", 13, (13,)),),
        meta=(("next_review", dt.date(2026, 5, 1)), ("owner", "Jane Doe"), ("summary", None)),
    ),
}
# fmt: on


@pytest.fixture(scope="module", params=sorted(LAYOUT_CASES))
def layout(request: pytest.FixtureRequest) -> tuple[Runbook, Layout, list[str]]:
    path = LAYOUTS / f"{request.param}.md"
    lines = path.read_bytes().decode().split("\n")
    return parse_file(path), LAYOUT_CASES[request.param], lines


def test_every_layout_file_has_a_case() -> None:
    assert sorted(p.stem for p in LAYOUTS.glob("*.md")) == sorted(LAYOUT_CASES)


def test_title_and_sections(layout: tuple[Runbook, Layout, list[str]]) -> None:
    runbook, case, _ = layout
    assert runbook.title == case.title
    assert [(s.id, s.level, s.line) for s in runbook.sections] == list(case.sections)
    subs = [(b.id, b.level, b.line) for s in runbook.sections for b in s.subsections]
    assert subs == list(case.subsections)


def test_steps_and_their_lines(layout: tuple[Runbook, Layout, list[str]]) -> None:
    runbook, case, lines = layout
    found = [
        (block.id, step.title, step.line, tuple(c.line for c in step.commands))
        for section in runbook.sections
        for block in section.blocks()
        for step in block.steps
    ]
    assert found == list(case.steps)
    for section in runbook.sections:
        for block in section.blocks():
            for step in block.steps:
                for command in step.commands:  # each command's line holds its first line
                    first = command.raw.splitlines()[0]
                    assert first in lines[command.line - 1], (command.line, first)


def test_repairs(layout: tuple[Runbook, Layout, list[str]]) -> None:
    runbook, case, _ = layout
    assert [(r.line, r.end, r.fix) for r in runbook.repairs] == list(case.repairs)
    for repair in runbook.repairs:
        assert repair.text == "```bash"


def test_front_matter_aliases(layout: tuple[Runbook, Layout, list[str]]) -> None:
    runbook, case, _ = layout
    for name, value in case.meta:
        assert getattr(runbook.metadata, name) == value, name


def test_hugo_keys_are_kept_as_extra() -> None:
    runbook = parse_file(LAYOUTS / "front-matter-review-in.md")
    assert runbook.metadata.extra == {
        "weight": 20,
        "layout": "runbook",
        "aliases": ["/runbooks/old-replica-lag/"],
    }
    assert runbook.metadata.lines["next_review"] == 4  # the review_in line


@pytest.mark.parametrize(
    ("review_in", "due"),
    [
        ("6 months", dt.date(2026, 2, 28)),
        ("1 year", dt.date(2026, 8, 31)),
        ("2 weeks", dt.date(2025, 9, 14)),
        ("90 days", dt.date(2025, 11, 29)),
        ("3mo", dt.date(2025, 11, 30)),
    ],
)
def test_review_in_periods(review_in: str, due: dt.date) -> None:
    text = f"---\ntitle: T\nlast_reviewed_on: 2025-08-31\nreview_in: {review_in}\n---\n## Fix\n"
    assert parse_text(text).metadata.next_review == due


def test_a_review_period_that_is_not_one_names_its_line() -> None:
    text = "---\ntitle: T\nlast_reviewed_on: 2025-08-31\nreview_in: soon\n---\n## Fix\n"
    with pytest.raises(Exception, match="is not a period") as caught:
        parse_text(text, path="r.md")
    assert str(caught.value).startswith("r.md:4: review_in 'soon'")
