"""The demo site in headless Chromium: what a reader sees, checked in the DOM.

The site is built once (:mod:`runbookkit._dev.demo`) and opened in one Chromium driven over
its debugging pipe. Each test saves screenshots of what it checked under its tmp dir.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from runbookkit._dev import demo
from runbookkit._dev.chromium import Browser, Page, browser
from runbookkit._dev.screenshots import PAGES, local
from runbookkit._dev.static import serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REDIS_PAGE = f"runbooks/{demo.REDIS}/"
DISK_PAGE = f"runbooks/{demo.DISK}/"
RUNS_PAGE = f"runs/{demo.REDIS}.html"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo site built with the plugin, served on 127.0.0.1; yields its base URL."""
    root = tmp_path_factory.mktemp("demo-site")
    config = demo.write_site(root)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    with serve(root / "site") as base:
        yield base


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    with browser(tmp_path_factory.mktemp("chromium") / "profile") as started:
        yield started


@pytest.fixture
def page(chromium: Browser) -> Page:
    return chromium.new_page()


def _open(page: Page, url: str, shot: Path, width: int = 1280) -> None:
    page.open(url, width=width, height=1000)
    page.screenshot(shot)


def test_a_list_right_after_a_bold_label_is_a_list(site: str, page: Page, tmp_path: Path) -> None:
    for path, items in ((REDIS_PAGE, 5), (DISK_PAGE, 3)):
        _open(page, site + path, tmp_path / f"{path.strip('/').replace('/', '-')}.png")
        found = page.evaluate(
            """(() => {
              const label = [...document.querySelectorAll("article strong")]
                .find(el => el.textContent === "Common Triggers:");
              const next = label.parentElement.nextElementSibling;
              return [label.parentElement.tagName, next.tagName, next.children.length];
            })()"""
        )
        assert found == ["P", "OL", items], path


def test_task_lists_tables_details_and_code_in_list_items(
    site: str, page: Page, tmp_path: Path
) -> None:
    _open(page, site + DISK_PAGE, tmp_path / "disk.png")
    found = page.evaluate(
        """(() => {
          const article = document.querySelector("article");
          const boxes = [...article.querySelectorAll("li input[type=checkbox]")];
          const item = boxes[0].closest("li");
          return {
            boxes: boxes.map(box => box.checked),
            codeInItem: item.querySelector("pre code") !== null,
            tableCells: article.querySelector("table").querySelectorAll("td").length,
            details: article.querySelector("details > summary").textContent,
            inside: article.querySelector("details strong").textContent,
          };
        })()"""
    )
    assert found == {
        "boxes": [False, True],
        "codeInItem": True,
        "tableCells": 4,
        "details": "Why not delete the logs?",
        "inside": "nothing",
    }


def test_header_lines_appear_once_in_the_card(site: str, page: Page, tmp_path: Path) -> None:
    _open(page, site + REDIS_PAGE, tmp_path / "redis.png")
    found = page.evaluate(
        """(() => {
          const article = document.querySelector("article");
          const text = article.innerText;
          return {
            cards: article.querySelectorAll(".rbk-card").length,
            mttr: text.split("3-5 minutes").length - 1,
            author: text.split("Claude Code").length - 1,
            runOn: [...article.querySelectorAll("p")]
              .some(p => /Severity:|MTTR Target:/.test(p.textContent)),
            inCard: article.querySelector(".rbk-card").innerText.includes("3-5 minutes"),
          };
        })()"""
    )
    assert found == {"cards": 1, "mttr": 1, "author": 1, "runOn": False, "inCard": True}


GEOMETRY = """(() => {
  const page = document.documentElement;
  const blocks = [...document.querySelectorAll("article pre")];
  const past = blocks.filter(pre => pre.getBoundingClientRect().right > page.clientWidth + 1);
  const long = blocks.find(pre => pre.textContent.includes("longer than any page is wide"));
  const code = long.querySelector("code") || long;
  return {
    pageWider: page.scrollWidth > page.clientWidth,
    past: past.length,
    scrolls: Math.max(long.scrollWidth - long.clientWidth, code.scrollWidth - code.clientWidth) > 0,
    blocks: blocks.length,
  };
})()"""


@pytest.mark.parametrize("width", [1280, 700])
def test_long_code_scrolls_inside_its_block(
    site: str, page: Page, tmp_path: Path, width: int
) -> None:
    _open(page, site + DISK_PAGE, tmp_path / f"disk-{width}.png", width=width)
    found = page.evaluate(GEOMETRY)
    assert found["blocks"] >= 3
    assert (found["pageWider"], found["past"], found["scrolls"]) == (False, 0, True)


def test_emoji_in_headings_are_drawn_in_colour(site: str, page: Page, tmp_path: Path) -> None:
    # Without an emoji font the heading's 📋 is a box drawn in the text colour: no colour.
    _open(page, site + REDIS_PAGE, tmp_path / "redis.png")
    coloured = page.evaluate(
        """(() => {
          const heading = document.getElementById("symptoms");
          const canvas = document.createElement("canvas");
          canvas.width = canvas.height = 48;
          const pen = canvas.getContext("2d");
          pen.font = "40px " + getComputedStyle(heading).fontFamily;
          pen.fillText(heading.textContent.trim().slice(0, 2), 0, 40);
          const data = pen.getImageData(0, 0, 48, 48).data;
          let count = 0;
          for (let i = 0; i < data.length; i += 4) {
            const [r, g, b, a] = data.slice(i, i + 4);
            if (a > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 40) count++;
          }
          return count;
        })()"""
    )
    assert coloured > 50


def test_run_box_shows_the_command_with_its_variables(
    site: str, page: Page, tmp_path: Path
) -> None:
    _open(page, site + DISK_PAGE, tmp_path / "disk.png")
    boxes = page.evaluate(
        """[...document.querySelectorAll(".rbk-run-section")].map(box => [
          box.querySelector(".rbk-command").textContent,
          box.querySelector(".admonition-title").textContent,
        ])"""
    )
    fix = next(command for command, _ in boxes if "--section fix" in command)
    assert fix == (
        "runbookkit run disk-full --section fix --var SERVICE=VALUE "
        "--var 'SERVICE_NAME=<service-name>'"
    )


def test_runs_summary_lists_every_run_with_its_failing_reason(
    site: str, page: Page, tmp_path: Path
) -> None:
    _open(page, site + RUNS_PAGE, tmp_path / "runs.png")
    found = page.evaluate(
        """(() => {
          const rows = [...document.querySelectorAll(".rbk-runs-summary tbody tr")];
          return {
            rows: rows.map(row => [row.cells[0].innerText.trim(), row.cells[4].innerText.trim(),
                                   row.cells[5].innerText.trim()]),
            open: [...document.querySelectorAll("details.rbk-run")].filter(d => d.open)
              .map(d => d.id),
            runs: document.querySelectorAll("details.rbk-run").length,
          };
        })()"""
    )
    rows = {run: (status, why) for run, status, why in found["rows"]}
    assert list(rows) == ["01DEMOSTEP", "01DEMOFLEET", "01DEMOBACK", "01DEMOFAIL", "01DEMOPASS"]
    assert found["runs"] == 5
    assert rows["01DEMOSTEP"] == ("partial: passed", "")  # not the section passing
    assert rows["01DEMOFAIL"][0] == "failed"
    assert rows["01DEMOFAIL"][1].startswith("2. Test connection")
    assert "Connection refused" in rows["01DEMOFAIL"][1]
    assert "on cache-3" in rows["01DEMOFLEET"][1]
    assert found["open"] == ["run-01DEMOFLEET"]  # collapsed but the latest failure
    # A link to a collapsed run opens it.
    page.evaluate("document.querySelector('a[href=\"#run-01DEMOPASS\"]').click()")
    assert page.evaluate("document.getElementById('run-01DEMOPASS').open") is True
    page.screenshot(tmp_path / "runs-linked.png")


def test_rollback_runs_link_both_ways(site: str, page: Page, tmp_path: Path) -> None:
    _open(page, site + RUNS_PAGE, tmp_path / "runs.png")
    links = page.evaluate(
        """[...document.querySelectorAll(".rbk-runs-summary tbody tr")].map(row =>
          [row.cells[0].innerText.trim(),
           [...row.cells[3].querySelectorAll("a")].map(a => a.getAttribute("href"))])"""
    )
    hrefs = dict(links)
    assert hrefs["01DEMOBACK"] == ["#run-01DEMOFAIL"]
    assert hrefs["01DEMOFAIL"] == ["#run-01DEMOBACK"]


def test_fleet_run_is_grouped_by_host(site: str, page: Page, tmp_path: Path) -> None:
    _open(page, site + RUNS_PAGE + "#run-01DEMOFLEET", tmp_path / "fleet.png")
    found = page.evaluate(
        """(() => {
          const run = document.getElementById("run-01DEMOFLEET");
          const names = [...run.querySelectorAll(".rbk-host-name")];
          const body = parseFloat(getComputedStyle(run.querySelector(".rbk-facts")).fontSize);
          return {
            hosts: names.map(h => h.firstChild.textContent.trim()),
            bigger: names.every(h => parseFloat(getComputedStyle(h).fontSize) > body * 1.3),
            steps: [...run.querySelectorAll(".rbk-host")]
              .map(group => group.querySelectorAll(".rbk-step").length),
            alike: names[1].textContent.includes("2 hosts, identical output"),
          };
        })()"""
    )
    assert found == {
        "hosts": ["cache-3", "cache-1, cache-2"],
        "bigger": True,
        "steps": [2, 2],
        "alike": True,
    }


ROWS = """[...document.querySelectorAll(".rbk-sortable tbody tr")].filter(row => !row.hidden)
  .map(row => row.cells[1].querySelector("code").textContent)"""


def test_catalog_sorts_by_severity_and_filters_by_tag(
    site: str, page: Page, tmp_path: Path
) -> None:
    _open(page, site + "catalog/", tmp_path / "catalog.png")
    assert page.evaluate(ROWS) == ["disk-full", "redis-connection-refused"]  # most severe first
    severity = "document.querySelector('.rbk-sortable th button').click()"
    page.evaluate(severity)  # ascending by rank: most severe first
    assert page.evaluate(ROWS) == ["disk-full", "redis-connection-refused"]
    page.evaluate(severity)  # again: least severe first
    assert page.evaluate(ROWS) == ["redis-connection-refused", "disk-full"]
    assert page.evaluate(
        "document.querySelector('.rbk-sortable th').getAttribute('aria-sort')"
    ) == ("descending")
    page.evaluate(
        """(() => { const tag = document.querySelector(".rbk-tag"); tag.value = "logs";
                    tag.dispatchEvent(new Event("change")); })()"""
    )
    assert page.evaluate(ROWS) == ["disk-full"]
    assert page.evaluate("document.querySelector('.rbk-shown').textContent") == "1 of 2 shown"
    page.screenshot(tmp_path / "catalog-filtered.png")
    # The view is in the URL: opened again, it comes back.
    state = page.evaluate("location.hash")
    assert state == "#sort=severity&order=desc&tag=logs"
    page.open("about:blank")
    _open(page, site + "catalog/" + state, tmp_path / "catalog-linked.png")
    assert page.evaluate(ROWS) == ["disk-full"]
    page.evaluate(
        """(() => { const box = document.querySelector(".rbk-filter");
                    box.value = "nothing-like-it"; box.dispatchEvent(new Event("input")); })()"""
    )
    assert page.evaluate(ROWS) == []


def test_catalog_titles_are_not_a_column_of_words(site: str, page: Page, tmp_path: Path) -> None:
    _open(page, site + "catalog/", tmp_path / "catalog.png")
    found = page.evaluate(
        """(() => {
          const link = document.querySelector(".rbk-sortable td.rbk-title a");
          const line = parseFloat(getComputedStyle(link).lineHeight);
          return [link.getBoundingClientRect().height / line, document.title];
        })()"""
    )
    assert found[0] < 2.5  # at most two lines
    assert found[1] == "Catalog - Runbooks"


def test_no_request_leaves_the_machine(site: str, page: Page, tmp_path: Path) -> None:
    for name, path in PAGES.items():
        _open(page, site + path, tmp_path / f"{name}.png")
    assert page.requests and all(url.startswith(site) for url in page.requests[:1])
    assert [url for url in page.requests if not local(url)] == []
    # The check can fail: a page asking another host is caught (blocked before it goes out).
    page.call("Network.setBlockedURLs", {"urls": ["*://192.0.2.1/*"]})
    page.evaluate("fetch('http://192.0.2.1/probe').catch(() => null)")
    page.browser.drain()
    assert [url for url in page.requests if not local(url)] == ["http://192.0.2.1/probe"]
