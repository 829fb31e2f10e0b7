"""A small docs site with run history, to look at and to test the site's pages in a browser.

Two runbooks (the repository's Redis runbook and one written the way GitHub renders it:
a list right under a bold label, task lists, a table, fenced code in a list item, a
``<details>`` block, emoji and a long command line) and a history of runs of each: passes, a
failure with its reason, a fleet run over three hosts (one failing, two alike), a rollback run
after the failure it rolled back, and a partial run (``--step``).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import yaml

from runbookkit.execute.events import RunStatus, StepStatus
from runbookkit.history import RunRecord, StepRecord, open_store
from runbookkit.parsing import parse_file

REPOSITORY = Path(__file__).resolve().parents[2]
REDIS = "redis-connection-refused"
DISK = "disk-full"
LONG_COMMAND = (
    "find /var/log -xdev -type f -name '*.log' -size +100M -mtime +3 -printf '%s %p\\n' "
    "| sort -rn | head -20 | awk '{ printf \"%8.1f MB  %s\\n\", $1 / 1048576, $2 }' "
    "# a line longer than any page is wide"
)
GITHUB_RUNBOOK = f"""# Disk Full on the Log Volume 💾 - Runbook

**Pattern:** `(?i)no space left on device`
**Severity:** Critical
**MTTR Target:** 10-15 minutes
**Last Updated:** 2026-11-02

## 📋 Symptoms

**Common Triggers:**
1. Log rotation stopped
2. A debug flag left on
3. A core dump filled the volume

| Signal | Threshold |
|--------|-----------|
| `df -h /var/log` | above 95 % |
| inode use | above 90 % |

## 🔍 Diagnosis

```bash
# Step 1: How full is it
df -h /var/log

# Step 2: The largest logs
{LONG_COMMAND}
```

**Expected Result:**
- The volume is above 95 %
- One file takes most of it

## 🛠️ Fix

```bash
# Step 1: Compress the old logs of the service
gzip -9 /var/log/$SERVICE/*.log.1

# Step 2: Restart the service that writes the log
systemctl restart <service-name>
```

<details>
<summary>Why not delete the logs?</summary>

Deleting a log that a process holds open frees **nothing** until the process closes it.

</details>

## 🚫 Prevention

- [ ] Alert at 85 % of the log volume
  ```bash
  df --output=pcent /var/log | tail -1
  ```
- [x] Rotate daily with `logrotate`

---

**Author:** Ops team
**Owner:** platform-oncall
**Tags:** disk, logs
**Next Review:** 2027-02-01
"""


def _step(number: int, title: str, host: str | None = None, **fields: object) -> StepRecord:
    values: dict[str, object] = {
        "seq": number,
        "number": number,
        "title": title,
        "target": f"ops@{host}:22" if host else "local",
        "commands": [f"echo {title.lower()}"],
        "status": StepStatus.passed,
        "exit_code": 0,
        "duration": 0.4 * number,
        "stdout": f"{title}: ok\n",
        "host": host,
    }
    values.update(fields)
    return StepRecord(**values)  # type: ignore[arg-type]


def _run(
    run_id: str,
    runbook_id: str,
    sha256: str,
    began: dt.datetime,
    steps: list[StepRecord],
    **fields: object,
) -> RunRecord:
    failed = next((s for s in steps if s.status == StepStatus.failed), None)
    for seq, step in enumerate(steps, 1):
        step.seq = seq
    values: dict[str, object] = {
        "id": run_id,
        "runbook_id": runbook_id,
        "runbook_title": runbook_id.replace("-", " "),
        "runbook_sha256": sha256,
        "section": "fix",
        "operator": "oncall@bastion",
        "targets": ["local"],
        "version": "0.1.0",
        "started_at": began,
        "finished_at": began + dt.timedelta(seconds=sum(s.duration for s in steps) + 1),
        "status": RunStatus.failed if failed else RunStatus.passed,
        "exit_code": 1 if failed else 0,
        "failed_step": failed.number if failed else None,
        "steps": steps,
    }
    values.update(fields)
    return RunRecord(**values)  # type: ignore[arg-type]


def history(shas: dict[str, str], now: dt.datetime) -> list[RunRecord]:
    """The demo site's runs, oldest first."""
    hour = dt.timedelta(hours=1)
    redis, disk = shas[REDIS], shas[DISK]
    refused: dict[str, Any] = {
        "status": StepStatus.failed,
        "exit_code": 1,
        "expected": "PONG",
        "matched": False,
        "stdout": "",
        "stderr": "Could not connect to Redis at 127.0.0.1:6379: Connection refused\n",
    }
    fleet = [
        _step(n, title, host, stdout=f"{title}: ok\n")
        for host in ("cache-1", "cache-2", "cache-3")
        for n, title in ((1, "Start Redis service"), (2, "Test connection"))
    ]
    fleet[5] = _step(2, "Test connection", "cache-3", **refused)
    return [
        _run("01DEMOPASS", REDIS, redis, now - 30 * hour, [_step(1, "Start Redis service")]),
        _run(
            "01DEMOFAIL",
            REDIS,
            redis,
            now - 6 * hour,
            [_step(1, "Start Redis service"), _step(2, "Test connection", **refused)],
            rollback_run="01DEMOBACK",
            operator="alice@laptop",
        ),
        _run(
            "01DEMOBACK",
            REDIS,
            redis,
            now - 6 * hour + dt.timedelta(minutes=1),
            [_step(1, "Check Redis configuration")],
            section="fix/rollback-plan-if-fix-fails",
            rollback_of="01DEMOFAIL",
            operator="alice@laptop",
        ),
        _run(
            "01DEMOFLEET",
            REDIS,
            redis,
            now - 3 * hour,
            fleet,
            targets=["cache-1", "cache-2", "cache-3"],
        ),
        _run(
            "01DEMOSTEP",
            REDIS,
            redis,
            now - hour,
            [_step(4, "Restart dependent services")],
            partial="step 4 of 4",
        ),
        _run(
            "01DISKFAIL",
            DISK,
            disk,
            now - 2 * hour,
            [
                _step(1, "Compress the old logs of the service"),
                _step(
                    2,
                    "Restart the service that writes the log",
                    status=StepStatus.failed,
                    exit_code=5,
                    stdout="",
                    stderr="Failed to restart nginx.service: Unit nginx.service not found.\n",
                ),
            ],
        ),
    ]


def write_site(root: Path, *, theme: str = "material") -> Path:
    """Write the demo runbooks, their history and a mkdocs.yml under ``root``; returns it."""
    books = root / "runbooks"
    books.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPOSITORY / "runbooks" / f"{REDIS}.md", books / f"{REDIS}.md")
    (books / f"{DISK}.md").write_text(GITHUB_RUNBOOK, encoding="utf-8")
    shas = {name: parse_file(books / f"{name}.md").sha256 for name in (REDIS, DISK)}
    store = open_store(root / "history.sqlite", readonly=False)
    try:
        store.import_runs(history(shas, dt.datetime.now(dt.UTC)))
    finally:
        store.close()
    docs = root / "docs"
    docs.mkdir(exist_ok=True)
    (docs / "index.md").write_text("# Home\n\nThe team's runbooks.\n", encoding="utf-8")
    config = {
        "site_name": "Runbooks",
        "docs_dir": "docs",
        "site_dir": "site",
        "theme": {"name": theme, "features": ["content.code.copy"]},
        "markdown_extensions": ["admonition", "tables", "toc"],
        "plugins": [
            "search",
            {
                "runbookkit": {
                    "runbooks_dir": "runbooks",
                    "history": "history.sqlite",
                    "catalog": "catalog.md",
                }
            },
        ],
    }
    path = root / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path
