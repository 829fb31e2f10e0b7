"""Section ids from titles in many dialects, subsections, rollback and H1-only documents."""

from __future__ import annotations

import time

import pytest

from runbookkit.parsing import parse_text, sections
from runbookkit.parsing.sections import Ids, canonical_id, exact_id, slug, words

CANONICAL = {
    "Symptoms": "symptoms",
    "📋 Symptoms": "symptoms",
    "ðŸ“‹ Symptoms": "symptoms",
    "Meaning": "symptoms",
    "Impact": "symptoms",
    "Overview": "symptoms",
    "Summary": "symptoms",
    "🔍 Diagnosis": "diagnosis",
    "ðŸ” Diagnosis": "diagnosis",
    "Investigation": "diagnosis",
    "Troubleshooting": "diagnosis",
    "🚨 Triage": "diagnosis",
    "ðŸ›\xa0ï¸ Fix": "fix",
    "Mitigation": "fix",
    "Remediation": "fix",
    "Resolution steps": "fix",
    "Resolve": "fix",
    "🚫 Prevention": "prevention",
    "📊 History": "history",
    "🔗 Related Resources": "related-resources",
    "References": "related-resources",
    "Links": "related-resources",
    "See also": "related-resources",
    "Diagnosis and fix": "diagnosis",
    "Fix / Diagnosis": "fix",
    "Escalation": "escalation",
    "Prefix": None,
    "Fixtures": None,
    "": None,
}


@pytest.mark.parametrize("title", sorted(CANONICAL))
def test_canonical_id(title: str) -> None:
    assert canonical_id(title) == CANONICAL[title]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("📋 Overview", "symptoms"),
        ("See Also", "related-resources"),
        ("Kafka Troubleshooting", None),
    ],
)
def test_exact_id(title: str, expected: str | None) -> None:
    assert exact_id(title) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Rollback Plan (if fix fails)", "rollback-plan-if-fix-fails"),
        ("🛠️ Immediate Actions", "immediate-actions"),
        ("Step-by-step restore", "step-by-step-restore"),
        ("Проверка сервиса", "проверка-сервиса"),
        ("CAUTION: data loss!", "caution-data-loss"),
        ("⚠️ ⚠️", ""),
    ],
)
def test_slug(title: str, expected: str) -> None:
    assert slug(title) == expected
    assert words(title) == expected.replace("-", " ")


def test_unique() -> None:
    ids = Ids()
    assert [ids.unique("fix") for _ in range(3)] == ["fix", "fix-2", "fix-3"]
    assert [ids.unique(c) for c in ("fix-4", "fix", "fix-2", "fix")] == [
        "fix-4",
        "fix-5",
        "fix-2-2",
        "fix-6",
    ]


def test_unique_is_constant_time() -> None:
    ids = Ids()
    start = time.perf_counter()
    given = [ids.unique("fix") for _ in range(50_000)]
    assert time.perf_counter() - start < 1.0
    assert len(set(given)) == 50_000 and given[-1] == "fix-50000"


def _ids(text: str) -> list[str]:
    return [s.id for s in parse_text(text, path="s.md").sections]


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("# T\n\n## Meaning\n\n## Impact\n\n## Mitigation\n", ["symptoms", "impact", "fix"]),
        ("# T\n\n## Fix\n\n## Fix\n", ["fix", "fix-2"]),
        ("# T\n\n## ⚠️\n\n## ⚠️\n", ["section", "section-2"]),
        ("# Title\n\n# Overview\n\n# Resolution\n", ["symptoms", "fix"]),
        ("# Overview\n\n# Triage\n\n# Remediation\n", ["symptoms", "diagnosis", "fix"]),
        ("# Kafka Lag Troubleshooting\n\n# Overview\n\n# Resolution\n", ["symptoms", "fix"]),
        ("---\ntitle: X\n---\n# Fix things\n\n# Notes\n", ["fix", "notes"]),
        ("## Fix\n\n### Verify\n", ["fix"]),
        ("# T\n\n### Deep before any section\n\n## Fix\n", ["overview", "fix"]),
        ("# T\n\nno sections at all\n", ["overview"]),
        ("# T\n\n## Fix\n\n# References\n", ["fix", "related-resources"]),
    ],
)
def test_section_ids_in_documents(text: str, ids: list[str]) -> None:
    assert _ids(text) == ids


def test_subsections_from_headings_and_labels() -> None:
    runbook = parse_text(
        "# T\n\n## Fix\n\n**Immediate Actions:**\n\ntext\n\n### Verify it\n\n"
        "**Rollback Plan (if fix fails):**\nundo\n\n#### Roll back the config\n\n"
        "**Not a label**\n\n**Label:** with text is not a subsection\n",
        path="s.md",
    )
    fix = runbook.sections[0]
    subs = [(s.id, s.kind, s.level, s.rollback) for s in fix.subsections]
    assert subs == [
        ("fix/immediate-actions", "label", 0, False),
        ("fix/verify-it", "heading", 3, False),
        ("fix/rollback-plan-if-fix-fails", "label", 0, True),
        ("fix/verify-it/roll-back-the-config", "heading", 4, True),
    ]
    assert fix.subsections[2].text == ["undo"]


def test_labels_in_quotes_are_not_subsections() -> None:
    runbook = parse_text("# T\n\n## Fix\n\n> **Note:**\n> be careful\n", path="s.md")
    assert runbook.sections[0].subsections == []


VOCABULARY = [
    (name.rstrip("$"), canonical)
    for canonical, names in sections.CANONICAL.items()
    for name in names
]


@pytest.mark.parametrize(("name", "canonical"), VOCABULARY)
def test_every_section_name_of_the_table(name: str, canonical: str) -> None:
    title = name.title()
    runbook = parse_text(f"# T\n\n## {title} {{#{name}}}\n\n```bash\necho x\n```\n")
    (section,) = runbook.sections
    assert (section.id, section.title, section.line) == (canonical, title, 3)
    assert [(s.line, s.commands[0].line) for s in section.steps] == [(6, 6)]


@pytest.mark.parametrize(
    ("title", "canonical"),
    [("Steps to verify", "verification"), ("Diagnosis steps", "diagnosis"), ("Next steps", None)],
)
def test_whole_title_names_count_only_as_the_whole_title(title: str, canonical: str | None) -> None:
    assert sections.canonical_id(title) == canonical


@pytest.mark.parametrize(
    ("title", "stripped"),
    [("Steps {#steps}", "Steps"), ("Roll back {: #rb .x}", "Roll back"), ("a {b}", "a {b}")],
)
def test_heading_attributes_are_not_part_of_the_title(title: str, stripped: str) -> None:
    assert sections.strip_attributes(title) == stripped
