"""The error matrix: each failure is one clear line, a documented exit code, no traceback."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.support.net import free_port
from tests.support.runbooks import write_runbook
from tests.support.sshd import client_files

pytestmark = pytest.mark.ssh


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def remote_processes(marker: str) -> list[str]:
    """Command lines of processes on this machine (the sshd's too) containing ``marker``."""
    return [cmdline for _, cmdline in processes(marker)]


def processes(marker: str) -> list[tuple[int, str]]:
    """(PID, command line) of the processes whose command line contains ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:
            continue
        if marker in cmdline:
            found.append((int(entry.name), cmdline))
    return found


@pytest.fixture
def leftovers():
    """Markers of commands a test starts; any still running afterwards are stopped by PID."""
    markers: list[str] = []
    yield markers
    for marker in markers:
        for pid, _ in processes(marker):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def wait_for(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize(
    ("host", "config", "message"),
    [
        (
            "closed-port",
            "Host closed-port\n  HostName 127.0.0.1\n  Port {free}\n",
            "127.0.0.1:{free} refused the connection",
        ),
        ("nowhere.invalid", "", "cannot resolve host 'nowhere.invalid'"),
    ],
    ids=["unreachable", "unresolvable"],
)
def test_unreachable_hosts(cli, tmp_path, host, config, message):
    free = free_port()
    ssh_config = tmp_path / "ssh_config"
    ssh_config.write_text(config.format(free=free))
    runbook = write_runbook(tmp_path, f'# Step 1: Hello\nssh root@{host} "echo hello"')
    done = cli("run", str(runbook), "-s", "fix", "--ssh-config", str(ssh_config))
    assert done.returncode == 1
    line = one_line(done.stderr)
    assert "step 1 (Hello)" in line
    assert message.format(free=free) in line


def test_authentication_failure(cli, tmp_path, sshd, ssh_keys):
    files = client_files(sshd, tmp_path / "client", ["target"], identity=ssh_keys.other)
    runbook = write_runbook(tmp_path, '# Step 1: Hello\nssh root@target "echo hello"')
    done = cli("run", str(runbook), "-s", "fix", "--ssh-config", str(files.ssh_config))
    assert done.returncode == 1
    line = one_line(done.stderr)
    assert f"authentication failed for root@127.0.0.1:{sshd.port}" in line
    assert str(ssh_keys.other) in line


def test_unknown_host_key_is_refused_then_accepted_when_asked(cli, tmp_path, sshd):
    files = client_files(sshd, tmp_path / "client", ["target"], known=False)
    runbook = write_runbook(
        tmp_path, '# Step 1: Hello\nssh root@target "echo hello"\n# Expected: hello'
    )
    args = ["run", str(runbook), "-s", "fix", "--ssh-config", str(files.ssh_config)]
    refused = cli(*args)
    assert refused.returncode == 1
    line = one_line(refused.stderr)
    assert f"unknown host key for [127.0.0.1]:{sshd.port} (ssh-ed25519 SHA256:" in line
    assert "--accept-new-host-key" in line
    assert files.known_hosts.read_text() == ""
    accepted = cli(*args, "--accept-new-host-key")
    assert accepted.returncode == 0, accepted.stderr
    assert files.known_hosts.read_text() == sshd.known_hosts_line()
    again = cli(*args)  # now known: no flag needed
    assert again.returncode == 0, again.stderr


def test_changed_host_key_is_always_refused(cli, tmp_path, sshd, ssh_keys):
    files = client_files(sshd, tmp_path / "client", ["target"])
    files.known_hosts.write_text(sshd.known_hosts_line(ssh_keys.other))
    runbook = write_runbook(tmp_path, '# Step 1: Hello\nssh root@target "echo hello"')
    for extra in ([], ["--accept-new-host-key"]):
        done = cli("run", str(runbook), "-s", "fix", "--ssh-config", str(files.ssh_config), *extra)
        assert done.returncode == 1
        line = one_line(done.stderr)
        assert f"HOST KEY CHANGED for [127.0.0.1]:{sshd.port}" in line
    assert files.known_hosts.read_text() == sshd.known_hosts_line(ssh_keys.other)


@pytest.mark.parametrize("where", ["remote", "local"])
def test_command_not_found(cli, tmp_path, target, where):
    _, files = target
    command = "frobnicate-rbk --now"
    line = f'ssh root@target "{command}"' if where == "remote" else command
    runbook = write_runbook(tmp_path, f"# Step 1: Frobnicate\n{line}")
    done = cli("run", str(runbook), "-s", "fix", "--ssh-config", str(files.ssh_config))
    assert done.returncode == 1
    message = one_line(done.stderr)
    assert "step 1 (Frobnicate): exit 127 (command not found)" in message
    assert "frobnicate-rbk: command not found" in message


@pytest.mark.parametrize("where", ["remote", "local"])
def test_timeout_stops_the_process(cli, tmp_path, target, where, leftovers):
    _, files = target
    marker = f"sleep 3{random.randrange(10**6)}.25"
    leftovers.append(marker)
    line = f'ssh root@target "{marker}; echo late"' if where == "remote" else f"{marker}; echo late"
    runbook = write_runbook(tmp_path, f"# Step 1: Wait too long\n{line}")
    started = time.monotonic()
    done = cli(
        "run", str(runbook), "-s", "fix", "--timeout", "1", "--ssh-config", str(files.ssh_config)
    )
    assert done.returncode == 1
    assert time.monotonic() - started < 15
    assert "timed out after 1s; the command was stopped" in one_line(done.stderr)
    assert wait_for(lambda: not remote_processes(marker), 3), remote_processes(marker)


@pytest.mark.parametrize("where", ["remote", "local"])
def test_sigint_stops_the_running_step_and_exits_130(tmp_path, target, where, leftovers):
    _, files = target
    marker = f"sleep 4{random.randrange(10**6)}.5"  # unique: never a leftover of another test
    leftovers.append(marker)
    line = f'ssh root@target "{marker}; echo late"' if where == "remote" else f"{marker}; echo late"
    runbook = write_runbook(tmp_path, f"# Step 1: Hang\n{line}\n\n# Step 2: Never\necho never")
    env = {**os.environ, "NO_COLOR": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "runbookkit",
            "run",
            str(runbook),
            "-s",
            "fix",
            "--ssh-config",
            str(files.ssh_config),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for(lambda: remote_processes(marker)), "the step never started"
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "interrupted" in stderr
    assert "never" not in stdout.replace("step 2", "")
    assert wait_for(lambda: not remote_processes(marker), 3), remote_processes(marker)


def test_expected_output_mismatch(cli, tmp_path):
    runbook = write_runbook(tmp_path, "# Step 1: Ping\necho nope\n# Expected: PONG")
    done = cli("run", str(runbook), "-s", "fix")
    assert done.returncode == 1
    assert "step 1 (Ping): expected output 'PONG', got 'nope'" in one_line(done.stderr)


def test_manual_step_without_terminal_is_incomplete(cli, tmp_path):
    runbook = write_runbook(
        tmp_path, "# Step 1: Ask a person\n# Check the dashboard\n\n# Step 2: After\necho after"
    )
    done = cli("run", str(runbook), "-s", "fix")
    assert done.returncode == 3
    line = one_line(done.stderr)
    assert line.startswith(f"{runbook}:6: incomplete: step 1 (Ask a person): manual step")
    assert "no terminal" in line
    assert "| after" not in done.stdout


def test_destructive_step_without_terminal_is_refused(cli, tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    runbook = write_runbook(tmp_path, f"# Step 1: Wipe\nrm -rf {victim}")
    done = cli("run", str(runbook), "-s", "fix", "--yes")  # --yes does not imply it
    assert done.returncode == 3
    line = one_line(done.stderr)
    assert "step 1 (Wipe): destructive step (rm -rf) refused: no terminal" in line
    assert "--allow-destructive" in line
    assert victim.exists()
    allowed = cli("run", str(runbook), "-s", "fix", "--allow-destructive")
    assert allowed.returncode == 0, allowed.stderr
    assert not victim.exists()


def test_placeholder_without_value_stops_before_any_step(cli, tmp_path):
    marker = tmp_path / "ran"
    runbook = write_runbook(
        tmp_path, f"# Step 1: Touch\ntouch {marker}\n\n# Step 2: Port\necho ${{PORT}}"
    )
    done = cli("run", str(runbook), "-s", "fix")
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert f"{runbook}:10: step 2 (Port) needs a value for PORT" in line
    assert not marker.exists()


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (
            "echo before; kill -9 $PPID; sleep 5",
            "connection lost: the remote end closed the connection",
        ),
        ("kill -9 $$", "the command ended without an exit status (killed by a signal?)"),
    ],
    ids=["connection-lost", "killed"],
)
def test_remote_command_cut_short(cli, tmp_path, target, command, message):
    _, files = target
    runbook = write_runbook(
        tmp_path, f'# Step 1: Cut\nssh root@target "{command}"\n\n# Step 2: Next\necho next'
    )
    args = ["run", str(runbook), "-s", "fix", "--allow-destructive", "--retry", "3"]
    done = cli(*args, "--retry-delay", "0", "--ssh-config", str(files.ssh_config))
    assert done.returncode == 1
    assert f"step 1 (Cut): {message}" in one_line(done.stderr)
    assert "| next" not in done.stdout
