"""The library API the docs site and other tools use: lint_runbook and RULES."""

from __future__ import annotations

import datetime as dt

import runbookkit
from runbookkit.lint import RULES, Level, Rule, lint_runbook, load_profile
from runbookkit.parsing import parse_file
from tests.conftest import REDIS, SEED


def test_lint_a_parsed_runbook() -> None:
    seed = parse_file(SEED)
    findings = lint_runbook(seed, today=dt.date(2026, 11, 26))
    codes = ["RBK004"] + ["RBK005"] * 3 + ["RBK018", "RBK005", "RBK018"] + ["RBK005"] * 4
    assert [f.code for f in findings] == [*codes, "RBK006"]
    assert findings[0].level is Level.error and findings[0].line == 3
    assert runbookkit.lint_runbook is lint_runbook


def test_profile_select_and_ignore() -> None:
    redis = parse_file(REDIS)
    profile = load_profile()
    assert lint_runbook(redis, profile=profile, today=dt.date(2025, 12, 1)) == []
    late = dt.date(2026, 11, 26)
    assert [f.code for f in lint_runbook(redis, profile=profile, today=late)] == ["RBK006"]
    assert lint_runbook(redis, today=late, ignore=[Rule.REVIEW_OVERDUE]) == []
    assert lint_runbook(redis, today=late, select=[Rule.PATTERN_MISSES_EXAMPLE]) == []


def test_rules_listing() -> None:
    assert [r.code for r in RULES] == [f"RBK{n:03d}" for n in range(1, 23)] + ["RBK-SC"]
    rule = RULES[3]
    assert (rule.code, rule.severity, rule.slug) == (
        "RBK004",
        Level.error,
        "pattern-misses-example",
    )
    assert rule.summary and rule.explanation
