"""``mkdocs serve`` with the plugin: a run recorded while it serves shows up on the site."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import RUNBOOKS
from tests.publish.conftest import make_run, record, write_site

pytestmark = pytest.mark.slow
PAGE = "runbooks/redis-connection-refused/"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except (urllib.error.URLError, OSError):
        return ""


def _wait_for(url: str, text: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in _get(url):
            return True
        time.sleep(0.2)
    return False


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_run_recorded_while_serving_shows_up(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    store = tmp_path / "store" / "history.sqlite"
    if backend == "postgresql":  # polled, not watched as a file
        store = request.getfixturevalue("pg_url")
    record(store, make_run("first01", started=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)))
    config = write_site(tmp_path, RUNBOOKS, history=store)
    port = _free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "NO_COLOR": "1", "NO_MKDOCS_2_WARNING": "1"}
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "-f", str(config), "-a", f"127.0.0.1:{port}"],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/{PAGE}"
    try:
        assert _wait_for(url, "first01", 60), log.read_text()
        record(store, make_run("second02", started=dt.datetime.now(dt.UTC)))
        assert _wait_for(url, "second02", 30), log.read_text()
        assert "second02" in _get(f"http://127.0.0.1:{port}/runs/redis-connection-refused.html")
        # Reading the store must not set off the next rebuild.
        time.sleep(3)
        builds = log.read_text().count("Building documentation")
        time.sleep(3)
        assert log.read_text().count("Building documentation") == builds
    finally:
        server.terminate()
        server.wait(timeout=30)
