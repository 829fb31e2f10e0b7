"""``runbookkit serve`` as a real process: every bad request, each source, health and metrics."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runbookkit.history import open_store
from tests.alerts.test_payloads import alertmanager
from tests.conftest import run_cli
from tests.support.serve import TOKEN, Serve

PD_SECRET = "pd-signing-secret-for-tests"
RUNBOOK = """# Redis down

**Pattern:** `(?i)redis.*down`

## Diagnosis

```bash
# Step 1: Say what fired
echo "alert for job=$JOB instance=$instance"
```
"""


@pytest.fixture(scope="module")
def where(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("serve")
    (root / "runbooks").mkdir()
    (root / "runbooks" / "redis-down.md").write_text(RUNBOOK)
    (root / "pd-secret").write_text(PD_SECRET + "\n")
    return root


@pytest.fixture(scope="module")
def server(where: Path) -> Iterator[Serve]:
    started = Serve.start(
        "--runbooks-dir",
        str(where / "runbooks"),
        "--history",
        str(where / "history.sqlite"),
        "--pagerduty-secret-file",
        str(where / "pd-secret"),
    )
    yield started
    started.stop()
    assert started.stderr == []  # nothing but the log: never a traceback


def signed(body: bytes, secret: str = PD_SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-PagerDuty-Signature": f"v1=0000,v1={digest}"}


def pagerduty(kind: str, event_id: str, incident: str = "PINC1") -> bytes:
    return json.dumps(
        {
            "event": {
                "id": event_id,
                "event_type": kind,
                "occurred_at": "2026-01-02T03:05:00Z",
                "data": {"id": incident, "title": "RedisDown on shop", "status": "triggered"},
            }
        }
    ).encode()


def announced(server: Serve, length: str) -> tuple[int, dict[str, Any]]:
    """POST announcing a body of ``length`` bytes, and read the answer before sending any."""
    host, port = server.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.putrequest("POST", "/")
        conn.putheader("Authorization", f"Bearer {TOKEN}")
        conn.putheader("Content-Length", length)
        conn.endheaders()
        response = conn.getresponse()
        raw = response.read()
        try:
            return response.status, json.loads(raw)
        except ValueError:  # not our answer: the HTTP parser's own
            return response.status, {"error": raw.decode(errors="replace")}
    finally:
        conn.close()


def rejected(server: Serve, status: int, count: int = 1) -> dict[str, Any]:
    return server.wait_for(lambda e: e["event"] == "rejected" and e["status"] == status, 5, count)


def test_it_listens_on_loopback_by_default(server: Serve) -> None:
    assert server.url.startswith("http://127.0.0.1:")


def test_an_alertmanager_alert_runs_the_diagnosis_with_its_labels(
    server: Serve, where: Path
) -> None:
    body = alertmanager(fingerprint="am-1")
    alert: dict[str, Any] = body["alerts"][0]  # type: ignore[index]
    alert["labels"] = {"alertname": "RedisDown", "job": "redis", "instance": "c:1"}
    alert["annotations"] = {"runbook_url": "https://wiki.example/runbooks/redis-down.md"}
    assert server.post(body, path="/alertmanager") == (
        202,
        {"alerts": 1, "queued": 1, "repeats": 0},
    )
    routed = server.wait_for(lambda e: e["event"] == "routed" and e["key"] == "am-1")
    assert (routed["runbook"], routed["rule"]) == ("redis-down", "runbook_url")
    done = server.wait_for(lambda e: e["event"] == "run finished" and e["runbook"] == "redis-down")
    assert done["status"] == "passed"
    with open_store(where / "history.sqlite") as store:
        run = store.get_run(done["run"])
    assert run.operator == "alert:RedisDown"
    assert run.steps[0].stdout == "alert for job=redis instance=c:1\n"
    # Still firing: counted, not run again.
    body["groupKey"] = "again"
    assert server.post(body)[1] == {"alerts": 1, "queued": 0, "repeats": 1}


def test_grafana_and_generic_alerts(server: Serve) -> None:
    grafana = alertmanager(fingerprint="gf-1", dashboardURL="http://grafana/d/1", values={"B": 0})
    grafana.update(orgId=1, version="1")
    grafana["alerts"][0]["annotations"] = {"summary": "redis is down"}  # type: ignore[index]
    assert server.post(grafana, path="/grafana")[0] == 202
    routed = server.wait_for(lambda e: e["event"] == "routed" and e["key"] == "gf-1")
    assert routed["rule"] == "name"
    # Its runbook reads $JOB, which this alert has no label for: the run cannot start.
    refused = server.wait_for(lambda e: e["event"] == "run not started")
    assert "needs a value for JOB" in refused["message"]
    status, summary = server.post({"message": "nothing known", "labels": {"x": "1"}})
    assert (status, summary["queued"]) == (202, 0)
    server.wait_for(lambda e: e["event"] == "unrouted")


def test_pagerduty_is_checked_by_its_signature(server: Serve) -> None:
    body = pagerduty("incident.triggered", "EV1")
    assert server.post(body, headers=signed(body), token=None)[0] == 202
    routed = server.wait_for(lambda e: e["event"] == "routed" and e["key"] == "PINC1")
    assert routed["rule"] == "pattern"
    other = pagerduty("incident.acknowledged", "EV2")
    assert server.post(other, headers=signed(other, "wrong"), token=None)[0] == 403
    assert "signature does not match" in rejected(server, 403)["reason"]
    # The same event again, even signed, is a replay.
    assert server.post(body, headers=signed(body), token=None)[0] == 409
    rejected(server, 409)
    acked = pagerduty("incident.acknowledged", "EV3")
    assert server.post(acked, headers=signed(acked), token=None)[0] == 202
    acked_line = server.wait_for(lambda e: e["event"] == "acknowledged" and e["key"] == "PINC1")
    assert acked_line["incident"] == routed["incident"]
    resolved = pagerduty("incident.resolved", "EV4")
    assert server.post(resolved, headers=signed(resolved), token=None)[0] == 202
    done = server.wait_for(lambda e: e["event"] == "resolved" and e["key"] == "PINC1")
    assert done["incident"] == routed["incident"] and done["mttr"] is not None


def test_every_bad_request_is_refused_with_one_line(server: Serve) -> None:
    ok = json.dumps({"message": "m", "labels": {"alertname": "Other"}}).encode()
    cases = [
        (server.post(ok, token=None), 401, "no bearer token"),
        (server.post(ok, token=None, headers={"Authorization": "Basic eDp5"}), 401, "not a bearer"),
        (server.post(ok, token="guess"), 403, "wrong bearer token"),
        (server.post(b"{not json"), 400, "the body is not JSON"),
        (server.post(b'{"alerts": [{"status": "odd"}]}'), 400, "alerts[0].status"),
        (announced(server, str(2 << 20)), 413, "over 1048576 bytes (Content-Length 2097152)"),
    ]
    for (status, body), expected, words in cases:
        assert status == expected, (status, body)
        assert words in body["error"]
    for code in (400, 401, 403, 413):
        rejected(server, code)
    # A Content-Length that is not a number never reaches the receiver: the HTTP parser says 400.
    assert announced(server, "12abc")[0] == 400


def test_a_body_streamed_past_the_limit_is_refused(server: Serve) -> None:
    host, port = server.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    chunks = (b"x" * 65536 for _ in range(20))
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    conn.request("POST", "/", body=chunks, headers=headers, encode_chunked=True)
    response = conn.getresponse()
    assert response.status == 413
    assert json.loads(response.read())["error"] == "body over 1048576 bytes"
    conn.close()


def test_the_same_body_and_timestamp_is_a_replay(server: Serve) -> None:
    body = json.dumps({"message": "replay me", "labels": {"alertname": "Other"}}).encode()
    stamp = {"X-Request-Timestamp": "1767322800"}
    assert server.post(body, headers=stamp)[0] == 202
    assert server.post(body, headers=stamp)[0] == 409
    assert server.post(body, headers={"X-Request-Timestamp": "1767322801"})[0] == 202


def test_a_malformed_payload_in_a_burst_affects_only_itself(server: Serve) -> None:
    statuses = []
    for n in range(10):
        body = alertmanager(fingerprint=f"burst-{n}")
        if n == 4:
            body["alerts"][0]["labels"] = {"alertname": 5}  # type: ignore[index]
        statuses.append(server.post(body)[0])
    assert statuses == [202] * 4 + [400] + [202] * 5
    for n in (0, 9):
        server.wait_for(lambda e, n=n: e["event"] == "routed" and e["key"] == f"burst-{n}")


def test_health_and_metrics(server: Serve) -> None:
    assert server.get("/healthz") == (200, "ok\n")
    status, text = server.get("/metrics")
    assert status == 200
    assert "# TYPE runbookkit_alerts_received_total counter" in text
    assert 'runbookkit_requests_rejected_total{status="401"}' in text
    assert 'runbookkit_queue_depth{state="queued"}' in text
    routed = next(line for line in text.splitlines() if line.startswith("runbookkit_alerts_routed"))
    assert int(routed.split()[1]) >= 1


def test_serve_needs_a_token_or_a_secret(tmp_path: Path) -> None:
    (tmp_path / "runbooks").mkdir()
    result = run_cli("serve", "--runbooks-dir", str(tmp_path / "runbooks"), "--port", "0")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "serve needs a bearer token or a PagerDuty signing secret: nobody may post alerts "
        "without one"
    ]


def test_the_token_is_never_logged(server: Serve) -> None:
    assert TOKEN not in json.dumps(server.events)
    assert PD_SECRET not in json.dumps(server.events)


def test_serve_with_a_postgresql_store(tmp_path: Path, pg_url: str) -> None:
    (tmp_path / "runbooks").mkdir()
    (tmp_path / "runbooks" / "redis-down.md").write_text(RUNBOOK)
    server = Serve.start("--runbooks-dir", str(tmp_path / "runbooks"), "--history", pg_url)
    try:
        body = alertmanager(fingerprint="pg-1")
        labels = {"alertname": "RedisDown", "job": "redis", "instance": "db:1"}
        body["alerts"][0]["labels"] = labels  # type: ignore[index]
        assert server.post(body)[0] == 202
        done = server.wait_for(lambda e: e["event"] == "run finished")
        assert done["status"] == "passed"
        assert "s3cret" not in json.dumps(server.events)  # the URL's password is never shown
    finally:
        server.stop()
    with open_store(pg_url) as store:
        assert store.get_run(done["run"]).steps[0].stdout == "alert for job=redis instance=db:1\n"
    from runbookkit.alerts.queue import AlertQueue

    queue = AlertQueue.open(pg_url)
    try:
        [job] = queue.jobs()
    finally:
        queue.close()
    assert (job.alert_key, job.state, job.run_id) == ("pg-1", "done", done["run"])
