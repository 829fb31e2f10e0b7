"""``serve`` killed with SIGKILL in the middle of a burst, then started again: every alert it
accepted is run, or still queued; none is lost."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from runbookkit.alerts.queue import AlertQueue
from runbookkit.history import open_store
from tests.alerts.test_payloads import alertmanager
from tests.support.serve import Serve

SLOW = """# Slow down

## Diagnosis

```bash
# Step 1: Take a while
sleep 0.4; echo "looked at $INSTANCE"
```
"""


def test_a_killed_serve_loses_no_accepted_alert(tmp_path: Path) -> None:
    (tmp_path / "runbooks").mkdir()
    (tmp_path / "runbooks" / "slow-down.md").write_text(SLOW)
    history = tmp_path / "history.sqlite"
    args = ("--runbooks-dir", str(tmp_path / "runbooks"), "--history", str(history))
    server = Serve.start(*args, "--concurrency", "2")
    accepted: list[str] = []
    refused: list[str] = []

    def burst() -> None:
        for n in range(300):
            body = alertmanager(fingerprint=f"fp-{n}")
            labels = {"alertname": "SlowDown", "instance": f"h{n}:1"}
            body["alerts"][0]["labels"] = labels  # type: ignore[index]
            try:
                status, _ = server.post(body)
            except OSError:
                status = 0  # the server is gone: this one was never accepted
            (accepted if status == 202 else refused).append(f"fp-{n}")

    poster = threading.Thread(target=burst)
    poster.start()
    server.wait_for(lambda e: e["event"] == "run started", timeout=20, count=2)
    server.kill()  # mid-burst, with runs going on
    poster.join()
    assert accepted and refused, (accepted, refused)  # it was killed in the middle

    queue = AlertQueue.open(history)
    try:
        rows = {job.alert_key: job for job in queue.jobs(limit=1000)}
        assert set(accepted) <= set(rows)  # every accepted alert is in the queue
        assert any(job.state == "running" for job in rows.values())  # runs the kill cut short
    finally:
        queue.close()

    again = Serve.start(*args, "--concurrency", "4")
    try:
        resumed = again.logged("resumed")[0]
        assert resumed["requeued"] >= 1
        deadline = time.monotonic() + 60
        queue = AlertQueue.open(history)
        try:
            while time.monotonic() < deadline:
                counts = queue.counts()
                if counts["queued"] == 0 and counts["running"] == 0:
                    break
                time.sleep(0.2)
            jobs = {job.alert_key: job for job in queue.jobs(limit=1000)}
        finally:
            queue.close()
    finally:
        again.stop()
    for key in accepted:
        assert jobs[key].state == "done" and jobs[key].outcome == "passed", jobs[key]
        assert jobs[key].run_id
    with open_store(history) as store:
        runs = {r.id: r for r in store.list_runs(limit=None)}
    for key in accepted:
        run = runs[jobs[key].run_id or ""]
        assert run.status == "passed"
    # The runs the kill cut short are recorded as interrupted, and were run again.
    assert any(r.status == "interrupted" for r in runs.values())
