"""The tests' in-process runner says what ``python -m runbookkit`` says, and leaves no trace."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_cli

BOOK = "# Here\n\n## Fix\n\n```bash\ntrue\n```\n"

CASES = [
    ["--help"],
    ["--version"],
    ["nope"],
    ["lint", "--help"],
    ["lint", "--no-such-option"],
    ["parse", "missing.md"],
    ["parse", "tests/data/seed.md"],
    ["show", "runbooks/redis-connection-refused.md"],
    ["lint", "--today", "2026-11-26", "runbooks/redis-connection-refused.md"],
    ["rule", "RBK999"],
    ["list"],
    ["match", "-"],
    ["history", "--limit", "0"],
]


@pytest.mark.parametrize("args", CASES, ids=" ".join)
def test_in_process_is_the_process(args: list[str]) -> None:
    """Exit code, stdout and stderr as a fresh process gives them, at the first run in this
    process and at the next one (nothing a run leaves behind changes the one after)."""
    alone = run_cli(*args, input="redis connection refused\n", subprocess=True)
    expected = (alone.returncode, alone.stdout, alone.stderr)
    for _ in range(2):
        here = run_cli(*args, input="redis connection refused\n")
        assert (here.returncode, here.stdout, here.stderr) == expected
        assert type(here.returncode) is int  # not an ExitCode member, as from a process


def test_an_unexpected_error_is_one_line_and_exit_70(monkeypatch: pytest.MonkeyPatch) -> None:
    """RUNBOOKKIT_DEBUG never reaches the run: no traceback, the line and exit code of ``main``."""

    def broken() -> None:
        raise ValueError("the schema broke")

    monkeypatch.setattr("runbookkit.model.json_schema", broken)
    done = run_cli("schema", env={"RUNBOOKKIT_DEBUG": "1"})
    assert (done.returncode, done.stdout) == (70, "")
    assert done.stderr == (
        "runbookkit: internal error: ValueError: the schema broke "
        "(set RUNBOOKKIT_DEBUG=1 for a traceback)\n"
    )


def test_a_run_leaves_cwd_environment_and_handlers_as_they_were(tmp_path: Path) -> None:
    (tmp_path / "here.md").write_text(BOOK)
    os.environ["RUNBOOKKIT_DEBUG"] = "1"
    try:
        before = (os.getcwd(), dict(os.environ), signal.getsignal(signal.SIGALRM))
        done = run_cli("list", cwd=tmp_path, env={"RUNBOOKKIT_DIR": str(tmp_path)})
        assert done.returncode == 0, done.stderr
        assert (os.getcwd(), dict(os.environ), signal.getsignal(signal.SIGALRM)) == before
    finally:
        del os.environ["RUNBOOKKIT_DEBUG"]


def test_the_run_sees_cwd_and_env(tmp_path: Path) -> None:
    (tmp_path / "books").mkdir()
    (tmp_path / "books" / "here.md").write_text(BOOK)
    done = run_cli("list", cwd=tmp_path, env={"RUNBOOKKIT_DIR": "books"})
    assert done.returncode == 0 and "Here" in done.stdout, done.stderr


def test_a_hang_ends_at_the_timeout(tmp_path: Path) -> None:
    (tmp_path / "slow.md").write_text(BOOK.replace("true", "sleep 30"))
    with pytest.raises(subprocess.TimeoutExpired):
        run_cli("run", str(tmp_path / "slow.md"), "-s", "fix", timeout=1)
