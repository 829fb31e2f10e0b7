"""The built site in headless Chromium: recorded payloads stay text, and the redis page shows."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pytest

from tests.conftest import RUNBOOKS
from tests.publish.browser import dump_dom, serve
from tests.publish.conftest import make_run, mkdocs_build, record, write_site

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Each payload, if it ever ran, leaves a mark the DOM dump shows.
SCRIPT = "<script>document.title='PWNED-1'</script>"
IMG = "<img src=x onerror=\"document.body.setAttribute('data-pwned','2')\">"
TABLE = (
    "</table></div><script>document.body.appendChild(document.createElement('pwned-3'))</script>"
)
MARKS = ("<title>PWNED-1</title>", 'data-pwned="2"', "<pwned-3")


def _ran(dom: str) -> list[str]:
    """The marks of the payloads that ran (as text, the payloads never contain them)."""
    return [mark for mark in MARKS if mark in dom]


def _payload_run() -> object:
    return make_run(
        "xss01",
        section=f"fix{SCRIPT}",
        operator=f"mallory{TABLE}@host{IMG}",
        started=dt.datetime.now(dt.UTC),
        status="failed",
        steps=[
            {
                "title": f"Restart {IMG}",
                "commands": [f"echo '{SCRIPT}'"],
                "stdout": f"{SCRIPT}\n{IMG}\n{TABLE}\n",
                "stderr": TABLE,
                "expected": SCRIPT,
                "matched": False,
                "error": IMG,
                "status": "failed",
                "exit_code": 1,
            }
        ],
    )


@pytest.mark.parametrize("theme", ["material", "mkdocs"])
def test_recorded_payloads_are_text_and_never_run(tmp_path: Path, theme: str) -> None:
    store = tmp_path / "history.sqlite"
    record(store, _payload_run())
    config = write_site(tmp_path, RUNBOOKS, theme=theme, history=store, catalog="catalog.md")
    done = mkdocs_build(config, "--strict")
    assert done.returncode == 0, done.stderr
    site = tmp_path / "site"
    # A control page with the payloads unescaped proves the marks would show if they ran.
    (site / "control.html").write_text(f"<html><body>{SCRIPT}{IMG}<table>{TABLE}</body></html>")
    pages = ["runbooks/redis-connection-refused/", "runs/xss01/", "catalog/"]
    with serve(site) as base:
        assert _ran(dump_dom(base + "control.html", tmp_path / "profile")) == list(MARKS)
        for path in pages:
            dom = dump_dom(base + path, tmp_path / "profile")
            assert "rbk-" in dom, path
            assert _ran(dom) == [], path
            if path.startswith("runs/"):
                for payload in (SCRIPT, IMG, TABLE):
                    assert html.escape(payload, quote=False) in dom
            elif path.startswith("runbooks/"):
                assert html.escape(f"mallory{TABLE}@host", quote=False) in dom
