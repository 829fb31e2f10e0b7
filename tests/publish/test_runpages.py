"""Runs pages without MkDocs: safe names, anchors, the sections and the shell's cutting."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pytest

from runbookkit.publish import runpages, runs
from runbookkit.publish.html import safe_id, safe_name
from runbookkit.publish.runpages import START, RunPages, RunsPage
from tests.publish.conftest import make_run

NOW = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("redis-connection-refused", "redis-connection-refused"),
        ("01JXYZ_ab", "01JXYZ_ab"),
        ("odd name #1", r"_odd-name-1-[0-9a-f]{12}"),
        ("../../etc/passwd", r"_etc-passwd-[0-9a-f]{12}"),
        ("ünïcode", r"_n-code-[0-9a-f]{12}"),
        ("<>", r"_[0-9a-f]{12}"),
        ("-lead", r"_lead-[0-9a-f]{12}"),
        ("a" * 81, r"_a{40}-[0-9a-f]{12}"),
    ],
)
def test_safe_name(value: str, expected: str) -> None:
    name = safe_name(value)
    assert re.fullmatch(expected, name)
    assert name == safe_name(value)  # stable from build to build
    assert re.fullmatch(r"[A-Za-z0-9_-]+", name)
    assert safe_id(name) is (name == value)  # a made name is never a safe id


def test_made_names_differ_where_the_values_do() -> None:
    assert safe_name("odd name") != safe_name("odd-name!")
    assert runs.anchor("a b") != runs.anchor("a-b") and runs.anchor("a-b") == "run-a-b"


def _runs() -> list:
    return [
        make_run("new01", started=NOW, operator="<b>eve</b>"),
        make_run("old01", started=NOW - dt.timedelta(days=1), sha256="f" * 64, status="failed"),
    ]


def test_runs_page_has_a_section_per_run_newest_first() -> None:
    shown = _runs()
    out = runs.runs_page("Redis <down>", "redis", shown, runbook_href="../r/", sha256="0" * 64)
    assert "<h1>Runs of Redis &lt;down&gt;</h1>" in out
    found = re.findall(r'<details class="rbk-run" id="([^"]+)"', out)
    assert found == ["run-new01", "run-old01"]
    assert '<a href="../r/">Redis &lt;down&gt;</a>' in out
    assert "&lt;b&gt;eve&lt;/b&gt;" in out and "<b>eve" not in out
    sections = out.split('<details class="rbk-run"')
    assert "older runbook version" in sections[2]
    assert "older runbook version" not in sections[1]


def test_runs_page_summary_lists_every_run_with_why_it_failed() -> None:
    failed = make_run(
        "bad01",
        started=NOW - dt.timedelta(hours=2),
        status="failed",
        steps=[{}, {"title": "Start", "status": "failed", "exit_code": 3, "stderr": "unit gone\n"}],
    )
    shown = [make_run("ok01", started=NOW), failed, make_run("bad00", status="failed")]
    out = runs.runs_page("R", "r", shown, runbook_href=None, sha256="0" * 64)
    table = out.split('class="rbk-history rbk-runs-summary"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr class=[^>]*>(.*?)</tr>", table)
    assert [re.search(r"<code>(\w+)</code>", row).group(1) for row in rows] == [
        "ok01",
        "bad01",
        "bad00",
    ]
    assert "2. Start" in rows[1] and "exit code 3: unit gone" in rows[1]
    assert "rbk-reason" not in rows[0]
    # Only the latest failure is open.
    assert re.findall(r'id="run-(\w+)" open>', out) == ["bad01"]


def test_fleet_run_groups_hosts_alike_and_names_them() -> None:
    steps = [
        {
            "host": host,
            "number": number,
            "title": f"Step {number}",
            "status": "failed" if (host, number) == ("web-3", 2) else "passed",
            "stdout": "boom\n" if host == "web-3" else "ok\n",
        }
        for host in ("web-1", "web-2", "web-3")
        for number in (1, 2)
    ]
    out = runs.run_section(make_run("f1", steps=steps, status="failed"), on_page=(), sha256=None)
    names = re.findall(r'<h3 class="rbk-host-name">([^<]+) <span', out)
    assert names == ["web-3", "web-1, web-2"]  # the failed host first
    assert "2 hosts, identical output" in out
    assert out.count('class="rbk-step"') == 4  # web-3's two steps, the group's two once


def test_rollback_runs_link_both_ways_in_the_summary() -> None:
    first = make_run("fix01", started=NOW - dt.timedelta(minutes=5), status="failed")
    first.rollback_run = "back01"
    back = make_run("back01", started=NOW)
    back.rollback_of = "fix01"
    out = runs.runs_page("R", "r", [back, first], runbook_href=None, sha256="0" * 64)
    table = out.split("</table>", 1)[0]
    assert 'rollback of <a href="#run-fix01">fix01</a>' in table
    assert 'rolled back by <a href="#run-back01">back01</a>' in table


def _pages() -> list[RunsPage]:
    return [
        RunsPage("alpha", "Runs of Alpha", "alpha"),
        RunsPage("beta", "Runs of <Beta> & co", "beta"),
    ]


LOADED: list[str] = []


def _render(page: RunsPage, url: str) -> str:
    assert page.runbook_id in LOADED  # loaded before it is rendered
    return f"<main>{page.runbook_id} at {url}</main>"


def _load(pages) -> None:
    LOADED.extend(page.runbook_id for page in pages)


def _shell(pages: RunPages) -> str:
    """A page as a theme renders it, the head naming the runbook ids in its navigation."""
    title = pages.title_token
    return (
        f"<title>{title} - Site</title><link href='/{runpages.url(pages.name_token)}'>"
        f"<nav>alpha beta</nav>{pages.body()}<footer>{title} alpha</footer>"
    )


def test_pages_are_written_from_the_shell(tmp_path: Path) -> None:
    pages = RunPages(_pages(), _render, _load)
    own = pages.start(_shell(pages), str(tmp_path))
    pages.finish()
    assert own == (
        "<title>Runs of Alpha - Site</title><link href='/runs/alpha.html'><nav>alpha beta</nav>"
        "<main>alpha at runs/alpha.html</main><footer>Runs of Alpha alpha</footer>"
    )
    written = [p.name for p in (tmp_path / "runs").iterdir()]
    assert written == ["beta.html"]  # the shell's own page is MkDocs' to write
    beta = (tmp_path / "runs" / "beta.html").read_text()
    title = html.escape("Runs of <Beta> & co")
    assert beta == (
        f"<title>{title} - Site</title><link href='/runs/beta.html'><nav>alpha beta</nav>"
        f"<main>beta at runs/beta.html</main><footer>{title} alpha</footer>"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda pages, text: text.replace(START, ""), "dropped"),
        (lambda pages, text: text.replace(pages.title_token, pages.title_token.upper()), "altered"),
    ],
)
def test_a_theme_that_mangles_the_shell_is_refused(tmp_path: Path, change, message) -> None:
    pages = RunPages(_pages(), _render, _load)
    with pytest.raises(ValueError, match=message):
        pages.start(change(pages, _shell(pages)), str(tmp_path))
    assert not (tmp_path / "runs").exists()
