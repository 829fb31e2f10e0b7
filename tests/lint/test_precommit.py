"""The pre-commit hook, installed by pre-commit itself from this repository, fails then passes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REDIS, ROOT, SEED

GIT_ENV = {
    "GIT_AUTHOR_NAME": "runbookkit tests",
    "GIT_AUTHOR_EMAIL": "tests@runbookkit.invalid",
    "GIT_COMMITTER_NAME": "runbookkit tests",
    "GIT_COMMITTER_EMAIL": "tests@runbookkit.invalid",
}


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_try_repo_fails_on_a_bad_runbook_then_passes(tmp_path: Path) -> None:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "NO_COLOR": "1"}
    env.pop("PRE_COMMIT", None)
    team = tmp_path / "team"
    (team / "runbooks").mkdir(parents=True)
    (team / "README.md").write_text("# Team\n\nNot a runbook, so the hook leaves it alone.\n")
    runbook = team / "runbooks" / "redis.md"
    runbook.write_bytes(SEED.read_bytes())
    _run(["git", "init", "-q"], team, env)
    try_repo = [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "runbookkit-lint"]

    _run(["git", "add", "."], team, env)
    failed = _run([*try_repo, "--all-files"], team, env)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "runbooks/redis.md:3:15: RBK004 Pattern doesn't match" in failed.stdout
    assert "README.md" not in failed.stdout.split("runbookkit lint")[-1]

    runbook.write_bytes(REDIS.read_bytes())
    _run(["git", "add", "."], team, env)
    passed = _run([*try_repo, "--all-files"], team, env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "runbookkit lint" in passed.stdout and "Passed" in passed.stdout
