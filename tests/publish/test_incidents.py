"""Incidents on the site, from a real ``mkdocs build``: the runbook page's section, the Incidents
page, the incident on a diagnosis run's section and the catalog's columns."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from runbookkit.alerts.event import AlertEvent, AlertSource, AlertState
from runbookkit.history import open_store
from runbookkit.history.incidents import DIAGNOSIS, acknowledge, link_run, record_alert, resolve
from runbookkit.parsing import parse_file
from tests.conftest import REDIS, RUNBOOKS
from tests.publish.conftest import make_run, mkdocs_build, record, text_of, write_site

pytestmark = pytest.mark.slow
RUNBOOK = "redis-connection-refused"  # MTTR Target 3-5 minutes
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def alert(key: str, ago: float, **labels: str) -> AlertEvent:
    """A firing alert whose impact began ``ago`` minutes ago."""
    return AlertEvent(
        source=AlertSource.alertmanager,
        state=AlertState.firing,
        key=key,
        name="RedisDown",
        received_at=NOW - dt.timedelta(minutes=ago - 0.5),
        starts_at=NOW - dt.timedelta(minutes=ago),
        labels=labels,
    )


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A site whose history holds a diagnosis run and three incidents of the Redis runbook
    (resolved in 4 and 20 minutes, one open), one unrouted, and one 40 days old."""
    store = tmp_path / "history.sqlite"
    sha = parse_file(REDIS).sha256
    record(store, make_run("diag0001run", sha256=sha, section="diagnosis"))
    with open_store(store, readonly=False) as history:
        fast = record_alert(history, alert("fast", 200, instance="cache-1"), RUNBOOK)
        resolve(history, fast.id, "ops", at=fast.started_at + dt.timedelta(minutes=4))
        slow = record_alert(history, alert("slow", 100, instance="cache-2"), RUNBOOK)
        acknowledge(history, slow.id, "alice", at=slow.started_at + dt.timedelta(minutes=2))
        resolve(history, slow.id, "ops", at=slow.started_at + dt.timedelta(minutes=20))
        old = record_alert(history, alert("old", 40 * 1440), RUNBOOK)
        resolve(history, old.id, "ops", at=old.started_at + dt.timedelta(minutes=1))
        now = record_alert(history, alert("now", 10, instance="<b>cache-3</b>"), RUNBOOK)
        link_run(history, now.id, "diag0001run", DIAGNOSIS)
        record_alert(history, alert("lost", 5), None)
    (tmp_path / "ids.txt").write_text(f"{now.id} {slow.id}")
    config = write_site(tmp_path, RUNBOOKS, history=store, catalog="catalog.md")
    done = mkdocs_build(config, "--strict")
    assert done.returncode == 0, done.stderr
    return tmp_path


def ids(site: Path) -> list[str]:
    return (site / "ids.txt").read_text().split()


def test_the_runbook_page_shows_open_incidents_the_last_timeline_and_mttr(site: Path) -> None:
    page = (site / "site" / "runbooks" / RUNBOOK / "index.html").read_text()
    section = page.split('class="rbk-incidents"', 1)[1]
    text = text_of(section)
    now, _ = ids(site)
    assert "4 incidents, 1 open." in text
    # 1, 4 and 20 minutes: the median is 4, p90 16.8 minutes; 1 and 4 are within 3-5 minutes.
    assert "median 4 min 00 s, p90 16 min 48 s (target 3-5 minutes; 2 of 3 within it)" in text
    assert f"Open incidents:{now}" in text.replace("\n", "")
    assert "&lt;b&gt;cache-3&lt;/b&gt;" in section and "<b>cache-3" not in section
    assert f"Last incident {now} RedisDown open" in text
    timeline = section.split('class="rbk-timeline"', 1)[1].split("</ol>", 1)[0]
    assert re.findall(r"<strong>(\w+)</strong>", timeline) == ["started", "detected"]
    assert "(+30.0 s)" in timeline
    assert "../../incidents/#incident-" in section


def test_the_incidents_page_lists_all_newest_first(site: Path) -> None:
    page = (site / "site" / "incidents" / "index.html").read_text()
    rows = re.findall(r'<tr id="incident-([^"]+)">(.*?)</tr>', page)
    assert len(rows) == 5 and rows[1][0] == ids(site)[0]
    cells = [text_of(c) for c in re.findall(r"<td>(.*?)</td>", rows[1][1])]
    assert cells[2:5] == ["RedisDown", RUNBOOK, "open"]
    assert "instance=<b>cache-3</b>" in cells[7] and "diagnosis diag0001ru" in cells[8]
    assert f"runs/{RUNBOOK}.html#run-diag0001run" in rows[1][1]
    assert "unrouted" in text_of(rows[0][1])
    slow = next(row for key, row in rows if key == ids(site)[1])
    slow_cells = [text_of(c) for c in re.findall(r"<td>(.*?)</td>", slow)]
    assert slow_cells[4:7] == ["resolved", "2 min 00 s", "20 min 00 s over target"]


def test_a_diagnosis_run_links_to_its_incident_with_the_alert_labels(site: Path) -> None:
    page = (site / "site" / "runs" / f"{RUNBOOK}.html").read_text()
    run = page.split('id="run-diag0001run"', 1)[1].split("</section>", 1)[0]
    assert f"incidents/#incident-{ids(site)[0]}" in run
    assert "<dt>Alert</dt>" in run and "instance=&lt;b&gt;cache-3&lt;/b&gt;" in run


def test_the_catalog_counts_incidents_of_30_days_and_within_target(site: Path) -> None:
    page = (site / "site" / "catalog" / "index.html").read_text()
    assert "<th>Incidents (30 days)</th><th>Within MTTR target</th>" in page
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", page) if f"<code>{RUNBOOK}<" in r)
    cells = [text_of(cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row)]
    assert cells[-2:] == ["3", "1 of 2"]  # the old one is past 30 days


def test_a_site_without_incidents_has_no_incident_parts(tmp_path: Path) -> None:
    store = tmp_path / "history.sqlite"
    record(store, make_run("run0001"))
    config = write_site(tmp_path, RUNBOOKS, history=store, catalog="catalog.md")
    done = mkdocs_build(config, "--strict")
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "site" / "incidents").exists()
    assert "Incidents (30 days)" not in (tmp_path / "site" / "catalog" / "index.html").read_text()
    page = (tmp_path / "site" / "runbooks" / RUNBOOK / "index.html").read_text()
    assert "rbk-incidents" not in page
