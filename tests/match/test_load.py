"""Loading routes through the cache: changed runbooks are parsed again, broken ones every time."""

from __future__ import annotations

import os
from pathlib import Path

from runbookkit.match.load import load_routes
from tests.support.runbooks import write_runbook


def test_routes_come_from_the_runbooks(runbooks_dir: Path, cache_dir: Path) -> None:
    write_runbook(
        runbooks_dir, name="disk", pattern="disk full", severity="Critical", mttr="2-4 minutes"
    )
    routes, errors = load_routes(runbooks_dir)
    assert errors == []
    (route,) = routes
    assert (route.id, route.pattern, route.severity, route.rank) == (
        "disk",
        "disk full",
        "critical",
        0,
    )
    assert (route.mttr, route.line, route.path) == ("2-4 minutes", 3, str(runbooks_dir / "disk.md"))
    assert len(list(cache_dir.glob("routes-*.json"))) == 1
    assert load_routes(runbooks_dir) == (routes, [])


def test_a_changed_runbook_is_parsed_again(runbooks_dir: Path) -> None:
    path = write_runbook(runbooks_dir, name="disk", pattern="disk full")
    load_routes(runbooks_dir)
    info = path.stat()
    write_runbook(runbooks_dir, name="disk", pattern="disk is full")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000))
    assert [r.pattern for r in load_routes(runbooks_dir)[0]] == ["disk is full"]


def test_broken_runbooks_are_reported_every_time(runbooks_dir: Path) -> None:
    write_runbook(runbooks_dir, name="good", pattern="ok")
    (runbooks_dir / "bad.md").write_text("# Bad\n\n**Severity:** urgent\n")
    for _ in range(2):
        routes, errors = load_routes(runbooks_dir)
        assert [r.id for r in routes] == ["good"]
        assert [str(e).split(": ")[0] for e in errors] == [f"{runbooks_dir / 'bad.md'}:3"]


def test_a_damaged_cache_is_ignored(runbooks_dir: Path, cache_dir: Path) -> None:
    write_runbook(runbooks_dir, name="disk", pattern="disk full")
    load_routes(runbooks_dir)
    (cache,) = cache_dir.glob("routes-*.json")
    for junk in ("{not json", '{"stamp": 1, "files": []}', "[]"):
        cache.write_text(junk)
        assert [r.id for r in load_routes(runbooks_dir)[0]] == ["disk"]


def test_an_unwritable_cache_only_costs_time(
    runbooks_dir: Path, tmp_path: Path, monkeypatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("RUNBOOKKIT_CACHE_DIR", str(blocker / "cache"))
    write_runbook(runbooks_dir, name="disk", pattern="disk full")
    assert [r.id for r in load_routes(runbooks_dir)[0]] == ["disk"]
