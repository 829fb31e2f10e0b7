"""The catalog table: what it says about each runbook, escaped."""

from __future__ import annotations

import datetime as dt
import html
import re

from runbookkit.parsing import parse_file, parse_text
from runbookkit.publish.catalog import Entry, catalog_table
from tests.conftest import DATA
from tests.publish.conftest import text_of

TODAY = dt.date(2026, 1, 1)


def _href(run: object) -> str:
    return "#"


def test_catalog_shows_summary_owner_tags_and_review() -> None:
    runbook = parse_file(DATA / "layouts" / "front-matter-team.md")
    table = catalog_table([Entry(runbook, "mail.html")], today=TODAY, href=_href, history=False)
    assert "Outgoing mail piles up in the postfix queue." in table
    cells = [text_of(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", table)]
    assert cells[2:6] == ["messaging", "—", "mail postfix", "2026-03-01"]
    assert "<th" in table and "MTTR target" in table
    assert '<tr data-tags="[&quot;mail&quot;, &quot;postfix&quot;]">' in table
    assert '<option value="mail">mail</option>' in table


def test_catalog_cells_carry_their_sort_values_and_the_last_failure() -> None:
    from tests.publish.conftest import make_run

    text = (
        "# Disk full\n\n**Severity:** critical\n**MTTR Target:** 10-20 minutes\n\n"
        "## Fix\n\n```bash\necho ok\n```\n"
    )
    run = make_run(
        "r1",
        "disk",
        status="failed",
        steps=[{"status": "failed", "title": "Clean", "exit_code": 2}],
    )
    entry = Entry(parse_text(text, runbook_id="disk"), "d.html", last_run=run, recent_runs=4)
    table = catalog_table([entry], today=TODAY, href=_href, reasons={"r1": "exit code 2: no space"})
    sorts = re.findall(r'data-sort="([^"]*)"', table)
    assert sorts[0] == "0" and sorts[3] == "20.0" and sorts[-1] == "4"
    last = text_of(re.findall(r"<td[^>]*>(.*?)</td>", table)[6])
    assert last.startswith("failed ") and "1. Clean" in last and "exit code 2: no space" in last


def test_catalog_escapes_what_the_front_matter_says() -> None:
    payload = "<script>alert(1)</script>"
    text = f"---\ntitle: T\nsummary: '{payload}'\nteam: '{payload}'\ntags: ['{payload}']\n---\n"
    table = catalog_table(
        [Entry(parse_text(text, runbook_id="x"), None)], today=TODAY, href=_href, history=False
    )
    assert payload not in table
    assert "<script" not in table
    cells = re.findall(r"<td[^>]*>(.*?)</td>", table)
    assert [html.escape(payload) in cell for cell in cells[1:5]] == [True, True, False, True]
