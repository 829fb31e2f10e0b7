"""Partial runs on the site: the history table, the runs page and the catalog's last run say
"partial", and a partial run that passed is never shown as the section passing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.history.test_partial import RUNBOOK, run_into
from tests.publish.conftest import mkdocs_build, text_of, write_site
from tests.publish.test_history import _catalog_cells, _rows, _section

pytestmark = pytest.mark.slow


def test_a_partial_run_is_published_as_partial(tmp_path: Path) -> None:
    books = tmp_path / "runbooks"
    books.mkdir()
    (books / "demo.md").write_text(RUNBOOK, encoding="utf-8")
    store = tmp_path / "history.sqlite"
    whole = run_into(store, books / "demo.md", "fix")
    resumed = run_into(store, books / "demo.md", "fix", start=2)
    single = run_into(store, books / "demo.md", "fix", only=3)
    config = write_site(tmp_path, books, history=store, catalog="catalog.md")
    done = mkdocs_build(config, "--strict")
    assert done.returncode == 0, done.stderr
    site = tmp_path / "site"

    rows = _rows((site / "runbooks" / "demo" / "index.html").read_text())
    assert len(rows) == 3  # newest first: the single step, the resumed run, the whole run
    cells = [[text_of(c).strip() for c in re.findall(r"<td>(.*?)</td>", row)] for row in rows]
    assert [(c[2], c[3]) for c in cells] == [
        ("fix, step 3 of 3 only", "partial: passed"),
        ("fix, steps 2–3 of 3 only", "partial: passed"),
        ("fix", "passed"),
    ]
    assert ["rbk-ok" in row for row in rows] == [False, False, True]

    page = (site / "runs" / "demo.html").read_text()
    facts = text_of(_section(page, single.run_id))
    assert "Sectionfix, step 3 of 3 only" in facts
    assert "Statuspartial: passed step 3 of 3 exit code 0" in facts
    assert "Statuspartial: failed" not in facts and "Statuspassed" not in facts
    assert "Statuspartial: passed steps 2–3 of 3" in text_of(_section(page, resumed.run_id))
    assert "Statuspassed exit code 0" in text_of(_section(page, whole.run_id))

    last_run = _catalog_cells(site, "demo")[6]
    assert last_run.startswith("partial: passed step 3 of 3 ")
    assert 'rbk-ok">passed' not in (site / "catalog" / "index.html").read_text()
