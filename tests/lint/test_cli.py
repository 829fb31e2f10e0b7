"""The lint command: exit codes, bad files, rule selection, ignore comments, the rule command."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REDIS, SEED
from tests.lint.helpers import BASE, variant

BAD_FILES: dict[str, tuple[bytes | None, str]] = {
    "missing": (None, "no such file"),
    "empty": (b"", "file is empty"),
    "binary": (b"# T\n\x00\x01", "binary file"),
    "latin1": ("# T\n\nCaf\xe9\n".encode("latin-1"), "not UTF-8"),
    "bad-yaml": (b"---\ntitle: [unclosed\n---\n# T\n", "not valid YAML"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_unreadable_or_malformed_files(case: str, tmp_path: Path, cli) -> None:
    content, message = BAD_FILES[case]
    bad = tmp_path / f"{case}.md"
    if content is not None:
        bad.write_bytes(content)
    good = tmp_path / "good.md"
    good.write_text(variant(("**Next Review:** 2026-12-31", "**Next Review:** 2026-01-01")))
    result = cli("lint", "--today", "2026-06-01", str(bad), str(good))
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"{bad}:") and message in line
    assert "Traceback" not in result.stderr
    assert f"{good}:7:18: RBK006" in result.stdout, "the other file is still linted"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ([], 0),
        (["--strict"], 1),
        (["--ignore", "RBK006", "--strict"], 0),
        (["--select", "RBK004,RBK005"], 0),
        (["--select", "review-overdue", "--strict"], 1),
        (["--select", "RBK999"], 2),
        (["--format", "yaml"], 2),
        (["--today", "tomorrow"], 2),
    ],
)
def test_exit_codes(args: list[str], code: int, cli) -> None:
    result = cli("lint", "--today", "2026-11-26", *args, str(REDIS))
    assert result.returncode == code, result.stderr
    if code == 2:
        assert "Traceback" not in result.stderr and result.stderr


def test_select_and_ignore_on_the_seed(cli) -> None:
    only = cli("lint", "--today", "2026-11-26", "--select", "RBK004", str(SEED))
    assert [line.split()[1] for line in only.stdout.splitlines()[:-1]] == ["RBK004"]
    skip = cli("lint", "--today", "2026-11-26", "--ignore", "RBK004,RBK005,RBK018", str(SEED))
    assert skip.returncode == 0
    assert [line.split()[1] for line in skip.stdout.splitlines()[:-1]] == ["RBK006"]


def test_ignore_comments(tmp_path: Path, cli) -> None:
    overdue = ("**Next Review:** 2026-12-31", "**Next Review:** 2026-01-01")
    bad_pattern = ("`(?i)no space left on device`", "`No space left`")
    whole = variant(
        overdue,
        bad_pattern,
        ("# Disk full\n", "# Disk full\n\n<!-- runbookkit: ignore RBK006 -->\n"),
    )
    inline = variant(
        overdue,
        bad_pattern,
        ("`No space left`", "`No space left` <!-- runbookkit: ignore RBK004 -->"),
    )
    for name, text, left in [("whole", whole, "RBK004"), ("inline", inline, "RBK006")]:
        path = tmp_path / f"{name}.md"
        path.write_text(text)
        result = cli("lint", "--today", "2026-06-01", str(path))
        codes = [line.split()[1] for line in result.stdout.splitlines()[:-1]]
        assert codes == [left], (name, result.stdout)


def test_directory_and_default_dir(tmp_path: Path, cli) -> None:
    (tmp_path / "runbooks" / "db").mkdir(parents=True)
    (tmp_path / "runbooks" / "db" / "disk.md").write_text(BASE)
    (tmp_path / "runbooks" / "notes.txt").write_text("not a runbook")
    result = cli("lint", "--today", "2026-06-01", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "All checks passed (1 file).\n"
    empty = tmp_path / "empty"
    empty.mkdir()
    none = cli("lint", str(empty))
    assert none.returncode == 2 and "no runbooks found" in none.stderr


def test_rule_command(cli) -> None:
    one = cli("rule", "RBK004")
    assert one.returncode == 0
    assert one.stdout.startswith("RBK004 pattern-misses-example (error)\n")
    assert "(?i)" in one.stdout
    listing = cli("rule").stdout.splitlines()
    assert len(listing) == 23 and listing[0].startswith("RBK001")
    unknown = cli("rule", "RBK999")
    assert unknown.returncode == 2 and "no rule 'RBK999'" in unknown.stderr


def test_pool_reports_the_same_as_one_process(tmp_path: Path) -> None:
    from runbookkit.lint import LintOptions, lint_paths
    from tests.lint.helpers import TODAY

    paths = []
    for index in range(6):
        path = tmp_path / f"r{index}.md"
        path.write_text(variant(("Disk full", f"Disk full {index}")))
        paths.append(path)
    paths[2].write_bytes(b"# T\n\x00")
    paths[4].write_bytes(SEED.read_bytes())
    options = LintOptions(today=TODAY)
    serial = lint_paths(paths, options, jobs=1)
    pooled = lint_paths(paths, options, jobs=2)
    assert [r.findings for r in pooled] == [r.findings for r in serial]
    assert [str(r.error) for r in pooled] == [str(r.error) for r in serial]
    assert pooled[2].error is not None and pooled[2].error.line == 2
    assert len(pooled[4].findings) == 12


def test_lint_imports_jsonschema_and_re2_only_when_linting(cli) -> None:
    import subprocess
    import sys

    code = (
        "import sys, runbookkit.lint, runbookkit.cli.lint; "
        "print(sorted(m for m in ('jsonschema', 're2') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_summary_counts_unreadable_files(tmp_path: Path, cli) -> None:
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"")
    good = tmp_path / "good.md"
    good.write_text(BASE)
    result = cli("lint", "--today", "2026-06-01", str(bad), str(good))
    assert (
        result.stdout
        == "Found 0 problems (0 errors, 0 warnings) in 2 files. 1 file could not be linted.\n"
    )


def test_a_team_destructive_entry_needs_a_warning(tmp_path: Path, cli) -> None:
    book = tmp_path / "runbook.md"
    book.write_text(variant(('ssh ops@db1.example.com "df -h /var"', "mycli purge")))
    assert cli("lint", str(book), cwd=tmp_path).returncode == 0
    (tmp_path / "pyproject.toml").write_text('[tool.runbookkit]\ndestructive = ["mycli purge"]\n')
    found = cli("lint", str(book), cwd=tmp_path)
    assert found.returncode == 1
    assert "RBK008" in found.stdout and "mycli purge (team list)" in found.stdout
