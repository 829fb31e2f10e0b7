"""Run history on the site: tables, runs pages, older versions, max_runs and the catalog."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import yaml

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
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page)
    row = next(r for r in rows if f"<code>{runbook_id}<" in r)
    return [text_of(cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]


def _rows(page: str) -> list[str]:
    table = page.split('class="rbk-history"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1])


def _sections(page: str) -> list[str]:
    """The run ids of the sections of a runs page, in order."""
    return re.findall(r'<details class="rbk-run" id="run-([^"]+)"', page)


def _section(page: str, run_id: str) -> str:
    return page.split(f'class="rbk-run" id="run-{run_id}"', 1)[1].split("</details>", 1)[0]


@pytest.mark.parametrize("theme", ["mkdocs", "material"])
def test_history_table_and_runs_page(tmp_path: Path, theme: str) -> None:
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
        f"../../runs/redis-connection-refused.html#run-{run.id}" for run in runs
    ]
    assert "older runbook version" in rows[3]
    assert all("older runbook version" not in row for row in rows[:3])
    assert "2. Test connection" in rows[3] and "alice@laptop" in rows[3]
    why = "expected 'PONG' not in the output, exit code 1: refused"
    assert why in text_of(rows[3])
    assert [p.name for p in (site / "runs").iterdir()] == ["redis-connection-refused.html"]
    runs_page = (site / "runs" / "redis-connection-refused.html").read_text()
    title = "Runs of Redis Connection Refused - Runbook"
    assert f"<title>{title} - Test runbooks</title>" in runs_page
    assert f"<h1>{title}</h1>" in runs_page
    assert "assets/runbookkit.css" in runs_page
    assert 'href="../runbooks/redis-connection-refused/"' in runs_page
    assert _sections(runs_page) == [run.id for run in runs]  # newest first
    summary = runs_page.split('class="rbk-history rbk-runs-summary"', 1)[1].split("</table>")[0]
    rows = re.findall(r"<tr class[^>]*>(.*?)</tr>", summary)
    assert [re.search(r'href="#run-([^"]+)"', row).group(1) for row in rows] == [
        run.id for run in runs
    ]
    assert f"2. Test connection{why}" in text_of(rows[3])
    # Collapsed, but the latest failure (the one a reader comes for).
    opened = re.findall(r'<details class="rbk-run" id="run-([^"]+)" open>', runs_page)
    assert opened == ["run09failed"]
    failed = _section(runs_page, "run09failed")
    text = text_of(failed)
    for expected in ("systemctl start redis-server", "exit code 1", "Could not connect to Redis"):
        assert expected in text
    assert "Expected PONG in the output: not found" in text
    assert "older runbook version" in failed
    assert all("older runbook version" not in _section(runs_page, r.id) for r in runs[:3])
    cells = _catalog_cells(site, "redis-connection-refused")
    assert cells[0] == "high"
    assert cells[3] == "3-5 minutes"
    assert cells[6] == f"passed {runs[0].started_at:%Y-%m-%d %H:%M} UTC"
    assert cells[7] == "3"  # the fourth run is older than 30 days
    catalog = (site / "catalog" / "index.html").read_text()
    assert f'href="../runs/redis-connection-refused.html#run-{runs[0].id}"' in catalog


def _books(root: Path, names: list[str]) -> Path:
    books = root / "books"
    books.mkdir(parents=True)
    for name in names:
        body = f"# {name.title()} <is> down & out\n\n## Fix\n\n```bash\necho {name}\n```\n"
        (books / f"{name}.md").write_text(body, encoding="utf-8")
    return books


@pytest.mark.parametrize("theme", ["mkdocs", "material", "readthedocs"])
def test_each_runbook_gets_its_own_runs_page(tmp_path: Path, theme: str) -> None:
    # The first runs page is rendered by the theme, the others written from it: the runbook ids
    # also occur in the navigation and on other pages, where they must stay as they are.
    books = _books(tmp_path, ["alpha", "beta", "gamma"])
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "alpha-notes.md").write_text("# alpha notes\n\nalpha beta gamma\n")
    runs = [
        make_run(f"{name}{n}", name, started=NOW - dt.timedelta(hours=n))
        for name in ("alpha", "beta")
        for n in range(2)
    ]
    store = tmp_path / "history.sqlite"
    record(store, *runs)
    config = write_site(tmp_path, books, theme=theme, history=store, catalog="catalog.md")
    settings = yaml.safe_load(config.read_text())
    settings["site_url"] = "https://docs.example.test/ops/"
    settings["plugins"].insert(0, "search")
    config.write_text(yaml.safe_dump(settings))
    done = mkdocs_build(config, "--strict")
    assert done.returncode == 0, done.stderr
    site = tmp_path / "site"
    assert sorted(p.name for p in (site / "runs").iterdir()) == ["alpha.html", "beta.html"]
    # Search and the sitemap know the theme-rendered one by its own title and URL.
    index = json.loads((site / "search" / "search_index.json").read_text())
    titles = {doc["location"]: doc["title"] for doc in index["docs"]}
    assert titles["runs/alpha.html"] == "Runs of Alpha &lt;is&gt; down &amp; out"
    assert "https://docs.example.test/ops/runs/alpha.html" in (site / "sitemap.xml").read_text()
    for path in site.rglob("*"):
        if path.suffix in (".html", ".json", ".xml"):
            assert "rbktitle" not in path.read_text() and "rbkname" not in path.read_text(), path
    for name in ("alpha", "beta"):
        page = (site / "runs" / f"{name}.html").read_text()
        title = f"Runs of {name.title()} &lt;is&gt; down &amp; out"
        assert f"<title>{title} - Test runbooks</title>" in page
        assert f"<h1>{title}</h1>" in page
        canonical = f'<link rel="canonical" href="https://docs.example.test/ops/runs/{name}.html"'
        assert canonical in page
        assert 'href="../alpha-notes/"' in page  # the navigation is the same on every page
        assert f'href="../books/{name}/"' in page
        assert _sections(page) == [f"{name}0", f"{name}1"]
        assert "rbktitle" not in page and "rbkname" not in page
    gamma = (site / "books" / "gamma" / "index.html").read_text()
    assert "No recorded runs yet." in gamma


def test_max_runs_limits_the_table_and_the_runs_page(tmp_path: Path) -> None:
    runs = [make_run(f"r{n:03d}", started=NOW - dt.timedelta(minutes=n)) for n in range(7)]
    site = _site(tmp_path, runs, max_runs=5)
    rows = _rows((site / "runbooks" / "redis-connection-refused" / "index.html").read_text())
    assert len(rows) == 5
    page = (site / "runs" / "redis-connection-refused.html").read_text()
    assert _sections(page) == [f"r{n:03d}" for n in range(5)]
    assert _catalog_cells(site, "redis-connection-refused")[7] == "7"  # all of them, not 5


def test_runs_of_unknown_runbooks_get_no_page_and_odd_run_ids_stay_text(tmp_path: Path) -> None:
    runs = [
        make_run("gone01", runbook_id="deleted-runbook"),
        make_run("../../escape", started=NOW - dt.timedelta(minutes=5)),
    ]
    site = _site(tmp_path, runs)
    assert [p.name for p in (site / "runs").iterdir()] == ["redis-connection-refused.html"]
    assert not (tmp_path / "escape").exists()
    rows = _rows((site / "runbooks" / "redis-connection-refused" / "index.html").read_text())
    assert len(rows) == 1
    link = re.search(r'href="([^"]+)"', rows[0]).group(1)
    anchor = link.split("#", 1)[1]
    assert re.fullmatch(r"run-_escape-[0-9a-f]{12}", anchor)
    page = (site / "runs" / "redis-connection-refused.html").read_text()
    run = f'<details class="rbk-run" id="{anchor}"><summary><span class="rbk-run-title">Run '
    assert f"{run}<code>../../escape</code>" in page


@pytest.mark.parametrize("name", ["odd name #1", "ünïcode", "a" * 81, "x?y=1&z"])
def test_runbook_ids_unsafe_in_a_url_get_a_safe_runs_page(tmp_path: Path, name: str) -> None:
    books = tmp_path / "books"
    books.mkdir()
    (books / f"{name}.md").write_text("# Odd one\n\n## Fix\n\n```bash\necho odd\n```\n")
    store = tmp_path / "history.sqlite"
    record(store, make_run("odd01", runbook_id=name))
    done = mkdocs_build(write_site(tmp_path, books, history=store), "--strict")
    assert done.returncode == 0, done.stderr
    (page,) = (tmp_path / "site" / "runs").iterdir()
    assert re.fullmatch(r"_[A-Za-z0-9-]*[0-9a-f]{12}\.html", page.name)
    assert _sections(page.read_text()) == ["odd01"]
    runbook = next((tmp_path / "site").glob("books/*/index.html")).read_text()
    assert f'href="../../runs/{page.name}#run-odd01"' in runbook


def test_use_directory_urls_off(tmp_path: Path) -> None:
    runs = [make_run(f"x{n}", started=NOW - dt.timedelta(minutes=n)) for n in range(2)]
    store = tmp_path / "history.sqlite"
    record(store, *runs)
    config = write_site(tmp_path, RUNBOOKS, history=store)
    config.write_text(config.read_text() + "use_directory_urls: false\n")
    assert mkdocs_build(config, "--strict").returncode == 0
    page = (tmp_path / "site" / "runbooks" / "redis-connection-refused.html").read_text()
    for run in runs:
        assert f'href="../runs/redis-connection-refused.html#run-{run.id}"' in page
    runs_page = (tmp_path / "site" / "runs" / "redis-connection-refused.html").read_text()
    assert _sections(runs_page) == ["x0", "x1"]
    assert 'href="../runbooks/redis-connection-refused.html"' in runs_page


def test_recorded_dry_run_is_marked(tmp_path: Path) -> None:
    runs = [make_run("dry01", dry_run=True), make_run("real01", started=NOW - dt.timedelta(days=1))]
    site = _site(tmp_path, runs)
    rows = _rows((site / "runbooks" / "redis-connection-refused" / "index.html").read_text())
    assert ["dry run" in row for row in rows] == [True, False]
    page = (site / "runs" / "redis-connection-refused.html").read_text()
    assert ["dry run" in _section(page, r) for r in ("dry01", "real01")] == [True, False]
    assert _catalog_cells(site, "redis-connection-refused")[6].startswith("passed dry run")


def test_history_from_the_environment_when_the_option_is_unset(tmp_path: Path) -> None:
    store = tmp_path / "elsewhere.sqlite"
    record(store, make_run("env01"))
    config = write_site(tmp_path, RUNBOOKS)
    config.write_text(config.read_text().replace(str(tmp_path / "no-history.sqlite"), ""))
    env = {"RUNBOOKKIT_HISTORY": str(store)}
    assert mkdocs_build(config, "--strict", env=env).returncode == 0
    page = tmp_path / "site" / "runs" / "redis-connection-refused.html"
    assert _sections(page.read_text()) == ["env01"]


def test_history_from_pyproject_when_the_option_is_unset(tmp_path: Path) -> None:
    """The site reads the store `runbookkit run` records to when [tool.runbookkit] names it."""
    record(tmp_path / "ops" / "runs.sqlite", make_run("toml01"))
    table = '[tool.runbookkit]\nhistory = "ops/runs.sqlite"\n'
    (tmp_path / "pyproject.toml").write_text(table, encoding="utf-8")
    config = write_site(tmp_path, RUNBOOKS)
    config.write_text(config.read_text().replace(str(tmp_path / "no-history.sqlite"), ""))
    assert mkdocs_build(config, "--strict", env={"RUNBOOKKIT_HISTORY": ""}).returncode == 0
    page = tmp_path / "site" / "runs" / "redis-connection-refused.html"
    assert _sections(page.read_text()) == ["toml01"]


def test_fleet_run_hosts_in_the_table_and_on_the_runs_page(tmp_path: Path) -> None:
    steps = [
        {"host": host, "number": number, "status": "failed" if host == "web-2" else "passed"}
        for number in (1, 2)
        for host in ("web-1", "web-2")
    ]
    site = _site(tmp_path, [make_run("fleet01", steps=steps, status="failed")])
    rows = _rows((site / "runbooks" / "redis-connection-refused" / "index.html").read_text())
    assert "2 hosts, 1 failed (web-2)" in rows[0]
    page = (site / "runs" / "redis-connection-refused.html").read_text()
    assert "<dt>Hosts</dt><dd>2 hosts, 1 failed (web-2)</dd>" in _section(page, "fleet01")
    assert text_of(_section(page, "fleet01")).count("(host web-2)") == 2


def test_a_record_stored_unmasked_elsewhere_shows_no_secret_shape_on_the_site(
    tmp_path: Path,
) -> None:
    key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEsecretkeybody\n-----END RSA PRIVATE KEY-----"
    step = {
        "commands": ["PGPASSWORD=hunter2xyz psql -c 'select 1'"],
        "status": "failed",
        "stdout": f'{{"password": "hunter2xyz"}}\n{key}\n',
        "stderr": "GITHUB_TOKEN=ghp_hunter2xyz",
    }
    site = _site(tmp_path, [make_run("leak01", status="failed", steps=[step])])
    pages = "".join(path.read_text("utf-8") for path in site.rglob("*.html"))
    assert "leak01" in pages
    assert "hunter2xyz" not in pages and "MIIEsecretkeybody" not in pages


def test_the_site_reads_a_postgresql_store(tmp_path: Path, pg_url: str) -> None:
    from tests.support.postgres import PASSWORD

    runs = [
        make_run(f"pg{n:02d}run", sha256=SHA, started=NOW - dt.timedelta(hours=n)) for n in (1, 2)
    ]
    runs.append(
        make_run(
            "pg09fleet",
            sha256=SHA,
            started=NOW,
            status="failed",
            steps=[
                {"host": "web-1"},
                {"host": "web-2", "status": "failed", "exit_code": 1},
            ],
        )
    )
    record(pg_url, *runs)  # type: ignore[arg-type]
    config = write_site(tmp_path, RUNBOOKS, history=pg_url, catalog="catalog.md")  # type: ignore[arg-type]
    done = mkdocs_build(config, "--strict")
    assert done.returncode == 0, done.stderr
    site = tmp_path / "site"
    page = (site / "runbooks" / "redis-connection-refused" / "index.html").read_text()
    rows = _rows(page)
    assert [re.search(r"pg\d\d\w+", row).group(0) for row in rows] == [  # type: ignore[union-attr]
        "pg09fleet",
        "pg01run",
        "pg02run",
    ]
    assert "web-2" in rows[0]
    assert PASSWORD not in done.stderr + "".join(p.read_text() for p in site.rglob("*.html"))
