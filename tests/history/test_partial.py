"""Partial runs (``--step N``, ``--from N``): recorded, listed and shown as partial, never as the
section passing; whole runs and rollbacks stay as they were."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from runbookkit.cli import cli
from runbookkit.execute.runner import RunOptions, RunOutcome
from runbookkit.history import HistoryRecorder, open_store
from runbookkit.history.migrations import SCHEMA_VERSION
from runbookkit.history.records import section_label, status_label
from runbookkit.parsing import parse_file
from runbookkit.planning import plan
from runbookkit.runs import run
from tests.conftest import run_cli
from tests.history.test_migrations import old_store

RUNBOOK = """# Partial demo

## Fix

```bash
# Step 1: Say one
echo one

# Step 2: Say two
echo two

# Step 3: Say three
echo three
```

## Break

```bash
# Step 1: Fail
exit 4
```

**Rollback Plan (if break fails):**
```bash
# Step 1: Undo
echo undone
```
"""


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """The demo runbook's file, in a runbooks directory of its own."""
    folder = tmp_path / "runbooks"
    folder.mkdir()
    path = folder / "demo.md"
    path.write_text(RUNBOOK, encoding="utf-8")
    return path


def run_into(store_path: Path, book: Path, section: str, **options: object) -> RunOutcome:
    """Run ``section`` of ``book`` through the library, recorded into the store."""
    with open_store(store_path, readonly=False) as store:
        recorder = HistoryRecorder(store, heartbeat=0)
        outcome = run(book, section, RunOptions(**options), listeners=[recorder])  # type: ignore[arg-type]
        recorder.close()
    assert not recorder.failures
    return outcome


def history(store_path: Path, *args: str) -> Result:
    """``runbookkit history ARGS`` in this process."""
    done = CliRunner().invoke(cli, ["history", *args, "--history", str(store_path)])
    assert done.exit_code == 0, done.output
    return done


def row_of(output: str, run_id: str) -> str:
    return next(line for line in output.splitlines() if run_id in line)


@pytest.mark.parametrize(
    ("options", "partial"),
    [
        ({}, None),
        ({"only": 2}, "step 2 of 3"),
        ({"only": 3}, "step 3 of 3"),
        ({"start": 2}, "steps 2–3 of 3"),
        ({"start": 3}, "step 3 of 3"),
        ({"start": 1}, None),  # from the first step on is the whole section
    ],
)
def test_the_plan_says_which_steps_a_partial_run_takes(
    book: Path, options: dict[str, int], partial: str | None
) -> None:
    assert plan(parse_file(book), "fix", **options).partial == partial


def test_labels_of_a_partial_run_never_say_the_section_passed() -> None:
    assert section_label("fix", None) == "fix"
    assert section_label("fix", "step 7 of 7") == "fix, step 7 of 7 only"
    assert section_label("fix", "steps 5–7 of 7") == "fix, steps 5–7 of 7 only"
    assert status_label("passed", None) == "passed"
    assert status_label("passed", "step 7 of 7") == "partial: passed step 7 of 7"
    assert status_label("failed", "steps 5–7 of 7") == "partial: failed in steps 5–7 of 7"
    assert status_label("passed", "step 7 of 7", scope=False) == "partial: passed"


def test_a_single_step_run_is_recorded_and_listed_as_partial(book: Path, store_path: Path) -> None:
    outcome = run_into(store_path, book, "fix", only=2)
    assert outcome.status == "passed" and [r.stdout for r in outcome.results] == ["two\n"]
    with open_store(store_path) as store:
        recorded = store.get_run(outcome.run_id)
    assert (recorded.partial, recorded.planned_steps) == ("step 2 of 3", 1)

    row = row_of(history(store_path).output, outcome.run_id)
    assert "fix, step 2 of 3 only" in row and "partial: passed" in row
    assert not re.search(r"(?<!partial: )\bpassed\b", row)

    shown = history(store_path, "show", outcome.run_id).output
    assert "section fix, step 2 of 3 only" in shown.splitlines()[0]
    assert "  status    partial: passed step 2 of 3 (exit 0)" in shown
    assert "  status    passed" not in shown


def test_a_resumed_run_is_partial_and_a_whole_run_is_not(book: Path, store_path: Path) -> None:
    resumed = run_into(store_path, book, "fix", start=2)
    whole = run_into(store_path, book, "fix")
    listed = history(store_path).output
    assert "fix, steps 2–3 of 3 only" in row_of(listed, resumed.run_id)
    whole_row = row_of(listed, whole.run_id)
    assert "partial" not in whole_row and re.search(r"\bfix\b.*\bpassed\b", whole_row)
    assert "  status    passed (exit 0)" in history(store_path, "show", whole.run_id).output


def test_json_list_show_export_and_import_carry_the_partial_scope(
    book: Path, store_path: Path, tmp_path: Path
) -> None:
    partial = run_into(store_path, book, "fix", start=2)
    whole = run_into(store_path, book, "fix")
    listed = {r["id"]: r for r in json.loads(history(store_path, "--json").output)}
    assert listed[partial.run_id]["partial"] == "steps 2–3 of 3"
    assert listed[whole.run_id]["partial"] is None
    shown = json.loads(history(store_path, "show", partial.run_id, "--json").output)
    assert shown["partial"] == "steps 2–3 of 3"

    export = tmp_path / "runs.jsonl"
    history(store_path, "export", "--output", str(export))
    other = tmp_path / "other.sqlite"
    assert "imported 2 runs" in history(other, "import", str(export)).output
    with open_store(other) as store:
        assert store.get_run(partial.run_id).partial == "steps 2–3 of 3"
        assert store.get_run(whole.run_id).partial is None


def test_the_rollback_after_a_partial_run_runs_whole(book: Path, store_path: Path) -> None:
    outcome = run_into(store_path, book, "break", only=1, rollback_on_failure=True)
    assert outcome.status == "failed" and outcome.rollback is not None
    assert outcome.rollback.status == "passed"
    with open_store(store_path) as store:
        failed = store.get_run(outcome.run_id)
        rollback = store.get_run(outcome.rollback.run_id)
    # "break" has one step: --step 1 runs all of it, so the run is not partial either.
    assert failed.partial is None and failed.rollback_run == rollback.id
    assert (rollback.partial, rollback.rollback_of, rollback.status) == (None, failed.id, "passed")


def test_a_recorded_dry_run_of_one_step_is_partial(book: Path, store_path: Path) -> None:
    args = ["run", "demo", "--section", "fix", "--step", "3", "--dry-run", "--record"]
    directory = ["--runbooks-dir", str(book.parent), "--history", str(store_path)]
    done = run_cli(*args, *directory)
    assert done.returncode == 0, done.stderr
    (dry,) = json.loads(history(store_path, "--json").output)
    assert (dry["dry_run"], dry["partial"]) == (True, "step 3 of 3")
    assert "partial: passed (dry run)" in history(store_path).output


def test_a_store_of_the_previous_version_gains_the_column(book: Path, tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    old_store(path, SCHEMA_VERSION - 1)
    outcome = run_into(path, book, "fix", only=3)
    with open_store(path) as store:
        assert store.get_run("old-1").partial is None
        assert store.get_run(outcome.run_id).partial == "step 3 of 3"
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        columns = [row[1] for row in conn.execute("PRAGMA table_info(runs)")]
    assert "partial" in columns
