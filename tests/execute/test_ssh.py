"""SSH connections as configured: TCP_NODELAY, quick ACKs, known_hosts where ssh_config says."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from runbookkit.execute.ssh import ConnectError, Connections, QuickAckSocket, SshOptions
from runbookkit.model import Target
from tests.conftest import run_cli
from tests.support.runbooks import write_runbook

pytestmark = pytest.mark.ssh


def test_connection_socket_has_tcp_nodelay(target):
    server, files = target
    notices: list[str] = []
    connections = Connections(SshOptions(ssh_config=files.ssh_config), notices.append)
    try:
        conn = connections.get(Target(host="target"))
        assert conn.transport.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        assert isinstance(conn.transport.sock, QuickAckSocket)
        assert connections.get(Target(host="target")) is conn
        assert connections.label(Target(host="target")) == f"root@127.0.0.1:{server.port}"
    finally:
        connections.close()
    assert notices == []


@pytest.mark.skipif(not hasattr(socket, "TCP_QUICKACK"), reason="TCP_QUICKACK is Linux only")
def test_quick_ack_socket_acknowledges_each_read_at_once():
    # TCP_QUICKACK 0 puts the receiver in delayed-ACK ("pingpong") mode, where a plain socket
    # stays after a read (until its ACK timer fires); ours leaves it at once, so the sender's
    # next packet needn't wait for our ACK.
    with socket.create_server(("127.0.0.1", 0)) as listener:
        sender = socket.create_connection(listener.getsockname())
        accepted, _ = listener.accept()
        receiver = QuickAckSocket(fileno=accepted.detach())
        with sender, receiver:
            receiver.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 0)
            sender.sendall(b"hostkeys")
            assert receiver.recv(64) == b"hostkeys"
            assert receiver.getsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK) == 1


def test_accept_new_creates_the_known_hosts_file(tmp_path, sshd, ssh_keys):
    known = tmp_path / "fresh" / "dir" / "known_hosts"
    config = tmp_path / "ssh_config"
    config.write_text(
        f"Host target\n  HostName 127.0.0.1\n  Port {sshd.port}\n  User root\n"
        f"  IdentityFile {ssh_keys.client}\n  UserKnownHostsFile {known}\n"
    )
    refusing = Connections(SshOptions(ssh_config=config), print)
    with pytest.raises(ConnectError, match="unknown host key"):
        refusing.get(Target(host="target"))
    assert not known.exists()
    accepting = Connections(SshOptions(ssh_config=config, accept_new_host_key=True), print)
    try:
        accepting.get(Target(host="target"))
    finally:
        accepting.close()
    assert known.read_text() == sshd.known_hosts_line()
    assert known.stat().st_mode & 0o777 == 0o600


def test_runbook_options_that_runbookkit_ignores_are_named(target):
    _, files = target
    notices: list[str] = []
    connections = Connections(SshOptions(ssh_config=files.ssh_config), notices.append)
    options = {"StrictHostKeyChecking": "no", "ConnectTimeout": "5"}
    try:
        connections.get(Target(host="target", options=options))
    finally:
        connections.close()
    assert notices == [
        "target: ssh option -o stricthostkeychecking is ignored by runbookkit "
        "(host keys are always checked)"
    ]


def test_paramiko_log_lines_stay_off_stderr():
    # paramiko logs a dropped connection ("Socket exception: Connection reset by peer") as an
    # error, which Python prints when no handler is set up; the run explains it in one line.
    code = (
        "import logging\n"
        "from runbookkit.execute.ssh import Connections, SshOptions\n"
        "Connections(SshOptions(), print)\n"
        "logging.getLogger('paramiko.transport').error('Socket exception: reset (104)')\n"
        "logging.getLogger('elsewhere').error('still shown')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "still shown\n"


@pytest.mark.parametrize(
    ("options", "port", "timeout"),
    [
        ({"Port": "ssh"}, 22, 10.0),
        ({"port": "2222", "CONNECTTIMEOUT": "5s"}, 2222, 5.0),
        ({"ConnectTimeout": "1m30s"}, 22, 90.0),
    ],
)
def test_option_values_are_read_as_openssh_reads_them(tmp_path, options, port, timeout):
    config = tmp_path / "ssh_config"
    config.write_text("Host h\n  HostName 127.0.0.1\n  User root\n")
    connections = Connections(SshOptions(ssh_config=config), print)
    link = connections.resolve(Target(host="h", options=options))
    assert (link.port, link.timeout) == (port, timeout)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"Port": "no-such-service"}, "h: Port 'no-such-service': expected a port number"),
        ({"ConnectTimeout": "5x"}, "h: ConnectTimeout '5x': expected a time such as 10, 10s"),
    ],
)
def test_bad_option_values_are_one_line(tmp_path, options, message):
    config = tmp_path / "ssh_config"
    config.write_text("")
    connections = Connections(SshOptions(ssh_config=config), print)
    with pytest.raises(ConnectError) as refused:
        connections.get(Target(host="h", options=options))
    assert str(refused.value).startswith(message)
    assert connections.label(Target(host="h", options=options)) == "h"


def test_ssh_config_values_are_read_as_openssh_reads_them(target, tmp_path):
    _, files = target
    text = files.ssh_config.read_text().replace(
        "  User root\n", "  User root\n  ConnectTimeout 1m\n"
    )
    files.ssh_config.write_text(text)
    connections = Connections(SshOptions(ssh_config=files.ssh_config), print)
    try:
        link = connections.get(Target(host="target"))
        assert link.timeout == 60.0
    finally:
        connections.close()


def test_a_runbook_timeout_with_a_unit_connects(target, tmp_path):
    _, files = target
    runbook = write_runbook(tmp_path, "ssh -o ConnectTimeout=5s -o 'User root' target 'echo ok-5s'")
    result = run_cli("run", str(runbook), "-s", "fix", "--ssh-config", str(files.ssh_config))
    assert result.returncode == 0, result.stderr
    assert "ok-5s" in result.stdout


def test_a_missing_identity_file_of_ssh_config_is_skipped_quietly(target, tmp_path):
    _, files = target
    missing = tmp_path / "no-such-key"
    text = files.ssh_config.read_text().replace(
        "  IdentityFile ", f"  IdentityFile {missing}\n  IdentityFile "
    )
    files.ssh_config.write_text(text)
    notices: list[str] = []
    connections = Connections(SshOptions(ssh_config=files.ssh_config), notices.append)
    try:
        link = connections.get(Target(host="target"))
        assert str(missing) not in link.keys
    finally:
        connections.close()
    assert notices == []


def test_a_missing_identity_flag_is_one_line(target, tmp_path):
    _, files = target
    runbook = write_runbook(tmp_path, "ssh target 'echo hi'")
    missing = tmp_path / "no-such-key"
    result = run_cli(
        *("run", str(runbook), "-s", "fix", "--ssh-config", str(files.ssh_config)),
        *("--identity", str(missing)),
    )
    assert result.returncode == 2
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert "'--identity'" in error and f"{missing}' does not exist" in error
    assert "Traceback" not in result.stderr


def test_a_bad_option_value_in_a_runbook_fails_its_step_in_one_line(target, tmp_path):
    _, files = target
    runbook = write_runbook(tmp_path, "ssh -o Port=nope target 'echo hi'")
    result = run_cli("run", str(runbook), "-s", "fix", "--ssh-config", str(files.ssh_config))
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"{runbook}:6: failed: step 1 (Fix): target: Port 'nope': expected a port number or "
        "service name"
    ]


def test_a_fifo_for_ssh_config_or_known_hosts_is_refused_without_blocking(target, tmp_path):
    _, files = target
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    runbook = write_runbook(tmp_path, "ssh target 'echo hi'")
    args = ("run", str(runbook), "-s", "fix", "--ssh-config", str(fifo))
    result = run_cli(*args, timeout=20, subprocess=True)  # a blocked open is killed
    assert result.returncode == 2, result.stdout + result.stderr
    assert "named pipe" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    text = files.ssh_config.read_text()
    files.ssh_config.write_text(
        "\n".join(
            f"  UserKnownHostsFile {fifo}" if "UserKnownHostsFile" in line else line
            for line in text.splitlines()
        )
    )
    connections = Connections(SshOptions(ssh_config=files.ssh_config), print)
    try:
        with pytest.raises(ConnectError, match="unknown host key"):
            connections.get(Target(host="target"))
    finally:
        connections.close()
