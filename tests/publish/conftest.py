"""Helpers for building real MkDocs sites with the plugin into a temporary directory."""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml


def write_site(
    root: Path,
    runbooks_dir: Path,
    *,
    theme: str = "mkdocs",
    history: Path | None = None,
    **options: Any,
) -> Path:
    """A minimal MkDocs project in ``root`` publishing ``runbooks_dir``; returns its mkdocs.yml."""
    docs = root / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    if not (docs / "index.md").exists():
        (docs / "index.md").write_text("# Home\n\nThe runbooks.\n", encoding="utf-8")
    plugin: dict[str, Any] = {"runbooks_dir": str(runbooks_dir), **options}
    # Never the default store beside the runbooks: the repository's own may hold runs.
    plugin["history"] = str(history if history is not None else root / "no-history.sqlite")
    config = {
        "site_name": "Test runbooks",
        "docs_dir": "docs",
        "site_dir": "site",
        "theme": {"name": theme},
        "markdown_extensions": ["admonition", "tables"],
        "plugins": [{"runbookkit": plugin}],
    }
    path = root / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def mkdocs_build(
    config: Path, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a real ``mkdocs build`` of ``config`` (``env`` added to the environment) in ``cwd``
    (default: the directory of ``config``)."""
    outer = {k: v for k, v in os.environ.items() if k != "RUNBOOKKIT_PROFILE"}
    env = {**outer, "NO_COLOR": "1", "NO_MKDOCS_2_WARNING": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-f", str(config), *args],
        cwd=cwd or config.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def text_of(page: str) -> str:
    """The text of an HTML page: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@pytest.fixture
def build():
    """The :func:`mkdocs_build` helper as a fixture."""
    return mkdocs_build


def make_run(
    run_id: str,
    runbook_id: str = "redis-connection-refused",
    *,
    sha256: str = "0" * 64,
    started: dt.datetime | None = None,
    section: str = "fix",
    operator: str = "ops@bastion",
    status: str = "passed",
    steps: list[dict[str, Any]] | None = None,
    dry_run: bool = False,
) -> Any:
    """A finished run record with the given steps (each a dict of StepRecord fields)."""
    from runbookkit.execute.events import RunStatus, StepStatus
    from runbookkit.history import RunRecord, StepRecord

    began = started or dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    records = []
    for seq, fields in enumerate(steps or [{}], 1):
        values: dict[str, Any] = {
            "seq": seq,
            "number": seq,
            "title": f"Step {seq}",
            "target": "local",
            "commands": [f"echo step {seq}"],
            "status": StepStatus.passed,
            "exit_code": 0,
            "duration": 0.25,
            "stdout": f"step {seq} done\n",
        }
        values.update(fields)
        values["status"] = StepStatus(values["status"])
        records.append(StepRecord(**values))
    failed = next((s.number for s in records if s.status == "failed"), None)
    return RunRecord(
        id=run_id,
        runbook_id=runbook_id,
        runbook_title=runbook_id.replace("-", " "),
        runbook_sha256=sha256,
        section=section,
        operator=operator,
        targets=["local"],
        version="0.1.0",
        started_at=began,
        finished_at=began + dt.timedelta(seconds=2.5),
        status=RunStatus(status),
        exit_code=0 if status == "passed" else 1,
        failed_step=failed,
        dry_run=dry_run,
        steps=records,
    )


def record(store: Path, *runs: Any) -> None:
    """Record ``runs`` in the history store at ``store`` the way a run does: step by step."""
    from runbookkit.execute.events import RunFinished
    from runbookkit.history import open_store

    history = open_store(store, readonly=False)
    try:
        for run in runs:
            steps, run.steps = run.steps, []
            history.begin_run(run)
            for step in steps:
                history.record_step(run.id, step)
            history.finish_run(
                RunFinished(run.id, run.status, run.exit_code, run.finished_at, run.failed_step)
            )
    finally:
        history.close()
