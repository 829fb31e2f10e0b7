"""Mojibake: found without ftfy, repaired with it line by line, recorded with what was lost."""

from __future__ import annotations

import pytest

from runbookkit.parsing.damage import has_damage, repair, repair_line, restore, strip_damage


def _mangle(text: str) -> str:
    """UTF-8 read as Windows-1252 with the undefined bytes dropped, as the seed was."""
    return text.encode("utf-8").decode("cp1252", errors="ignore")


@pytest.mark.parametrize(
    ("clean", "lossy"),
    [
        ("## 📋 Symptoms", False),
        ('# Send: "тест" to +79936363848', True),
        ("café crème brûlée", False),
        ("## 🔍 Diagnosis", True),  # 0x8D is lost
        ("## 🛠️ Fix", True),  # 0x8F is lost
        ("→ “quoted” — dash", True),  # 0x9D of ” is lost
        ("→ ‘single’ – dash ﬂ", False),
    ],
)
def test_repair_round_trip(clean: str, lossy: bool) -> None:
    damaged = _mangle(clean)
    assert damaged != clean and has_damage(damaged)
    repaired, partial = restore(damaged)
    assert repair_line(damaged) == repaired
    assert partial is lossy
    assert (repaired == clean) is not lossy


@pytest.mark.parametrize(
    "text",
    [
        "plain ASCII",
        "## 📋 Symptoms",
        "Ünïcödé façade — “quotes”",
        "тест",
        "Â",  # a lead byte on its own is not a signature
        "",
    ],
)
def test_clean_text_has_no_damage(text: str) -> None:
    assert not has_damage(text)


def test_repair_keeps_line_count_and_reports_each_line() -> None:
    lines = ["# Title", _mangle("## 📋 Symptoms"), "ok", _mangle("## 🔍 Diagnosis")]
    fixed, found = repair(lines)
    assert len(fixed) == len(lines)
    assert fixed[1] == "## 📋 Symptoms"
    assert [(d.line, d.lossy) for d in found] == [(2, False), (4, True)]
    assert found[0].text == lines[1] and found[0].repaired == fixed[1]


def test_repair_does_not_straighten_quotes_or_unescape_html() -> None:
    line = _mangle("‘curly’ &amp; ﬂ ligature 📋")
    assert restore(line) == ("‘curly’ &amp; ﬂ ligature 📋", False)


@pytest.mark.parametrize(
    ("title", "stripped"),
    [
        ("ðŸ” Diagnosis", "Diagnosis"),
        ("ðŸ›\xa0ï¸ Fix", "Fix"),
        ("Plain", "Plain"),
    ],
)
def test_strip_damage(title: str, stripped: str) -> None:
    assert strip_damage(title).strip() == stripped
