"""Patterns that need Python's re run in a worker with a time limit per line."""

from __future__ import annotations

import json
import time
from pathlib import Path

from runbookkit.match import Matcher, Route
from tests.support.runbooks import write_runbook

CATASTROPHIC = r"(\w+)+(?=;)"  # RE2 refuses the lookahead; re backtracks 2**30 times below
LINE = "a" * 30 + "!"


def _route(name: str, pattern: str) -> Route:
    return Route(id=name, pattern=pattern, severity="high", mttr=None, title=name, rank=0)


def test_a_pattern_out_of_time_is_turned_off_and_the_others_go_on() -> None:
    matcher = Matcher([_route("slow", CATASTROPHIC), _route("look", r"timeout(?= after)")])
    seen: list[str] = []
    matcher.warn = seen.append
    log = f"abc;\n{LINE}\ntimeout after 5s\nxyz;\n"
    started = time.monotonic()
    found = [(m.route.id, m.line) for m in matcher.match(log, "app.log")]
    assert time.monotonic() - started < 5
    assert found == [("slow", 1), ("look", 3)]  # slow is off after line 2
    (warning,) = seen
    assert "runbook 'slow'" in warning and "line 2 of app.log" in warning
    assert warning in matcher.warnings
    # The worker that took over still serves the next scan.
    assert [m.route.id for m in matcher.match("timeout after 1s\nq;\n")] == ["look"]


def test_match_cli_returns_with_a_warning(cli, runbooks_dir: Path, tmp_path: Path) -> None:
    slow = write_runbook(runbooks_dir, name="slow", pattern=CATASTROPHIC)
    write_runbook(runbooks_dir, name="disk", pattern="disk full")
    log = tmp_path / "app.log"
    log.write_text(f"{LINE}\ndisk full\n")
    started = time.monotonic()
    args = ["match", "--runbooks-dir", str(runbooks_dir), "--json"]
    # A process of its own: a pattern stuck in re's C code cannot be interrupted, only killed.
    result = cli(*args, "--file", str(log), timeout=60, subprocess=True)
    assert time.monotonic() - started < 15
    assert [json.loads(x)["runbook"] for x in result.stdout.splitlines()] == ["disk"]
    assert f"{slow}:3: warning: runbook 'slow': its Pattern ran longer than 1s on line 1" in (
        result.stderr
    )
    piped = cli(*args, "-", input=f"{LINE}\ndisk full\n", timeout=60, subprocess=True)
    assert [json.loads(x)["runbook"] for x in piped.stdout.splitlines()] == ["disk"]
    assert "on line 1 of -" in piped.stderr
