"""An alert's unattended run: its labels as variables, stopping at the first step that needs a
person, recorded; and where its remote steps go."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from runbookkit.alerts.diagnose import Targets, diagnose, section_of
from runbookkit.alerts.queue import Job
from runbookkit.execute.events import RunStatus, StepStatus
from runbookkit.fleet.inventory import load_inventory
from runbookkit.history import open_store
from runbookkit.parsing import parse_file

RUNBOOK = """---
alerts: [RedisDown]
---
# Redis down

## Diagnosis

```bash
# Step 1: Say what fired
echo "ns=$NAMESPACE pod=$pod path-label=$path"

# Step 2: Look at the process list
ps -e >/dev/null && echo listed

# Step 3: Ask the owner
# Call the database owner and tell them what step 1 printed.

# Step 4: Never reached
echo unreachable
```

## Fix

```bash
# Step 1: Restart it
echo restart
```
"""


def job(**labels: str) -> Job:
    return Job(
        id=1,
        alert_key="fp",
        runbook_id="redis",
        section=None,
        rule="front_matter",
        source="alertmanager",
        name="RedisDown",
        labels=labels,
        host=None,
        state="running",
        repeats=0,
        received_at=dt.datetime.now(dt.UTC),
        starts_at=None,
        run_id=None,
        outcome=None,
        closed_at=None,
    )


@pytest.fixture
def runbook(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "redis.md"
    path.write_text(RUNBOOK)
    return parse_file(path)


def test_the_diagnosis_runs_with_the_labels_and_stops_at_the_manual_step(
    tmp_path: Path, runbook: object
) -> None:
    history = tmp_path / "history.sqlite"
    labels = {"namespace": "shop", "pod": "web-1", "path": "/tmp/evil", "PATH": "/tmp/evil"}
    outcome, refused = diagnose(job(**labels), runbook, history=history)
    assert outcome.status is RunStatus.incomplete
    assert [r.status for r in outcome.results] == [  # type: ignore[union-attr]
        StepStatus.passed,
        StepStatus.passed,
        StepStatus.incomplete,
    ]
    first = outcome.results[0]  # type: ignore[union-attr]
    assert first.stdout.strip() == "ns=shop pod=web-1 path-label=/tmp/evil"
    assert "a manual step: an unattended run stops here" in (outcome.error or "")
    assert any("$PATH" in line for line in refused)
    with open_store(history) as store:
        run = store.get_run(outcome.run_id)
    assert (run.status, run.section, run.operator) == (
        RunStatus.incomplete,
        "diagnosis",
        "alert:RedisDown",
    )
    assert [s.number for s in run.steps] == [1, 2, 3]
    assert "manual step" in (run.steps[-1].error or "")


def test_a_destructive_step_stops_an_unattended_run(tmp_path: Path) -> None:
    path = tmp_path / "db.md"
    path.write_text(
        "---\non_alert: fix\n---\n# Db\n\n## Fix\n\n```bash\n# Step 1: Look\necho ok\n\n"
        "# Step 2: Wipe\nrm -rf /tmp/never-there-$NAMESPACE\n```\n"
    )
    runbook = parse_file(path)
    assert section_of(runbook) == "fix"
    outcome, _ = diagnose(job(namespace="x"), runbook, history=None)
    assert outcome.status is RunStatus.incomplete
    assert "a destructive step" in (outcome.error or "")
    assert [r.status for r in outcome.results] == [StepStatus.passed, StepStatus.incomplete]  # type: ignore[union-attr]


def test_an_interactive_step_stops_an_unattended_run(tmp_path: Path) -> None:
    path = tmp_path / "top.md"
    path.write_text("# Top\n\n## Diagnosis\n\n```bash\n# Step 1: Watch\ntop\n```\n")
    outcome, _ = diagnose(job(), parse_file(path), history=None)
    assert outcome.status is RunStatus.incomplete
    assert "an interactive step" in (outcome.error or "")


def test_targets(tmp_path: Path) -> None:
    inventory = tmp_path / "hosts.yaml"
    inventory.write_text(
        "hosts:\n  - {name: cache-1, hostname: 10.0.0.1, user: ops, port: 2222}\n  - web-1\n"
    )
    config = tmp_path / "ssh_config"
    config.write_text("Host db-1\n  HostName 10.0.0.9\nHost *.internal\n  User x\n")
    targets = Targets(inventory=load_inventory(inventory), ssh_config=config)
    assert targets.for_labels({"instance": "cache-1:9121"}) == "ops@10.0.0.1:2222"
    assert targets.for_labels({"instance": "10.0.0.1:9121"}) == "ops@10.0.0.1:2222"
    assert targets.for_labels({"instance": "db-1:9100"}) == "db-1"
    assert targets.for_labels({"instance": "x.internal:1"}) is None
    assert targets.for_labels({"instance": "unknown:1"}) is None
    assert targets.for_labels({}) is None
    assert Targets(host="127.0.0.1:22").for_labels({"instance": "db-1:1"}) == "127.0.0.1:22"
