"""Every rule has a failing case (it reports) and a passing case (it stays quiet)."""

from __future__ import annotations

from pathlib import Path

import pytest

from runbookkit.lint import RULES, Rule
from runbookkit.lint.rules import RULES as CHECKS
from tests.lint.helpers import BASE, lint_text, variant

FIX_STEP = (
    "# Step 1: Remove old logs\n"
    "# WARNING: logs older than a week are deleted for good\n"
    "ssh ops@db1.example.com \"find /var/log/app -name '*.gz' -mtime +7 -delete\""
)
VERIFICATION = (
    "**Verification:**\n```bash\n# Step 1: Check free space again\n"
    'ssh ops@db1.example.com "df -h /var"\n```\n'
)
RM = 'ssh ops@db1.example.com "rm -rf /var/log/app/old"'
DIAG_STEP = '# Step 1: Check free space\nssh ops@db1.example.com "df -h /var"\n# Expected: /var'
STATE = (
    '# Step 1: Find the mount\nMOUNT=/var\n{step}ssh ops@db1.example.com "df -h $MOUNT"\n'
    "# Expected: /var"
)

# rule → (bad runbook, good runbook, the line the finding is on)
CASES: dict[str, tuple[str, str, int]] = {
    "RBK001": (variant(("**Severity:** High", "**Severity:** urgent")), BASE, 4),
    "RBK002": (variant(("`(?i)no space left on device`", "`(?i)no space (left`")), BASE, 3),
    "RBK003": (
        variant(("`(?i)no space left on device`", "`(?i)no space (?=left)left on device`")),
        variant(("`(?i)no space left on device`", "`(?i)no space (?:left) on device`")),
        3,
    ),
    "RBK004": (
        variant(("`(?i)no space left on device`", "`No space left on device`")),
        variant(("`(?i)no space left on device`", "`no space left on device`")),
        3,
    ),
    "RBK005": (
        variant(("## Symptoms", "## ðŸ“‹ Symptoms")),
        variant(("## Symptoms", "## 📋 Symptoms")),
        9,
    ),
    "RBK006": (
        variant(("**Next Review:** 2026-12-31", "**Next Review:** 2026-05-31")),
        variant(("**Next Review:** 2026-12-31", "**Next Review:** 2026-06-01")),
        7,
    ),
    "RBK007": (
        variant(("**Last Updated:** 2026-01-10", "**Last Updated:** 2026-06-02")),
        variant(("**Last Updated:** 2026-01-10", "**Last Updated:** 2026-06-01")),
        6,
    ),
    "RBK008": (
        variant(
            (
                FIX_STEP,
                '# Step 1: Remove old logs\nssh ops@db1.example.com "rm -rf /var/log/app/old"',
            )
        ),
        variant((FIX_STEP, f"# Step 1: Remove old logs\n# WARNING: deletes the old logs\n{RM}")),
        28,
    ),
    "RBK009": (
        variant((VERIFICATION, "")),
        variant((VERIFICATION, ""), ('-delete"', '-delete"\n# Expected: deleted')),
        24,
    ),
    "RBK010": (
        variant(("```bash\n# Step 1: Check free space\n", "```\n# Step 1: Check free space\n")),
        BASE,
        19,
    ),
    "RBK011": (
        variant((DIAG_STEP, DIAG_STEP + "\n# Step 2: Look at inodes")),
        variant(
            (DIAG_STEP, DIAG_STEP + "\n# Step 2: Look at inodes\n# Compare with yesterday's graph")
        ),
        22,
    ),
    "RBK012": (
        variant(('"df -h /var"\n# Expected', '"redis-cli -a hunter2 ping"\n# Expected')),
        variant(('"df -h /var"\n# Expected', '"redis-cli -a $REDIS_PASSWORD ping"\n# Expected')),
        20,
    ),
    "RBK013": (
        variant(
            (DIAG_STEP, DIAG_STEP + '\n# Step 2: Check free space\nssh ops@db1.example.com "df -i"')
        ),
        variant(
            (
                DIAG_STEP,
                DIAG_STEP + '\n# Step 2: Check free inodes\nssh ops@db1.example.com "df -i"',
            )
        ),
        22,
    ),
    "RBK014": (
        variant(
            (
                'ssh ops@db1.example.com "df -h /var"\n```\n',
                'ssh ops@db2.example.com "df -h /var"\n```\n',
            )
        ),
        variant(
            (
                'ssh ops@db1.example.com "df -h /var"\n```\n',
                'ssh admin@db1.example.com "df -h /var"\n```\n',
            )
        ),
        24,
    ),
    "RBK015": (variant(("**Severity:** High\n", "")), BASE, 1),
    "RBK016": (
        variant(
            (
                'ssh ops@db1.example.com "df -h /var"\n# Expected',
                '$ ssh ops@db1.example.com "df -h /var"\n# Expected',
            )
        ),
        variant(
            ("```bash\n# Step 1: Check free", "```console\n# Step 1: Check free"),
            (
                'ssh ops@db1.example.com "df -h /var"\n# Expected',
                '$ ssh ops@db1.example.com "df -h /var"\n# Expected',
            ),
        ),
        20,
    ),
    "RBK017": (
        variant(('"df -h /var"\n# Expected', '"df -h <mount-point>"\n# Expected')),
        variant(('"df -h /var"\n# Expected', '"df -h $MOUNT_POINT"\n# Expected')),
        20,
    ),
    "RBK018": (
        variant(('"df -h /var"\n# Expected', '"tail -f /var/log/syslog"\n# Expected')),
        variant(('"df -h /var"\n# Expected', '"tail -n 100 /var/log/syslog"\n# Expected')),
        20,
    ),
    "RBK019": (
        variant(
            (
                'ssh ops@db1.example.com "df -h /var"\n# Expected',
                "ssh ops@db1.example.com\ndf -h /var\n# Expected",
            )
        ),
        BASE,
        20,
    ),
    "RBK020": (
        variant((DIAG_STEP, STATE.format(step="# Step 2: Check free space\n"))),
        variant((DIAG_STEP, STATE.format(step=""))),
        22,
    ),
    "RBK021": (BASE + "\n```bash\necho hi\n", BASE + "\n```bash\necho hi\n```\n", 38),
    "RBK022": (
        variant(("# Expected: /var\n", "# Expected: /var\nreplicas: 3\n")),
        variant(("# Expected: /var\n", "# Expected: /var\n```\n\n```yaml\nreplicas: 3\n")),
        22,
    ),
    "RBK-SC": (
        variant(('"df -h /var"\n# Expected: /var\n', '"df -h /var"\n# Expected: /var\nls $DIR\n')),
        variant(
            ('"df -h /var"\n# Expected: /var\n', '"df -h /var"\n# Expected: /var\nls "$DIR"\n')
        ),
        22,
    ),
}


def test_every_rule_has_cases_and_a_check() -> None:
    assert sorted(CASES) == sorted(rule.code for rule in RULES)
    assert [code for code, _ in CHECKS] == list(Rule)


@pytest.mark.parametrize("rule", list(Rule), ids=lambda r: r.code)
def test_every_rule_is_documented(rule: Rule) -> None:
    assert rule.code.startswith("RBK") and rule.severity is rule.level
    assert rule.summary and "\n" not in rule.summary and len(rule.summary) < 60
    assert len(rule.explanation.split(". ")) >= 2, "an explanation of a few sentences"


def test_base_is_clean(tmp_path: Path) -> None:
    assert lint_text(tmp_path, BASE) == []


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_fails(code: str, tmp_path: Path) -> None:
    bad, _, line = CASES[code]
    every = lint_text(tmp_path, bad, shellcheck=code == "RBK-SC")
    found = [f for f in every if f.rule.code == code]
    assert found, f"{code} found nothing"
    assert found[0].line == line
    assert found[0].level == Rule(code).level
    others = [f.code for f in every if f.rule.code != code]
    assert others == [], f"{code}'s case also trips {others}"


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_passes(code: str, tmp_path: Path) -> None:
    _, good, _ = CASES[code]
    assert [f.code for f in lint_text(tmp_path, good, shellcheck=code == "RBK-SC")] == []


@pytest.mark.parametrize(
    "command",
    [
        "curl https://admin:s3cretpw@api.example.com/health",
        'curl -H "Authorization: Bearer abcdef0123456789" https://api.example.com',
        "aws s3 ls --profile x # AKIAIOSFODNN7EXAMPLE",
        "mysql --password=hunter2 -e 'select 1'",
        "echo '-----BEGIN RSA PRIVATE KEY-----' > key.pem",
    ],
)
def test_secret_shapes(command: str, tmp_path: Path) -> None:
    text = variant(('"df -h /var"\n# Expected', f'"df -h /var"\n{command}\n# Expected'))
    found = [f for f in lint_text(tmp_path, text) if f.code == "RBK012"]
    assert len(found) == 1
    assert "hunter2" not in found[0].message and "s3cretpw" not in found[0].message


def test_lossy_damage_is_not_fixable(tmp_path: Path) -> None:
    found = lint_text(tmp_path, variant(("## Diagnosis", "## ðŸ” Diagnosis")))
    assert [(f.code, f.fixable) for f in found] == [("RBK005", False)]
    assert "bytes were lost" in found[0].message


def test_invalid_pattern_keeps_other_rules(tmp_path: Path) -> None:
    text = variant(
        ("`(?i)no space left on device`", "`(unclosed`"),
        ("**Next Review:** 2026-12-31", "**Next Review:** 2026-01-01"),
    )
    found = lint_text(tmp_path, text)
    assert [(f.code, f.line) for f in found] == [("RBK002", 3), ("RBK006", 7)]
    assert "missing ), unterminated subpattern" in found[0].message


@pytest.mark.parametrize(
    ("code", "points_at"),
    [("RBK012", "hunter2"), ("RBK004", "No space"), ("RBK006", "2026-05-31"), ("RBK005", "ðŸ“‹")],
)
def test_columns_point_at_the_problem(code: str, points_at: str, tmp_path: Path) -> None:
    bad, _, line = CASES[code]
    (found,) = [f for f in lint_text(tmp_path, bad) if f.code == code]
    source = bad.splitlines()[line - 1]
    assert source[found.column - 1 :].startswith(points_at)


@pytest.mark.parametrize(
    ("heading", "warned"),
    [
        ("## Fix", False),
        ("## Fix (use with caution)", True),
        ("## Fix\n\n### Danger: wipes the old logs", True),
        ("## Fix\n\n**Warning - deletes data:**", True),
    ],
)
def test_a_heading_warning_covers_the_destructive_steps_under_it(
    heading: str, warned: bool, tmp_path: Path
) -> None:
    unwarned = variant((FIX_STEP, f"# Step 1: Remove old logs\n{RM}"), ("## Fix", heading))
    codes = [f.code for f in lint_text(tmp_path, unwarned)]
    assert ("RBK008" in codes) is not warned


def test_a_comment_before_the_first_step_marker_is_a_warning(tmp_path: Path) -> None:
    unwarned = variant((FIX_STEP, f"# Step 1: Remove old logs\n{RM}"))
    assert "RBK008" in [f.code for f in lint_text(tmp_path, unwarned)]
    warned = variant((FIX_STEP, f"# Caution: the old logs are gone for good\n\n# Step 1: Go\n{RM}"))
    assert "RBK008" not in [f.code for f in lint_text(tmp_path, warned)]


def test_duplicate_titles_the_parser_gave_are_not_reported(tmp_path: Path) -> None:
    # Two blocks without step markers: both steps take the section's title.
    text = variant(
        (DIAG_STEP, 'ssh ops@db1.example.com "df -h /var"\n# Expected: /var'),
        ("# Expected: /var\n```\n", "# Expected: /var\n```\n\n```bash\nuptime\n```\n"),
    )
    found = lint_text(tmp_path, text)
    assert [f.code for f in found] == []


def test_unclosed_fence_is_an_error_and_other_files_are_still_linted(tmp_path: Path, cli) -> None:
    bad = tmp_path / "open.md"
    bad.write_text(BASE + "\n```bash\necho hi\n", encoding="utf-8")
    good = tmp_path / "good.md"
    good.write_text(variant(("**Next Review:** 2026-12-31", "**Next Review:** 2026-01-01")))
    result = cli("lint", "--today", "2026-06-01", str(bad), str(good))
    assert result.returncode == 1, result.stderr
    assert f"{bad}:38:1: RBK021 code fence ```bash is never closed" in result.stdout
    assert f"{good}:7:18: RBK006" in result.stdout
