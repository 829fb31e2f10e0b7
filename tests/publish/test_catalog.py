"""The catalog table: what it says about each runbook, escaped."""

from __future__ import annotations

import datetime as dt
import html

from runbookkit.parsing import parse_file, parse_text
from runbookkit.publish.catalog import Entry, catalog_table
from tests.conftest import DATA

TODAY = dt.date(2026, 1, 1)


def _href(run: object) -> str:
    return "#"


def test_catalog_shows_summary_owner_tags_and_review() -> None:
    runbook = parse_file(DATA / "layouts" / "front-matter-team.md")
    table = catalog_table([Entry(runbook, "mail.html")], today=TODAY, href=_href, history=False)
    assert "Outgoing mail piles up in the postfix queue." in table
    assert "owner: messaging" in table and "tags: mail, postfix" in table
    assert "2026-03-01" in table


def test_catalog_escapes_what_the_front_matter_says() -> None:
    payload = "<script>alert(1)</script>"
    text = f"---\ntitle: T\nsummary: '{payload}'\nteam: '{payload}'\ntags: ['{payload}']\n---\n"
    table = catalog_table(
        [Entry(parse_text(text, runbook_id="x"), None)], today=TODAY, href=_href, history=False
    )
    assert payload not in table
    assert table.count(html.escape(payload)) == 3
