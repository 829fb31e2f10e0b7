"""The seed's findings are exactly the hand-reviewed golden list; the repaired runbook has none."""

from __future__ import annotations

import os

from tests.conftest import GOLDEN, REDIS, ROOT, SEED

GOLDEN_LINT = GOLDEN / "seed.lint.txt"


def test_seed_matches_golden(cli) -> None:
    result = cli("lint", "--today", "2026-11-26", os.path.relpath(SEED, ROOT))
    if os.environ.get("RUNBOOKKIT_UPDATE_GOLDEN"):
        GOLDEN_LINT.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == GOLDEN_LINT.read_text(encoding="utf-8")
    assert result.returncode == 1
    assert result.stderr == ""


def test_seed_names_its_pattern_and_example(cli) -> None:
    lines = cli("lint", "--today", "2026-11-26", str(SEED)).stdout.splitlines()
    assert (
        "tests/data/seed.md:3:15: RBK004 Pattern doesn't match the example error at line 22: "
        "'Error: connect ECONNREFUSED 127.0.0.1:6379'" in lines
    )
    damaged = [line.split(":")[1] for line in lines if " RBK005 " in line]
    assert damaged == ["10", "29", "59", "82", "114", "126", "174", "192"]


def test_repaired_runbook_is_clean_inside_its_review_period(cli) -> None:
    result = cli("lint", "--today", "2025-12-01", str(REDIS))
    assert result.returncode == 0, result.stdout
    assert result.stdout == "All checks passed (1 file).\n"


def test_repaired_runbook_overdue_review_is_only_a_warning(cli) -> None:
    result = cli("lint", "--today", "2026-11-26", "runbooks/")
    assert result.returncode == 0
    assert " RBK006 Next Review 2025-12-24 has passed" in result.stdout
    assert "(0 errors, 1 warning)" in result.stdout
    strict = cli("lint", "--today", "2026-11-26", "--strict", "runbooks/")
    assert strict.returncode == 1
