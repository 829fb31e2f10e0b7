"""The built site in headless Chromium: recorded payloads stay text, and the redis page shows."""

from __future__ import annotations

import datetime as dt
import html
import re
import signal
from pathlib import Path
from urllib.parse import urljoin

import pytest

from tests.conftest import RUNBOOKS
from tests.publish.browser import dump_dom, screenshot, serve
from tests.publish.conftest import make_run, mkdocs_build, record, text_of, write_site

pytestmark = [pytest.mark.browser, pytest.mark.slow]
RUNBOOK = "redis-connection-refused"

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
    pages = ["runbooks/redis-connection-refused/", f"runs/{RUNBOOK}.html", "catalog/"]
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


@pytest.mark.parametrize("theme", ["material", "mkdocs"])
def test_runbook_title_payloads_stay_text_on_runs_pages(tmp_path: Path, theme: str) -> None:
    # The runs pages put the runbook's title in the theme's head, the first through MkDocs and
    # the second written from it. (The runbook's own page shows its Markdown as written, HTML
    # included, so it stays out of the nav here and out of the check.)
    books = tmp_path / "books"
    books.mkdir()
    title = f"Payload </title>{SCRIPT} {IMG}"
    for name in ("a-payload", "b-payload"):
        body = f"# {title}\n\n## Fix\n\n```bash\necho fix\n```\n"
        (books / f"{name}.md").write_text(body, encoding="utf-8")
    store = tmp_path / "history.sqlite"
    record(store, make_run("pay01", "a-payload"), make_run("pay02", "b-payload"))
    config = write_site(tmp_path, books, theme=theme, history=store, catalog="catalog.md")
    config.write_text(config.read_text() + "nav: [index.md, catalog.md]\n")
    done = mkdocs_build(config, "--strict")
    assert done.returncode == 0, done.stderr
    site = tmp_path / "site"
    control = f"<html><head><title>Runs of {title}</title></head><body></body></html>"
    (site / "control.html").write_text(control)
    with serve(site) as base:
        assert _ran(dump_dom(base + "control.html", tmp_path / "profile")) == list(MARKS[:2])
        for path in ("runs/a-payload.html", "runs/b-payload.html", "catalog/"):
            dom = dump_dom(base + path, tmp_path / "profile")
            assert "rbk-" in dom, path
            assert _ran(dom) == [], path
            assert html.escape(title, quote=False) in dom, path
            if path.startswith("runs/"):
                assert f"<title>{html.escape(f'Runs of {title}', quote=False)} - " in dom


@pytest.mark.ssh
@pytest.mark.redis
def test_redis_page_shows_card_command_and_recorded_runs(tmp_path: Path, cli, redis_host) -> None:
    host = redis_host()
    host.service.stop(signal.SIGKILL)
    store = tmp_path / "history.sqlite"
    runs = [("diagnosis", []), ("fix", ["--yes"])]
    for section, extra in runs:
        done = cli(
            "run", RUNBOOK, "--section", section, *extra, *host.args, "--history", str(store)
        )
        assert "Traceback" not in done.stderr
    assert host.service.ping()  # the fix brought it back
    config = write_site(tmp_path, RUNBOOKS, theme="material", history=store, catalog="catalog.md")
    done = mkdocs_build(config, "--strict")
    assert done.returncode == 0, done.stderr
    with serve(tmp_path / "site") as base:
        url = f"{base}runbooks/{RUNBOOK}/"
        dom = dump_dom(url, tmp_path / "profile")
        shot = screenshot(url, tmp_path / "redis-page.png", tmp_path / "profile", "1280,9000")
        card = dom.split('class="rbk-card"', 1)[1].split("</div>", 1)[0]
        assert 'rbk-sev-high">high<' in card and "3-5 minutes" in card
        assert f"runbookkit run {RUNBOOK} --section fix" in text_of(dom)
        table = dom.split('class="rbk-history"', 1)[1].split("</table>", 1)[0]
        rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1])
        assert [re.search(r"<code>(\w+)</code>", row).group(1) for row in rows] == [
            "fix",
            "diagnosis",
        ]
        # The fix brought Redis back (a pass); the diagnosis of the dead Redis failed.
        assert 'rbk-badge rbk-ok">passed<' in rows[0], rows[0]
        assert 'rbk-badge rbk-bad">failed<' in rows[1], rows[1]
        link = re.search(r'href="([^"]+)"', rows[0]).group(1)
        run_dom = dump_dom(urljoin(url, link), tmp_path / "profile")
    assert shot.stat().st_size > 20_000
    run_text = text_of(run_dom)
    assert "systemctl start redis-server" in run_text
    assert "PONG" in run_text
    assert f"Redis Connection Refused - Runbook ({RUNBOOK})" in run_text
