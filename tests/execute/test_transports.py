"""Secrets reach the shells as environment over their input: no process's arguments hold them."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pexpect

from tests.conftest import ROOT
from tests.support.runbooks import write_runbook

SECRET = "ps-visible-s3cr3t-41"


def _listings(process: object, marks: list[str], timeout: float = 40) -> dict[str, str]:
    """``ps -ww -eo args`` at the moment each of ``marks`` is first seen running."""
    seen: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while len(seen) < len(marks) and time.monotonic() < deadline:
        listing = subprocess.run(
            ["ps", "-ww", "-eo", "args"], capture_output=True, text=True
        ).stdout
        for mark in marks:
            if mark not in seen and mark in listing:
                seen[mark] = listing
        time.sleep(0.05)
    return seen


def test_no_process_here_or_on_the_host_shows_a_secret_while_a_step_runs(target, tmp_path):
    _, files = target
    body = (
        '# Step 1: Here\necho "$PW" > /dev/null; sleep 2.71\n\n'
        "# Step 2: There\nssh root@target 'echo \"$PW\" > /dev/null; sleep 2.72'"
    )
    path = write_runbook(tmp_path, body)
    args = ["run", str(path), "-s", "fix", "--ssh-config", str(files.ssh_config)]
    process = subprocess.Popen(
        [sys.executable, "-m", "runbookkit", *args, "--secret-env", "PW"],
        cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1", "PW": SECRET},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        seen = _listings(process, ["sleep 2.71", "sleep 2.72"])
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, out + err
    assert set(seen) == {"sleep 2.71", "sleep 2.72"}
    for listing in seen.values():
        assert "--secret-env PW" in listing  # runbookkit itself is in the listing
        assert SECRET not in listing


def test_a_terminal_command_on_the_host_gets_its_variables_outside_its_command_line(
    target, tmp_path
):
    _, files = target
    body = (
        "# Step 1: Ask\n"
        'ssh root@target \'read -t 20 -p "answer: " answer; '
        f'test ${{#PW}} = {len(SECRET)} && echo "got $answer"\''
    )
    path = write_runbook(tmp_path, body)
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(TERM="xterm-256color", PW=SECRET)
    args = ["run", str(path), "-s", "fix", "--ssh-config", str(files.ssh_config), "--tty"]
    child = pexpect.spawn(
        sys.executable,
        ["-m", "runbookkit", *args, "--secret-env", "PW"],
        cwd=str(ROOT),
        env=env,
        encoding="utf-8",
        timeout=30,
    )
    try:
        child.expect("answer: ")
        listing = subprocess.run(
            ["ps", "-ww", "-eo", "args"], capture_output=True, text=True
        ).stdout
        child.sendline("yes")
        child.expect("got yes")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, child.before
    assert "--secret-env PW" in listing
    assert SECRET not in listing
