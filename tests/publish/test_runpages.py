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
    assert re.findall(r'<section class="rbk-run" id="([^"]+)"', out) == ["run-new01", "run-old01"]
    assert '<a href="../r/">Redis &lt;down&gt;</a>' in out
    assert "&lt;b&gt;eve&lt;/b&gt;" in out and "<b>eve" not in out
    old = out.split('id="run-old01"', 1)[1]
    assert "older runbook version" in old
    assert "older runbook version" not in out.split('id="run-old01"', 1)[0]


@pytest.mark.parametrize(("linked", "expected"), [(True, '<a href="#run-old01">'), (False, "")])
def test_rollback_links_only_to_a_run_on_the_page(linked: bool, expected: str) -> None:
    run = make_run("new01", started=NOW)
    run.rollback_of = "old01"
    out = runs.run_section(run, on_page={"new01", "old01"} if linked else {"new01"}, sha256=None)
    assert "<dt>Rollback of</dt><dd>" + expected + "<code>old01</code>" in out


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
