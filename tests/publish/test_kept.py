"""Runbook pages kept between builds: a hit shows the same page, and anything the page shows
that changed (the runbook, a link's target, the day, the profile, the history) is a miss."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
import yaml

from runbookkit.parsing import parse_file
from runbookkit.parsing.safety import DEFAULT, Policy
from runbookkit.publish import kept, plugin
from tests.publish.conftest import make_run, record, write_site
from tests.support.forked import alone

RUNBOOK = """# Disk is full

**Severity:** high
**Next Review:** 2030-01-01

See [the escalation page](escalation.md) first.

## Fix

```bash
df -h /var
```
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    books = tmp_path / "books"
    books.mkdir()
    (books / "disk-full.md").write_text(RUNBOOK, encoding="utf-8")
    (books / "escalation.md").write_text("# Escalation\n\nCall ops.\n", encoding="utf-8")
    return write_site(tmp_path / "site-root", books, history=tmp_path / "history.sqlite")


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the runbook pages rendered (not taken from what was kept), in order."""
    rendered: list[str] = []
    real = plugin.page_html

    def counting(source, runbook, *args):  # type: ignore[no-untyped-def]
        rendered.append(runbook.id)
        return real(source, runbook, *args)

    monkeypatch.setattr(plugin, "page_html", counting)
    return rendered


def build(config: Path, **changes: object) -> str:
    """Build the site of ``config`` in this process; the HTML of the disk-full page."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    if changes:
        data = yaml.safe_load(config.read_text(encoding="utf-8"))
        config.write_text(yaml.safe_dump({**data, **changes}), encoding="utf-8")
    mkdocs_build(load_config(str(config)))
    site = config.parent / "site"
    page = site / "books" / "disk-full" / "index.html"
    if not page.exists():
        page = site / "books" / "disk-full.html"
    return page.read_text(encoding="utf-8")


def test_an_unchanged_page_is_kept_and_shown_as_rendered(site: Path, renders: list[str]) -> None:
    first = build(site)
    assert sorted(renders) == ["disk-full", "escalation"]
    assert build(site) == first
    assert sorted(renders) == ["disk-full", "escalation"]  # neither rendered again


def test_an_edited_runbook_is_rendered_again(site: Path, renders: list[str]) -> None:
    build(site)
    path = site.parent.parent / "books" / "disk-full.md"
    path.write_text(RUNBOOK.replace("df -h /var", "du -sh /var/log"), encoding="utf-8")
    assert "du -sh /var/log" in build(site)
    assert renders.count("disk-full") == 2


def test_a_link_whose_page_moved_is_rendered_again(site: Path, renders: list[str]) -> None:
    assert 'href="../escalation/"' in build(site)
    page = build(site, use_directory_urls=False)
    assert 'href="escalation.html"' in page
    assert renders.count("disk-full") == 2


def test_a_new_run_in_the_history_is_rendered_again(site: Path, renders: list[str]) -> None:
    assert "No recorded runs yet." in build(site)
    record(site.parent.parent / "history.sqlite", make_run("01JRUNKEPT000", "disk-full"))
    assert "No recorded runs yet." not in build(site)
    assert renders.count("disk-full") == 2


def test_the_key_holds_whatever_else_the_page_shows(tmp_path: Path) -> None:
    path = tmp_path / "disk-full.md"
    path.write_text(RUNBOOK, encoding="utf-8")
    runbook = parse_file(path)
    day = dt.date(2029, 12, 31)
    base = {"policy": DEFAULT, "profile": "p", "today": day, "history": "<table/>"}
    name = kept.key(RUNBOOK, runbook, **base)  # type: ignore[arg-type]
    assert kept.key(RUNBOOK, runbook, **base) == name  # type: ignore[arg-type]
    others = [
        {"today": day + dt.timedelta(days=2)},  # the review falls due
        {"profile": "q"},
        {"profile": ""},  # no lint at all
        {"history": "<table><tr/></table>"},
        {"policy": Policy.from_entries(["df"], [])},
    ]
    for change in others:
        assert kept.key(RUNBOOK, runbook, **{**base, **change}) != name, change  # type: ignore[arg-type]
    assert kept.key(RUNBOOK + "\n", runbook, **base) != name  # type: ignore[arg-type]
    assert kept.profile_key("default", {"a": 1}) != kept.profile_key("default", {"a": 2})


@alone
def test_a_large_site_renders_its_later_half_in_a_second_process(
    tmp_path: Path, renders: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    from runbookkit import cache

    books = tmp_path / "books"
    books.mkdir()
    count = 2 * cache.ALONGSIDE + 2
    for number in range(count):
        text = RUNBOOK.replace("# Disk is full", f"# Disk {number} is full")
        (books / f"disk-{number:03d}.md").write_text(text, encoding="utf-8")
    (books / "escalation.md").write_text("# Escalation\n\nCall ops.\n", encoding="utf-8")
    config = write_site(tmp_path / "site-root", books, history=tmp_path / "history.sqlite")
    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    forks: list[int] = []  # how many pages each build gave the second process

    class Counted(cache.Alongside):
        def __init__(self, items, fill) -> None:  # type: ignore[no-untyped-def]
            super().__init__(items, fill)
            forks.append(len(items) if self.pid is not None else 0)

    monkeypatch.setattr(plugin, "Alongside", Counted)

    def pages() -> dict[str, str]:
        mkdocs_build(load_config(str(config)))
        site = config.parent / "site" / "books"
        return {path.parent.name: path.read_text("utf-8") for path in site.glob("disk-*/*.html")}

    forked = pages()
    assert len(forked) == count
    total = count + 1  # the escalation page is a runbook too
    assert forks == [total - total // 2]
    assert len(renders) == total // 2  # the later half rendered by the other process
    renders.clear()
    assert pages() == forked
    assert renders == [] and forks[-1] == 0  # a rebuild: all kept, nothing forked or rendered

    monkeypatch.setenv("RUNBOOKKIT_CACHE_DIR", str(tmp_path / "other-cache"))
    monkeypatch.setattr(cache, "ALONGSIDE", 10**9)
    assert pages() == forked  # rendered here alone, the same pages
    assert len(renders) == total
