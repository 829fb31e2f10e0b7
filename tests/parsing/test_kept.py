"""Parsed runbooks kept between runs: a hit gives the same runbook, any change is a miss."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from runbookkit.parsing import kept, parse_file, parse_text, safety
from tests.conftest import REDIS, ROOT


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The cache directory; the parsed runbooks are kept in its ``trees.sqlite``."""
    monkeypatch.setenv("RUNBOOKKIT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "disk-full.md"
    path.write_text(REDIS.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def test_an_unchanged_file_gives_the_same_tree_from_the_cache(cache: Path, book: Path) -> None:
    first = parse_file(book)
    assert len(kept.SHELF.names()) == 1
    again = parse_file(book)
    assert again == first
    assert again is not first
    text = book.read_text(encoding="utf-8")
    assert again == parse_text(text, path=str(book), runbook_id="disk-full", sha256=first.sha256)


def test_the_cache_is_used_on_a_hit(
    cache: Path, book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parse_file(book)
    import runbookkit.parsing as parsing

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(parsing, "parse_text", refuse)
    assert parse_file(book).id == "disk-full"


def test_a_changed_file_id_or_policy_is_a_miss(cache: Path, book: Path) -> None:
    before = parse_file(book)
    book.write_text(book.read_text(encoding="utf-8").replace("Redis", "Valkey"), encoding="utf-8")
    after = parse_file(book)
    assert after.metadata.title != before.metadata.title
    assert parse_file(book, runbook_id="other").id == "other"
    policy = safety.Policy.from_entries(["redis-cli"], [])
    marked = parse_file(book, policy=policy)
    plain = parse_file(book)

    def destructive(parsed: object) -> list[bool]:
        blocks = [b for sec in parsed.sections for b in sec.blocks()]  # type: ignore[attr-defined]
        return [step.destructive for block in blocks for step in block.steps]

    assert any(destructive(marked)) and destructive(marked) != destructive(plain)
    assert len(kept.SHELF.names()) == 4


def test_a_runbook_that_fails_to_parse_is_not_kept(cache: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.md"
    empty.write_text("   \n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(Exception, match="file is empty"):
            parse_file(empty)
    assert kept.SHELF.names() == []


def test_a_cache_others_may_write_to_is_not_read(cache: Path, book: Path) -> None:
    first = parse_file(book)
    [name] = kept.SHELF.names()
    for where, mode in ((cache, 0o777), (cache / "trees.sqlite", 0o666)):
        kept.SHELF.close()  # as a new process finds it
        os.chmod(where, mode)
        assert kept.load(name) is None
        os.chmod(where, mode & 0o755)
        assert kept.load(name) == first


def test_a_damaged_entry_is_a_miss(cache: Path, book: Path) -> None:
    first = parse_file(book)
    [name] = kept.SHELF.names()
    with sqlite3.connect(cache / "trees.sqlite") as db:
        db.execute("UPDATE entries SET value = ?", (b"not a pickle",))
    assert kept.load(name) is None
    assert parse_file(book) == first
    assert kept.load(name) == first  # parsed again, and kept again


def test_a_damaged_cache_file_is_replaced(cache: Path, book: Path) -> None:
    first = parse_file(book)
    kept.SHELF.close()  # as a new process finds it
    (cache / "trees.sqlite").write_bytes(b"not a database, " * 512)
    assert parse_file(book) == first
    assert parse_file(book) == first
    assert len(kept.SHELF.names()) == 1  # kept again, in a new file


def test_an_unwritable_cache_only_parses_every_time(
    tmp_path: Path, book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("RUNBOOKKIT_CACHE_DIR", str(blocker / "cache"))
    assert parse_file(book).id == "disk-full"


def test_a_warm_list_imports_no_markdown_parser(cache: Path, book: Path) -> None:
    env = {
        **os.environ,
        "RUNBOOKKIT_CACHE_DIR": str(cache),
        "NO_COLOR": "1",
        "COLUMNS": "200",
    }
    probe = (
        "import sys, runpy; sys.argv = ['runbookkit', 'list', '--runbooks-dir', sys.argv[1]]\n"
        "try:\n    runpy.run_module('runbookkit', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print('markdown_it' in sys.modules, 'tree_sitter' in sys.modules, file=sys.stderr)"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", probe, str(book.parent)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        for _ in range(2)
    ]
    assert "disk-full" in runs[1].stdout
    assert runs[0].stderr.split()[-2:] == ["True", "True"]
    assert runs[1].stderr.split()[-2:] == ["False", "False"]


def test_a_process_that_goes_on_keeps_pruning(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not only at the first store of a process: the cache stays bounded in a long-lived one."""
    monkeypatch.setattr(kept.SHELF, "keep", 2)
    for index in range(30):
        kept.store(f"entry-{index}", {"index": index})
        assert len(kept.SHELF.names()) <= 3 * kept.SHELF.keep, index
    assert kept.SHELF.names()[0] == "entry-29"
    assert kept.load("entry-29") == {"index": 29}
