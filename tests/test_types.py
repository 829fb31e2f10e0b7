"""``mypy --strict`` passes on the public modules, and on a program that uses the public API."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import runbookkit
from tests.conftest import ROOT

# The package, the modules that define its public names (from the export table), and the
# entry points behind them.
PUBLIC = sorted(
    {
        "runbookkit",
        "runbookkit.errors",
        "runbookkit.planning",
        "runbookkit.runs",
        *runbookkit._EXPORTS.values(),
    }
)

# A caller's program: every name comes from ``runbookkit`` itself (so each must be re-exported
# for a type checker, not only loaded at run time) and is used with its real type.
CALLER = """
from pathlib import Path

import runbookkit
from runbookkit import (
    Event,
    FleetOutcome,
    LintOptions,
    Listener,
    Match,
    Matcher,
    Plan,
    RunOptions,
    RunOutcome,
    RunRecord,
    Settings,
    SshOptions,
    StepFinished,
    Store,
    Strategy,
)


def show(event: Event) -> None:
    if isinstance(event, StepFinished):
        print(event.result.status.value)


def main(path: Path) -> int:
    runbook = runbookkit.parse_file(path)
    planned: Plan = runbookkit.plan(runbook, "fix")
    findings = runbookkit.lint_paths([path], LintOptions(shellcheck=False))
    matches: list[Match] = Matcher([runbook]).match("Connection refused")
    listener: Listener = show
    outcome: RunOutcome | FleetOutcome = runbookkit.run(
        runbook,
        "fix",
        RunOptions(ssh=SshOptions()),
        settings=Settings(),
        strategy=Strategy(parallel=2),
        listeners=[listener],
        dry_run=True,
    )
    store: Store = runbookkit.open_store(path.with_suffix(".sqlite"))
    with store:
        runs: list[RunRecord] = store.list_runs(limit=1)
    return len(planned.steps) + len(findings) + len(matches) + outcome.exit_code + len(runs)
"""


def _paths() -> list[str]:
    out = []
    for name in PUBLIC:
        base = ROOT.joinpath(*name.split("."))
        out.append(str(base / "__init__.py" if base.is_dir() else base.with_suffix(".py")))
    return out


def test_the_public_module_list_names_real_files() -> None:
    assert all(Path(path).is_file() for path in _paths())
    assert str(ROOT / "runbookkit" / "runs.py") in _paths()


@pytest.mark.slow
def test_mypy_strict_passes_on_the_public_modules_and_a_caller(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    caller = tmp_path / "caller.py"
    caller.write_text(CALLER, encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(tmp_path / "cache"),
            *_paths(),
            str(caller),
        ],
        cwd=ROOT,  # the project's [tool.mypy] settings apply (plugins, overrides)
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("Success: no issues found")
