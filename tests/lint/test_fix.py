"""--fix repairs exactly-restorable mojibake in place and leaves every other byte alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SEED
from tests.lint.helpers import BASE

REPAIRED_LINES = {10, 114, 126, 174, 192}


@pytest.mark.parametrize(("ending", "bom"), [(b"\n", b""), (b"\r\n", b"\xef\xbb\xbf")])
def test_fix_changes_only_the_repaired_lines(
    ending: bytes, bom: bytes, tmp_path: Path, cli
) -> None:
    original = bom + SEED.read_bytes().replace(b"\n", ending)
    path = tmp_path / "seed.md"
    path.write_bytes(original)
    result = cli("lint", "--fix", "--today", "2026-11-26", str(path))
    assert result.returncode == 1  # what can't be fixed is still reported
    fixed = path.read_bytes()
    assert fixed.startswith(bom)
    before, after = original.split(ending), fixed.split(ending)
    assert len(before) == len(after)
    changed = {n for n, (a, b) in enumerate(zip(before, after, strict=True), 1) if a != b}
    assert changed == REPAIRED_LINES
    assert after[9].endswith("## 📋 Symptoms".encode())
    assert after[125].endswith("if ≥1 key changed)".encode())
    remaining = [line.split()[1] + line.split(":")[1] for line in result.stdout.splitlines()[:-1]]
    assert remaining == [
        "RBK0043",
        "RBK00529",
        "RBK00559",
        "RBK01879",
        "RBK00582",
        "RBK01886",
        "RBK006215",
    ]
    assert "Fixed 5 lines." in result.stdout
    again = cli("lint", "--fix", "--today", "2026-11-26", str(path))
    assert path.read_bytes() == fixed
    assert "Fixed" not in again.stdout


def test_diff_prints_and_writes_nothing(tmp_path: Path, cli) -> None:
    path = tmp_path / "seed.md"
    path.write_bytes(SEED.read_bytes())
    result = cli("lint", "--diff", str(path))
    assert result.returncode == 1
    assert path.read_bytes() == SEED.read_bytes()
    removed = [
        line
        for line in result.stdout.splitlines()
        if line.startswith("-") and not line.startswith("---")
    ]
    added = [
        line
        for line in result.stdout.splitlines()
        if line.startswith("+") and not line.startswith("+++")
    ]
    assert len(removed) == len(added) == 5
    assert "+## 📋 Symptoms" in added
    assert "1 file(s) would be fixed." in result.stderr
    clean = tmp_path / "clean.md"
    clean.write_text(BASE, encoding="utf-8")
    nothing = cli("lint", "--diff", str(clean))
    assert (nothing.returncode, nothing.stdout) == (0, "")


def test_fix_marks_a_prompted_shell_block_console(tmp_path: Path, cli) -> None:
    text = BASE.replace(
        '```bash\n# Step 1: Check free space\nssh ops@db1.example.com "df -h /var"',
        '```bash\n# Step 1: Check free space\n$ ssh ops@db1.example.com "df -h /var"',
    )
    path = tmp_path / "prompts.md"
    path.write_text(text, encoding="utf-8")
    before = cli("lint", "--today", "2026-06-01", str(path))
    assert " RBK016 " in before.stdout and "1 fixable with --fix" in before.stdout
    fixed = cli("lint", "--fix", "--today", "2026-06-01", str(path))
    assert fixed.returncode == 0, fixed.stdout
    after = path.read_text(encoding="utf-8")
    assert after == text.replace(
        "```bash\n# Step 1: Check free space", "```console\n# Step 1: Check free space", 1
    )
    assert " RBK016 " not in fixed.stdout
