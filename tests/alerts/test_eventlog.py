"""The receiver's log lines: plain text, or one JSON object per event."""

from __future__ import annotations

import io
import json

from runbookkit.alerts.eventlog import EventLog
from tests.conftest import run_cli


def test_plain_lines_quote_what_holds_spaces_and_leave_out_none() -> None:
    out = io.StringIO()
    EventLog(stream=out)("rejected", status=403, reason="wrong bearer token", host=None)
    EventLog(stream=out)("routed", alert="A\nB", rule="name")
    first, second = out.getvalue().splitlines()
    assert first.endswith(' rejected status=403 reason="wrong bearer token"')
    assert second.endswith(' routed alert="A\\nB" rule=name')


def test_json_is_one_object_per_event() -> None:
    out = io.StringIO()
    log = EventLog(as_json=True, stream=out)
    log("listening", url="http://127.0.0.1:1")
    log("run started", run="r1", host=None)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(e["event"], e.get("run")) for e in lines] == [
        ("listening", None),
        ("run started", "r1"),
    ]
    assert "host" not in lines[1] and lines[0]["time"].endswith("+00:00")


def test_serve_has_help() -> None:
    result = run_cli("serve", "--help")
    assert result.returncode == 0 and "Usage:" in result.stdout
    for flag in ("--host", "--port", "--token-file", "--pagerduty-secret-file", "--json"):
        assert flag in result.stdout
