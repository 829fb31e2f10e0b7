"""`runbookkit run` in a real pseudo-terminal, answered as a person would (pexpect)."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pexpect
import pytest

from runbookkit.history import open_store
from tests.conftest import ROOT

RUNBOOK = """# Terminal

## Fix

**Immediate Actions:**
```bash
# Step 1: Prepare
echo prepared

# Step 2: Look at the dashboard
# Open the dashboard and check the graph is green

# Step 3: Wipe the scratch folder
rm -rf {victim}

# Step 4: Check
test ! -e {victim} && echo wiped
# Expected: wiped

# Step 5: Fail on purpose
{fail}
```

**Rollback Plan (if fix fails):**
```bash
# Step 1: Put it back
mkdir -p {victim} && echo restored
```
"""


def spawn(path: Path, *args: str, env_extra: dict[str, str] | None = None) -> pexpect.spawn:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(TERM="xterm-256color", COLUMNS="120", LINES="40", TOKEN="s3cr3t-token-value")
    env.update(env_extra or {})
    return pexpect.spawn(
        sys.executable,
        ["-m", "runbookkit", "run", str(path), "-s", "fix", *args],
        cwd=str(ROOT),
        env=env,
        encoding="utf-8",
        timeout=20,
        dimensions=(40, 120),
    )


def write(tmp_path: Path, fail: str = "true") -> tuple[Path, Path]:
    victim = tmp_path / "scratch"
    victim.mkdir()
    path = tmp_path / "terminal.md"
    path.write_text(RUNBOOK.format(victim=victim, fail=fail), encoding="utf-8")
    return path, victim


def test_manual_and_destructive_steps_answered_at_the_terminal(tmp_path):
    path, victim = write(tmp_path)
    child = spawn(path)
    child.expect("Step 2 is manual: Look at the dashboard")
    child.expect("check the graph is green")
    child.expect(r"Done, skip or abort\? \[d/s/a\]: ")
    child.sendline("d")
    # The warning in bold yellow, the commands under it in the terminal's own colour.
    child.expect(r"\x1b\[1;33mStep 3 is DESTRUCTIVE \(rm -rf\): Wipe the scratch folder\x1b\[0m")
    child.expect(f"\r\n    on local: rm -rf {victim}\r\n")
    child.expect(r"Type the step number \(3\) to run it")
    assert victim.exists()  # nothing ran before the answer
    child.sendline("3")
    child.expect("summary")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert not victim.exists()


def test_the_destructive_warning_is_plain_with_no_color(tmp_path):
    path, victim = write(tmp_path)
    seen = io.StringIO()
    child = spawn(path, env_extra={"NO_COLOR": "1"})
    child.logfile_read = seen
    child.expect(r"\[d/s/a\]: ")
    child.sendline("d")
    child.expect(r"Type the step number \(3\) to run it")
    child.sendline("a")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 3
    assert victim.exists()
    assert "\r\nStep 3 is DESTRUCTIVE (rm -rf): Wipe the scratch folder\r\n" in seen.getvalue()
    assert "\x1b[" not in seen.getvalue()


def recorded(store: Path) -> tuple[str, list[str]]:
    """The status of the one run in ``store`` and the statuses of its steps."""
    with open_store(store) as opened:
        (only,) = opened.list_runs()
        run = opened.get_run(only.id)
    return run.status, [step.status for step in run.steps]


def test_aborting_at_the_destructive_step_stops_the_run(tmp_path):
    path, victim = write(tmp_path)
    store = tmp_path / "h.sqlite"
    child = spawn(path, "--history", str(store))
    child.expect(r"\[d/s/a\]: ")
    child.sendline("s")
    child.expect(r"Type the step number \(3\) to run it, s to skip it, a to abort: ")
    child.sendline("no")  # not an answer: asked again, nothing runs
    child.expect(r"Type the step number \(3\)")
    child.sendline("a")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 3
    assert victim.exists()
    assert "not confirmed by the operator" in child.before
    assert recorded(store) == ("declined", ["passed", "skipped", "declined"])


def test_skipping_the_destructive_step_goes_on_with_the_run(tmp_path):
    victim = tmp_path / "scratch"
    victim.mkdir()
    path = tmp_path / "skip.md"
    steps = f"# Step 1: Wipe the scratch folder\nrm -rf {victim}\n\n# Step 2: Go on\necho went-on\n"
    path.write_text(f"# Skip\n\n## Fix\n\n```bash\n{steps}```\n", encoding="utf-8")
    store = tmp_path / "h.sqlite"
    child = spawn(path, "--history", str(store))
    child.expect(r"Step 1 is DESTRUCTIVE \(rm -rf\)")
    child.expect(r"s to skip it, a to abort: ")
    child.sendline("s")
    child.expect("went-on")  # step 2 ran
    child.expect(pexpect.EOF)
    child.close()
    assert victim.exists()  # step 1 did not run
    assert child.exitstatus == 0, child.before
    assert recorded(store) == ("passed", ["skipped", "passed"])


def test_typing_the_step_number_runs_the_destructive_step(tmp_path):
    path, victim = write(tmp_path)
    store = tmp_path / "h.sqlite"
    child = spawn(path, "--history", str(store))
    child.expect(r"\[d/s/a\]: ")
    child.sendline("s")
    child.expect(r"s to skip it, a to abort: ")
    child.sendline("3")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert not victim.exists()
    assert recorded(store) == ("passed", ["passed", "skipped", "passed", "passed", "passed"])


def test_rollback_is_offered_after_a_failure_and_runs_when_accepted(tmp_path):
    path, victim = write(tmp_path, fail="echo broken >&2; exit 4")
    child = spawn(path, "--allow-destructive")
    child.expect(r"\[d/s/a\]: ")
    child.sendline("done")
    child.expect(
        r"Step 5 failed\. Run the rollback 'Rollback Plan \(if fix fails\)' \(1 steps\) now\? "
        r"\[y/N\]: "
    )
    assert not victim.exists()
    child.sendline("y")
    child.expect("rollback after run")
    child.expect("restored")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert victim.exists()


@pytest.mark.parametrize("answer", ["", "n"])
def test_rollback_declined(tmp_path, answer):
    path, victim = write(tmp_path, fail="exit 4")
    child = spawn(path, "--allow-destructive", "--yes")
    child.expect(r"\[y/N\]: ")
    child.sendline(answer)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert not victim.exists()
    assert "restored" not in child.before


SECRET_PROMPTS = """# Secrets

## Fix

```bash
# Step 1: Log in
# Log in to the console with the token s3cr3t-token-value and DB_PASSWORD=hunter2xyz

# Step 2: Wipe the scratch folder
PGPASSWORD=hunter2xyz rm -rf {victim}
```
"""


def test_prompts_show_no_secret(tmp_path):
    victim = tmp_path / "scratch"
    victim.mkdir()
    path = tmp_path / "secrets.md"
    path.write_text(SECRET_PROMPTS.format(victim=victim), encoding="utf-8")
    seen = io.StringIO()
    child = spawn(path, "--secret-env", "TOKEN")
    child.logfile_read = seen
    child.expect("Step 1 is manual: Log in")
    child.expect(r"\[d/s/a\]: ")
    child.sendline("d")
    child.expect(r"Step 2 is DESTRUCTIVE .*: Wipe the scratch folder")
    child.expect(r"Type the step number \(2\)")
    child.sendline("2")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, seen.getvalue()
    shown = seen.getvalue()
    assert "the token *** and DB_PASSWORD=***" in shown
    assert f"on local: PGPASSWORD=*** rm -rf {victim}" in shown
    assert "s3cr3t-token-value" not in shown and "hunter2xyz" not in shown
