"""End to end with the real thing: Prometheus watches a redis-server, Alertmanager posts to
``runbookkit serve``, and the alert's runbook diagnoses the redis host over a real sshd.

Killing redis-server makes ``redis_up == 0`` fire; the alert's ``runbook_url`` names the test
runbook, its ``instance`` label (``46.149.70.219:6379``) is mapped through the ssh_config to
the sshd standing in for the redis host, and its labels reach the remote shell as variables.
Starting redis again resolves the alert: its queue row closes and its incident (opened by the
alert, with the diagnosis run linked) gets its MTTR.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from runbookkit.alerts.queue import AlertQueue
from runbookkit.history import open_store
from runbookkit.history.incidents import list_incidents
from tests.support.hosts import REDIS_RUNBOOK_HOST
from tests.support.monitoring import Exporter, Monitoring, missing
from tests.support.serve import TOKEN, Serve

pytestmark = [pytest.mark.ssh, pytest.mark.redis, pytest.mark.monitoring, pytest.mark.slow]

RUNBOOK = """# Redis alert

## Diagnosis

```bash
# Step 1: What fired, seen from the redis host
ssh root@redis-host "echo alert=$ALERTNAME severity=$severity instance=$INSTANCE on \\$(hostname)"

# Step 2: Does redis answer
ssh root@redis-host "redis-cli ping"
# Exit: 0,1
```

## Fix

```bash
# Step 1: Start it again
ssh root@redis-host "systemctl start redis-server"
```
"""


@pytest.fixture
def stack(tmp_path: Path, redis_host) -> Iterator[tuple[Serve, object, Path]]:  # type: ignore[no-untyped-def]
    if missing():
        pytest.skip(missing() or "")
    host = redis_host()
    (tmp_path / "runbooks").mkdir()
    (tmp_path / "runbooks" / "redis-alert.md").write_text(RUNBOOK)
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    history = tmp_path / "history.sqlite"
    server = Serve.start(
        "--runbooks-dir",
        str(tmp_path / "runbooks"),
        "--history",
        str(history),
        "--ssh-config",
        str(host.files.ssh_config),
        "--token-file",
        str(token_file),
        token=False,
    )
    exporter = Exporter(host.service.ping)
    monitoring = None
    try:
        monitoring = Monitoring.start(
            tmp_path / "monitoring",
            exporter_port=exporter.port,
            instance=f"{REDIS_RUNBOOK_HOST}:6379",
            runbook_url="https://runbooks.example/ops/redis-alert.md",
            webhook=f"{server.url}/alertmanager",
            token_file=token_file,
        )
        yield server, host, history
    finally:
        if monitoring is not None:
            monitoring.stop()
        exporter.stop()
        server.stop()
    assert server.stderr == []


def test_killing_redis_runs_the_diagnosis_over_ssh_with_the_alert_labels(stack) -> None:  # type: ignore[no-untyped-def]
    server, host, history = stack
    host.service.stop(signal.SIGKILL)
    routed = server.wait_for(lambda e: e["event"] == "routed", timeout=60)
    assert (routed["alert"], routed["runbook"], routed["rule"]) == (
        "RedisDown",
        "redis-alert",
        "runbook_url",
    )
    assert routed["host"] == REDIS_RUNBOOK_HOST  # the instance label, through the ssh_config
    done = server.wait_for(lambda e: e["event"] == "run finished", timeout=60)
    assert done["status"] == "passed", done
    with open_store(history) as store:
        run = store.get_run(done["run"])
    assert run.section == "diagnosis" and run.operator == "alert:RedisDown"
    first, second = run.steps
    assert first.stdout.startswith(
        f"alert=RedisDown severity=critical instance={REDIS_RUNBOOK_HOST}:6379 on "
    )
    assert first.target.endswith(f"127.0.0.1:{host.server.port}")  # over the real sshd
    assert second.exit_code == 1 and "Connection refused" in second.stderr
    # Redis back: Alertmanager sends the resolved alert, and its queue row closes.
    host.service.start()
    resolved = server.wait_for(lambda e: e["event"] == "resolved", timeout=60)
    assert resolved["closed"] == 1
    queue = AlertQueue.open(history)
    try:
        [job] = queue.jobs()
    finally:
        queue.close()
    assert (job.state, job.run_id, job.outcome) == ("done", run.id, "passed")
    assert job.closed_at is not None and job.labels["alertname"] == "RedisDown"
    assert len(server.logged("run started")) == 1  # one run while it fired
    # The incident: opened by the alert, its diagnosis linked, resolved with its MTTR.
    with open_store(history) as store:
        [incident] = list_incidents(store)  # type: ignore[arg-type]
    assert incident.id == routed["incident"] == resolved["incident"]
    assert (incident.runbook_id, incident.status) == ("redis-alert", "resolved")
    assert [(r.run_id, r.role) for r in incident.runs] == [(run.id, "diagnosis")]
    assert incident.mttr is not None and 0 < incident.mttr < 120
    assert resolved["mttr"] == incident.mttr
