"""Run history on the site: tables, run pages, older versions, max_runs and the catalog."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from runbookkit.parsing import parse_file
from tests.conftest import REDIS, RUNBOOKS
from tests.publish.conftest import make_run, mkdocs_build, record, text_of, write_site

pytestmark = pytest.mark.slow
SHA = parse_file(REDIS).sha256
NOW = dt.datetime.now(dt.UTC)


def _site(tmp_path: Path, runs: list, **options: object) -> Path:
    store = tmp_path / "history.sqlite"
    record(store, *runs)
    config = write_site(tmp_path, RUNBOOKS, history=store, catalog="catalog.md", **options)
    done = mkdocs_build(config, "--strict")
    assert done.returncode == 0, done.stderr
    return tmp_path / "site"


def _catalog_cells(site: Path, runbook_id: str) -> list[str]:
    page = (site / "catalog" / "index.html").read_text()
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", page) if f"<code>{runbook_id}<" in r)
    return [text_of(cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row)]


def _rows(page: str) -> list[str]:
    table = page.split('class="rbk-history"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1])


@pytest.mark.parametrize("theme", ["mkdocs", "material"])
def test_history_table_and_run_pages(tmp_path: Path, theme: str) -> None:
    runs = [
        make_run(f"run{n:02d}aaaa", sha256=SHA, started=NOW - dt.timedelta(hours=n))
        for n in range(3)
    ]
    runs.append(
        make_run(
            "run09failed",
            sha256="f" * 64,
            started=NOW - dt.timedelta(days=40),
            operator="alice@laptop",
            status="failed",
            steps=[
                {"commands": ["systemctl start redis-server"]},
                {
                    "title": "Test connection",
                    "status": "failed",
                    "exit_code": 1,
                    "expected": "PONG",
                    "matched": False,
                    "stdout": "Could not connect to Redis",
                    "stderr": "refused",
                },
            ],
        )
    )
    site = _site(tmp_path, runs, theme=theme)
    page = (site / "runbooks" / "redis-connection-refused" / "index.html").read_text()
    rows = _rows(page)
    assert len(rows) == 4
    assert [re.search(r'href="([^"]+)"', row).group(1) for row in rows] == [
        "../../runs/run00aaaa.html",
        "../../runs/run01aaaa.html",
        "../../runs/run02aaaa.html",
        "../../runs/run09failed.html",
    ]
    assert "older runbook version" in rows[3]
    assert all("older runbook version" not in row for row in rows[:3])
    assert "2. Test connection" in rows[3] and "alice@laptop" in rows[3]
    failed = (site / "runs" / "run09failed.html").read_text()
    text = text_of(failed)
    for expected in ("systemctl start redis-server", "exit code 1", "Could not connect to Redis"):
        assert expected in text
    assert "Expected PONG in the output: not found" in text
    assert 'href="../runbooks/redis-connection-refused/"' in failed
    for run in runs:  # every listed run has a page in the theme, with its own title
        run_page = (site / "runs" / f"{run.id}.html").read_text()
        assert f"<title>Run {run.id} - Test runbooks</title>" in run_page
        assert "assets/runbookkit.css" in run_page
    cells = _catalog_cells(site, "redis-connection-refused")
    assert cells[1] == "high"
    assert cells[4] == f"passed {runs[0].started_at:%Y-%m-%d %H:%M} UTC"
    assert cells[5] == "3"  # the fourth run is older than 30 days


def test_max_runs_limits_the_table_and_the_run_pages(tmp_path: Path) -> None:
    runs = [make_run(f"r{n:03d}", started=NOW - dt.timedelta(minutes=n)) for n in range(7)]
    site = _site(tmp_path, runs, max_runs=5)
    rows = _rows((site / "runbooks" / "redis-connection-refused" / "index.html").read_text())
    assert len(rows) == 5
    assert sorted(p.name for p in (site / "runs").iterdir()) == [f"r{n:03d}.html" for n in range(5)]
    assert _catalog_cells(site, "redis-connection-refused")[5] == "7"  # all of them, not 5


def test_runs_of_unknown_runbooks_and_unsafe_ids_get_no_page(tmp_path: Path) -> None:
    runs = [make_run("gone01", runbook_id="deleted-runbook"), make_run("../../escape")]
    site = _site(tmp_path, runs)
    assert not (site / "runs").exists()
    assert not (tmp_path / "escape").exists()
    rows = _rows((site / "runbooks" / "redis-connection-refused" / "index.html").read_text())
    assert len(rows) == 1 and "href" not in rows[0]


def test_use_directory_urls_off(tmp_path: Path) -> None:
    runs = [make_run(f"x{n}", started=NOW - dt.timedelta(minutes=n)) for n in range(2)]
    store = tmp_path / "history.sqlite"
    record(store, *runs)
    config = write_site(tmp_path, RUNBOOKS, history=store)
    config.write_text(config.read_text() + "use_directory_urls: false\n")
    assert mkdocs_build(config, "--strict").returncode == 0
    page = (tmp_path / "site" / "runbooks" / "redis-connection-refused.html").read_text()
    assert 'href="../runs/x0.html"' in page and 'href="../runs/x1.html"' in page
    assert (tmp_path / "site" / "runs" / "x1.html").is_file()


def test_recorded_dry_run_is_marked(tmp_path: Path) -> None:
    runs = [make_run("dry01", dry_run=True), make_run("real01", started=NOW - dt.timedelta(days=1))]
    site = _site(tmp_path, runs)
    rows = _rows((site / "runbooks" / "redis-connection-refused" / "index.html").read_text())
    assert ["dry run" in row for row in rows] == [True, False]
    assert "dry run" in (site / "runs" / "dry01.html").read_text()
    assert _catalog_cells(site, "redis-connection-refused")[4].startswith("passed dry run")


def test_history_from_the_environment_when_the_option_is_unset(tmp_path: Path) -> None:
    store = tmp_path / "elsewhere.sqlite"
    record(store, make_run("env01"))
    config = write_site(tmp_path, RUNBOOKS)
    config.write_text(config.read_text().replace(str(tmp_path / "no-history.sqlite"), ""))
    env = {"RUNBOOKKIT_HISTORY": str(store)}
    assert mkdocs_build(config, "--strict", env=env).returncode == 0
    assert (tmp_path / "site" / "runs" / "env01.html").is_file()
