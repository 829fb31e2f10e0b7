"""Bad input: one line `file:line: what was wrong, what was expected`, exit 2, no traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from runbookkit.errors import ParseError
from runbookkit.parsing import parse_file

GOOD_HEAD = "# T\n\n**Pattern:** `x`\n**Severity:** High\n\n## Fix\n\n```bash\necho hi\n```\n"

BAD: dict[str, tuple[bytes | None, int | None, str]] = {
    "empty": (b"", 1, "file is empty"),
    "blank": (b"  \n\n", 1, "file is empty"),
    "binary": (b"# T\n\x00\x01\x02", 2, "binary file"),
    "latin1": ("# T\n\nCaf\xe9\n".encode("latin-1"), 3, "not UTF-8"),
    "bad-regex": (b"# T\n\n**Pattern:** `(unclosed`\n", 3, "invalid regex in Pattern"),
    "bad-severity": (b"# T\n\n**Severity:** urgent\n", 3, "unknown severity 'urgent'"),
    "bad-date": (b"# T\n\n**Severity:** Low\n**Last Updated:** next week\n", 4, "is not a date"),
    "bad-mttr": (b"# T\n\n**MTTR Target:** soon\n", 3, "is not a duration"),
    "bad-yaml": (b"---\ntitle: [unclosed\nseverity: high\n---\n# T\n", 3, "not valid YAML"),
    "yaml-list": (b"---\n- a\n- b\n---\n# T\n", 1, "not a mapping"),
    "yaml-bad-date": (b"---\nnext_review: 2025-13-45\n---\n# T\n", 2, "invalid value"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_cli(case: str, tmp_path: Path, cli) -> None:
    content, line, message = BAD[case]
    path = tmp_path / f"{case}.md"
    assert content is not None
    path.write_bytes(content)
    result = cli("parse", str(path))
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    (only,) = result.stderr.splitlines()
    assert only.startswith(f"{path}:{line}: ") if line else only.startswith(f"{path}: ")
    assert message in only
    assert "expected" in only
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_missing_and_directory(kind: str, tmp_path: Path, cli) -> None:
    path = tmp_path / "x.md"
    if kind == "directory":
        path.mkdir()
    result = cli("parse", str(path))
    assert result.returncode == 2
    (only,) = result.stderr.splitlines()
    assert only.startswith(f"{path}: ")


@pytest.mark.parametrize("name", ["../x", "/nonexistent/runbook", "a/../../b", "~/x"])
def test_names_cannot_escape_the_runbooks_dir(name: str, cli) -> None:
    result = cli("show", name)
    assert result.returncode == 2
    assert "leaves the runbooks directory" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_unknown_name_lists_known(cli) -> None:
    result = cli("show", "nope")
    assert result.returncode == 2
    assert "no runbook named 'nope'" in result.stderr
    assert "redis-connection-refused" in result.stderr


def test_error_carries_location(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_text("# T\n\n**Severity:** urgent\n")
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert (info.value.path, info.value.line) == (str(path), 3)
    assert GOOD_HEAD  # a good file with the same head parses
    path.write_text(GOOD_HEAD)
    assert parse_file(path).metadata.pattern == "x"


def _fifo(directory: Path) -> Path:
    path = directory / "pipe.md"
    os.mkfifo(path)
    return path


def _zero(directory: Path) -> Path:
    link = directory / "zero.md"
    link.symlink_to("/dev/zero")
    return link


@pytest.mark.parametrize(
    ("make", "kind"),
    [(_fifo, "a named pipe (FIFO)"), (_zero, "a character device")],
    ids=["fifo", "dev-zero"],
)
@pytest.mark.parametrize(
    "command",
    [("parse",), ("show",), ("lint",), ("run", "--section", "fix", "--yes")],
    ids=lambda c: c[0],
)
def test_special_file_is_refused_with_one_line(
    tmp_path: Path, cli, make, kind: str, command: tuple[str, ...]
) -> None:
    path = make(tmp_path)
    # A process of its own: a read that blocks, or never ends on /dev/zero, is killed at the
    # timeout and fails the test instead of stalling (or filling) the test process.
    result = cli(command[0], str(path), *command[1:], timeout=20, subprocess=True)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines()[0] == f"{path}: is {kind}, expected a Markdown runbook file"
    assert "Traceback" not in result.stderr
