"""What is kept between runs: the shelf a second process fills while this one works."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from runbookkit import cache, finder
from runbookkit.cache import Alongside
from tests.support.forked import alone
from tests.support.runbooks import write_runbook

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


@alone
def test_the_second_process_does_its_items_before_wait_returns(tmp_path: Path) -> None:
    items = [tmp_path / f"{number}.txt" for number in range(cache.ALONGSIDE)]
    with Alongside(items, lambda path: path.write_text(str(os.getpid()))) as alongside:
        assert alongside.pid is not None
    assert alongside.pid is None
    written = {path.read_text() for path in items}
    assert written and str(os.getpid()) not in written


def test_a_few_items_are_not_worth_a_process(tmp_path: Path) -> None:
    items = [tmp_path / "one.txt"] * (cache.ALONGSIDE - 1)
    with Alongside(items, lambda path: path.write_text("x")) as alongside:
        assert alongside.pid is None
    assert not items[0].exists()


def test_nothing_is_forked_while_other_threads_run(tmp_path: Path) -> None:
    items = [tmp_path / f"{number}.txt" for number in range(cache.ALONGSIDE)]
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        with Alongside(items, lambda path: path.write_text("x")) as alongside:
            assert alongside.pid is None
    finally:
        release.set()
        other.join()
    assert not any(path.exists() for path in items)


@alone
def test_a_block_that_raises_stops_the_process(tmp_path: Path) -> None:
    started = tmp_path / "started"

    def fill(_: int) -> None:
        started.touch()
        os.pause()

    with pytest.raises(KeyError), Alongside(range(cache.ALONGSIDE), fill) as alongside:
        pid = alongside.pid
        raise KeyError("the block failed")
    assert pid is not None and alongside.pid is None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


@alone
def test_a_failing_fill_is_met_again_by_this_process(tmp_path: Path) -> None:
    def fill(_: int) -> None:
        raise ValueError("only the process that reports it matters")

    with Alongside(range(cache.ALONGSIDE), fill) as alongside:
        assert alongside.pid is not None
    alongside.wait()  # waited for already: returns at once


@alone
def test_load_all_of_a_large_directory_is_the_same_as_one_by_one(tmp_path: Path) -> None:
    count = 2 * cache.ALONGSIDE + 3
    for number in range(count):
        write_runbook(tmp_path, f"echo {number}", name=f"service-{number:03d}")
    for broken in ("service-010.md", "service-060.md"):  # one in each half
        (tmp_path / broken).write_text("---\nhosts: [unclosed\n---\n# Broken\n", encoding="utf-8")

    runbooks, errors = finder.load_all(tmp_path)
    ids = [runbook.id for runbook in runbooks]
    assert ids == sorted(ids) and len(ids) == count - 2
    assert sorted(Path(str(error.path)).name for error in errors) == [
        "service-010.md",
        "service-060.md",
    ]
    assert [runbook.title for runbook in runbooks] == [
        runbook.title for runbook in (finder.load(id_, tmp_path) for id_ in ids)
    ]


@alone
def test_two_processes_storing_into_a_new_shelf_at_once_lose_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each makes the shelf's file if it finds none: neither may lose the other's entries."""
    shelf = cache.Shelf("both", 1000)
    count = 4 * cache.ALONGSIDE
    for attempt in range(12):
        monkeypatch.setenv(cache.VARIABLE, str(tmp_path / str(attempt)))

        def fill(number: int) -> None:
            shelf.store(f"entry-{number}", (number, "x" * 4000))

        with Alongside(range(count // 2, count), fill) as alongside:
            assert alongside.pid is not None
            for number in range(count // 2):
                fill(number)
        kept = [shelf.load(f"entry-{number}") for number in range(count)]
        assert kept == [(number, "x" * 4000) for number in range(count)], attempt
        assert len(shelf.names()) == count


@alone
def test_a_forked_process_opens_a_shelf_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cache.VARIABLE, str(tmp_path))
    shelf = cache.Shelf("own", 1000)
    shelf.store("before", 1)
    with Alongside(range(cache.ALONGSIDE), lambda number: shelf.store(f"child-{number}", number)):
        shelf.store("parent", 2)  # the connection closed at the fork is opened again here
    assert shelf.load("before") == 1 and shelf.load("parent") == 2
    assert shelf.load(f"child-{cache.ALONGSIDE - 1}") == cache.ALONGSIDE - 1


@alone
def test_load_all_does_the_callers_other_work_here_while_the_process_parses(
    tmp_path: Path,
) -> None:
    count = 2 * cache.ALONGSIDE
    for number in range(count):
        write_runbook(tmp_path, f"echo {number}", name=f"service-{number:03d}")
    called: list[int] = []

    def meanwhile() -> None:
        called.append(os.getpid())

    with_other_work, errors = finder.load_all(tmp_path, meanwhile=meanwhile)
    assert called == [os.getpid()] and not errors
    assert [runbook.id for runbook in with_other_work] == [
        runbook.id for runbook in finder.load_all(tmp_path)[0]
    ]
