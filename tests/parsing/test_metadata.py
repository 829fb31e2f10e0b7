"""Metadata from front matter, ``**Key:** value`` lines and the footer, normalised or refused."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runbookkit.errors import ParseError
from runbookkit.model import Metadata
from runbookkit.parsing import parse_text
from runbookkit.parsing.metadata import Entry, _load_yaml, build, normalise_key
from tests.conftest import EXAMPLE_BUDGET


def _meta(text: str) -> Metadata:
    return parse_text(text, path="m.md").metadata


@pytest.mark.parametrize(
    ("key", "normal"),
    [
        ("MTTR Target", "mttr_target"),
        ("Last-Updated", "last_updated"),
        ("  Reviewed  By ", "reviewed_by"),
        ("Ключ", ""),
    ],
)
def test_normalise_key(key: str, normal: str) -> None:
    assert normalise_key(key) == normal


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("3-5 minutes", 3, 5),
        ("15m", 15, 15),
        ("15 min", 15, 15),
        ("1-2 hours", 60, 120),
        ("2h", 120, 120),
        ("90 seconds", 1.5, 1.5),
        ("10 to 20 minutes", 10, 20),
        ("5–3 minutes", 3, 5),
        ("30", 30, 30),
    ],
)
def test_mttr(text: str, low: float, high: float) -> None:
    mttr = build([Entry("MTTR Target", text, 4)], "T", "m.md").mttr
    assert mttr is not None and (mttr.min_minutes, mttr.max_minutes) == (low, high)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("Severity", "urgent", "unknown severity 'urgent', expected one of Critical, High"),
        ("MTTR Target", "soon", "is not a duration"),
        ("Last Updated", "2025-02-30", "is not a date, expected YYYY-MM-DD"),
        ("Next Review", "next week", "is not a date"),
        ("Pattern", "(unclosed", "invalid regex in Pattern"),
    ],
)
def test_invalid_values_raise_with_their_line(key: str, value: str, message: str) -> None:
    with pytest.raises(ParseError, match=message) as info:
        build([Entry(key, value, 7)], "T", "m.md")
    assert (info.value.path, info.value.line) == ("m.md", 7)


@pytest.mark.parametrize("severity", ["Critical", "HIGH", "medium", "Low", "info"])
def test_severity_is_case_insensitive(severity: str) -> None:
    meta = build([Entry("Severity", severity, 1)], "T", "m.md")
    assert meta.severity is not None and meta.severity.value == severity.lower()


def test_header_lines() -> None:
    meta = _meta(
        "# Disk full\n\n**Pattern:** `No space left on device`\n**Severity:** High\n"
        "**MTTR Target:** 3-5 minutes\n**Last Updated:** 2025-11-24\n**Region:** eu\n\n## Fix\n"
    )
    assert meta.title == "Disk full"
    assert meta.pattern == "No space left on device"
    assert meta.last_updated == dt.date(2025, 11, 24)
    assert meta.extra == {"region": "eu"}
    assert meta.lines == {"pattern": 3, "severity": 4, "mttr": 5, "last_updated": 6, "region": 7}


def test_pattern_takes_the_backticked_regex() -> None:
    meta = _meta("# T\n\n**Pattern:** `a|b` (either)\n")
    assert meta.pattern == "a|b"


def test_front_matter() -> None:
    meta = _meta(
        "---\ntitle: From YAML\nseverity: critical\ntags: [a, b]\nsecrets:\n  - TOKEN\n"
        "hosts: web\nlast_updated: 2025-10-01\nrunbook_url: https://x\n---\n\n# Heading title\n"
    )
    assert meta.title == "From YAML"
    assert (meta.tags, meta.secrets, meta.hosts) == (["a", "b"], ["TOKEN"], "web")
    assert meta.last_updated == dt.date(2025, 10, 1)
    assert meta.extra == {"runbook_url": "https://x"}
    assert meta.lines["severity"] == 3 and meta.lines["secrets"] == 5


def test_tags_as_a_comma_list() -> None:
    meta = build([Entry("Tags", "redis, `cache` , ", 2)], "T", "m.md")
    assert meta.tags == ["redis", "cache"]


def test_footer_block() -> None:
    meta = _meta(
        "# T\n\n## Fix\n\ntext\n\n---\n\n**Runbook Version:** 1.0\n**Author:** Ops\n"
        "**Reviewed By:** [Pending]\n**Next Review:** 2025-12-24\n"
    )
    assert (meta.version, meta.author, meta.reviewed_by) == ("1.0", "Ops", "[Pending]")
    assert meta.next_review == dt.date(2025, 12, 24)
    assert meta.lines["next_review"] == 12


def test_key_value_lines_inside_sections_are_not_metadata() -> None:
    meta = _meta("# T\n\n## Fix\n\n**Owner:** not metadata here\n\nRestart it.\n")
    assert meta.owner is None


def test_a_last_key_value_paragraph_with_unknown_keys_stays_text() -> None:
    runbook = parse_text(
        "# T\n\n## Fix\n\nRestart it.\n\n**Escalation:** page the DBA\n", path="m.md"
    )
    assert runbook.metadata.extra == {}
    assert runbook.sections[0].text[-1] == "**Escalation:** page the DBA"


def test_footer_keeps_unknown_keys_beside_known_ones() -> None:
    meta = _meta("# T\n\n## Fix\n\nx\n\n**Region:** eu\n**Author:** Ops\n")
    assert (meta.author, meta.extra) == ("Ops", {"region": "eu"})


@pytest.mark.parametrize(
    ("keys", "owner"),
    [
        ("owner: Jane\nteam: db\nowner_slack: '#db'", "Jane"),
        ("owner_slack: '#db'\nteam: db", "db"),
        ("owner_slack: '#db'", "#db"),
        ("team: db\nowner: Jane", "Jane"),
    ],
)
def test_owner_from_owner_team_or_owner_slack(keys: str, owner: str) -> None:
    assert _meta(f"---\ntitle: T\n{keys}\n---\n## Fix\n").owner == owner


def test_summary_and_date_keys() -> None:
    meta = _meta("---\ntitle: T\ndate: 2025-02-03\ndescription: Restart it.\n---\n## Fix\n")
    assert (meta.last_updated, meta.summary) == (dt.date(2025, 2, 3), "Restart it.")
    assert _meta("---\ntitle: T\nsummary: S\ndescription: D\n---\n").summary == "D"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("---\ntitle: [unclosed\n---\n# T\n", 2, "not valid YAML"),
        ("---\n- a\n---\n# T\n", 1, "not a mapping"),
        ("---\nnext_review: 2025-13-45\n---\n# T\n", 2, "invalid value"),
        ("---\nseverity: urgent\n---\n# T\n", 2, "unknown severity"),
        ("# T\n\n**Severity:** High\n**Last Updated:** soon\n", 4, "is not a date"),
    ],
)
def test_invalid_metadata_in_documents(text: str, line: int, message: str) -> None:
    with pytest.raises(ParseError, match=message) as info:
        _meta(text)
    assert info.value.line == line


def test_title_falls_back_to_the_id() -> None:
    runbook = parse_text("## Fix\n\n```bash\nls\n```\n", path="x.md", runbook_id="disk-full")
    assert runbook.metadata.title == "Disk full"


@settings(max_examples=300, deadline=EXAMPLE_BUDGET)
@given(
    st.lists(
        st.sampled_from(
            [
                "title: x",
                "tags: [a, b]",
                "d: 2025-01-01",
                "d: 2025-13-45",
                "k: [open",
                "- item",
                "? q",
                "a: &x 1",
                "b: *x",
                "s: 'quoted",
                "n: \u0085",
                "e: \x07",
                "u: тест",
                ": v",
                "  nested: 1",
                "m: {a: 1}",
                "t: yes",
                "x: 0x1F",
                "f: 1e400",
            ]
        ),
        max_size=6,
    ).map("\n".join)
)
def test_fast_yaml_loader_agrees_with_the_python_one(text: str) -> None:
    import yaml

    try:
        expected: object = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as exc:
        expected = type(exc)
    try:
        got: object = _load_yaml(text)
    except (yaml.YAMLError, ValueError) as exc:
        got = type(exc)
    assert got == expected
