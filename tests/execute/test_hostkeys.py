"""Host keys checked like OpenSSH on every hop: jump hosts, host certificates, @revoked keys."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from runbookkit.execute.hostkeys import GLOBAL_KNOWN_HOSTS, KnownHosts, read_entries
from runbookkit.execute.ssh import ConnectError, Connections, SshOptions
from runbookkit.model import Target
from tests.conftest import run_cli
from tests.support.runbooks import write_runbook
from tests.support.sshd import Keys, SshServer, keygen

pytestmark = pytest.mark.ssh


def public(key: Path) -> str:
    """``type base64`` of a key's .pub file."""
    return " ".join(key.with_suffix(".pub").read_text().split()[:2])


def block(alias: str, server: SshServer, known: Path, extra: str = "") -> str:
    """An ssh_config entry for ``server`` as ``alias``, its keys checked against ``known`` only."""
    return (
        f"Host {alias}\n  HostName {server.address}\n  Port {server.port}\n  User root\n"
        f"  IdentityFile {server.keys.client}\n  IdentitiesOnly yes\n"
        f"  UserKnownHostsFile {known}\n  GlobalKnownHostsFile /dev/null\n{extra}"
    )


def connect(config: Path, alias: str = "target") -> str:
    """Connect to ``alias`` as ``config`` says, run ``echo`` there, return what it printed."""
    connections = Connections(SshOptions(ssh_config=config), print)
    try:
        link = connections.get(Target(host=alias))
        _, out, _ = link.client.exec_command("echo reached $SSH_CONNECTION")
        return str(out.read().decode())
    finally:
        connections.close()


def signed_keys(directory: Path, ssh_keys: Keys, ca: Path, *flags: str) -> Keys:
    """Keys with a host key of their own, certified by ``ca`` (``ssh-keygen -s``) with ``flags``."""
    host = keygen(directory / "host_ed25519")
    command = ["ssh-keygen", "-q", "-s", str(ca), "-h", "-I", "test-host", *flags]
    subprocess.run([*command, str(host.with_suffix(".pub"))], check=True, capture_output=True)
    return Keys(host=host, client=ssh_keys.client, other=ssh_keys.other)


def cert_server(sshd_factory, tmp_path: Path, ssh_keys: Keys, ca: Path, *flags: str) -> SshServer:
    """An sshd that offers a host certificate signed by ``ca``."""
    keys = signed_keys(tmp_path / f"signed-{len(flags)}", ssh_keys, ca, *flags)
    return sshd_factory(keys=keys, extra=f"HostCertificate {keys.host}-cert.pub\n")


@pytest.fixture
def ca(tmp_path):
    """A certificate authority's key pair."""
    return keygen(tmp_path / "ca" / "ca_ed25519")


# Jump hosts: checked against known_hosts exactly as the target is.


def jump_config(tmp_path: Path, target: SshServer, hops: list[SshServer], known: str) -> Path:
    """An ssh_config reaching ``target`` through ``hops`` (ProxyJump hop-1,hop-2…)."""
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(known)
    names = ",".join(f"hop-{n}" for n in range(1, len(hops) + 1))
    blocks = [block(f"hop-{n}", hop, known_hosts) for n, hop in enumerate(hops, 1)]
    blocks.append(block("target", target, known_hosts, f"  ProxyJump {names}\n"))
    config = tmp_path / "ssh_config"
    config.write_text("\n".join(blocks))
    return config


def test_a_jump_host_whose_key_changed_is_refused_naming_it(sshd_factory, tmp_path, ssh_keys):
    target, bastion = sshd_factory(), sshd_factory(address="127.0.0.11")
    lines = target.known_hosts_line() + bastion.known_hosts_line(ssh_keys.other)
    config = jump_config(tmp_path, target, [bastion], lines)
    with pytest.raises(ConnectError) as refused:
        connect(config)
    message = str(refused.value)
    assert message.startswith(f"jump host root@127.0.0.11:{bastion.port} (for root@")
    assert f"HOST KEY CHANGED for {bastion.host_id}:" in message
    assert "\n" not in message


def test_a_jump_host_with_an_unknown_key_is_refused(sshd_factory, tmp_path):
    target, bastion = sshd_factory(), sshd_factory(address="127.0.0.11")
    config = jump_config(tmp_path, target, [bastion], target.known_hosts_line())
    with pytest.raises(ConnectError) as refused:
        connect(config)
    assert str(refused.value).startswith(
        f"jump host root@127.0.0.11:{bastion.port} (for root@127.0.0.1:{target.port}): "
        f"unknown host key for [127.0.0.11]:{bastion.port} ("
    )


def test_a_jump_host_with_the_right_key_carries_the_connection(sshd_factory, tmp_path):
    target, bastion = sshd_factory(), sshd_factory(address="127.0.0.11")
    lines = target.known_hosts_line() + bastion.known_hosts_line()
    assert connect(jump_config(tmp_path, target, [bastion], lines)).startswith("reached ")
    bastion.stop()  # without its jump host, the target can't be reached any more
    with pytest.raises(ConnectError, match="jump host"):
        connect(jump_config(tmp_path, target, [bastion], lines))


def test_every_hop_of_a_jump_chain_is_checked(sshd_factory, tmp_path, ssh_keys):
    target = sshd_factory()
    first, second = sshd_factory(address="127.0.0.11"), sshd_factory(address="127.0.0.12")
    good = target.known_hosts_line() + second.known_hosts_line()
    config = jump_config(tmp_path, target, [first, second], good + first.known_hosts_line())
    assert connect(config).startswith("reached ")
    wrong_first = good + first.known_hosts_line(ssh_keys.other)
    with pytest.raises(ConnectError, match=r"HOST KEY CHANGED for \[127\.0\.0\.11\]"):
        connect(jump_config(tmp_path, target, [first, second], wrong_first))


def test_a_proxy_command_of_the_alias_carries_a_fleet_run(sshd, tmp_path):
    relay = tmp_path / "relay.py"
    used = tmp_path / "relay-used"
    relay.write_text(
        "import pathlib, socket, sys, threading\n"
        f"pathlib.Path({str(used)!r}).write_text(' '.join(sys.argv[1:]))\n"
        "sock = socket.create_connection((sys.argv[1], int(sys.argv[2])))\n"
        "def back():\n"
        "    while data := sock.recv(65536):\n"
        "        sys.stdout.buffer.write(data); sys.stdout.buffer.flush()\n"
        "threading.Thread(target=back, daemon=True).start()\n"
        "while data := sys.stdin.buffer.read1(65536):\n"
        "    sock.sendall(data)\n"
    )
    known = tmp_path / "known_hosts"
    known.write_text(sshd.known_hosts_line())
    config = tmp_path / "ssh_config"
    command = f"  ProxyCommand {sys.executable} {relay} %h %p\n"
    config.write_text(block("target", sshd, known, command))
    runbook = write_runbook(tmp_path, "echo via $SSH_CONNECTION\n# Expected: via 127.0.0.1")
    result = run_cli(
        *("run", str(runbook), "-s", "fix", "--hosts", "target", "--ssh-config", str(config)),
        env={"RUNBOOKKIT_HISTORY": str(tmp_path / "history.sqlite")},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert used.read_text() == f"127.0.0.1 {sshd.port}"


# Host certificates and @cert-authority lines.


def test_a_host_certificate_signed_by_a_listed_ca_is_accepted(sshd_factory, tmp_path, ssh_keys, ca):
    server = cert_server(sshd_factory, tmp_path, ssh_keys, ca, "-n", "127.0.0.1,db.internal")
    known = tmp_path / "known_hosts"
    known.write_text(f"@cert-authority [127.0.0.1]:*,db.internal {public(ca)}\n")
    config = tmp_path / "ssh_config"
    config.write_text(block("target", server, known))
    connections = Connections(SshOptions(ssh_config=config), print)
    try:
        link = connections.get(Target(host="target"))
        assert link.transport.host_key_type == "ssh-ed25519-cert-v01@openssh.com"
    finally:
        connections.close()
    assert known.read_text() == f"@cert-authority [127.0.0.1]:*,db.internal {public(ca)}\n"


def test_the_global_known_hosts_file_counts(sshd_factory, tmp_path, ssh_keys, ca):
    server = cert_server(sshd_factory, tmp_path, ssh_keys, ca, "-n", "127.0.0.1")
    system = tmp_path / "ssh_known_hosts"
    system.write_text(f"@cert-authority * {public(ca)}\n")
    config = tmp_path / "ssh_config"
    text = block("target", server, tmp_path / "empty").replace("/dev/null", str(system))
    config.write_text(text)
    assert connect(config).startswith("reached ")
    assert KnownHosts([tmp_path / "none"]).files == [tmp_path / "none"]
    assert GLOBAL_KNOWN_HOSTS[0] == Path("/etc/ssh/ssh_known_hosts")


@pytest.mark.parametrize(
    ("flags", "why"),
    [
        (("-n", "db.internal"), "is for db.internal, not 127.0.0.1"),
        (("-n", "127.0.0.1", "-V", "20000101:20010101"), "is not valid now"),
    ],
)
def test_a_certificate_that_does_not_fit_is_refused(
    sshd_factory, tmp_path, ssh_keys, ca, flags, why
):
    server = cert_server(sshd_factory, tmp_path, ssh_keys, ca, *flags)
    known = tmp_path / "known_hosts"
    known.write_text(f"@cert-authority * {public(ca)}\n")
    config = tmp_path / "ssh_config"
    config.write_text(block("target", server, known))
    with pytest.raises(ConnectError, match="unknown host key") as refused:
        connect(config)
    assert why in str(refused.value)


def test_a_certificate_of_another_ca_is_refused(sshd_factory, tmp_path, ssh_keys, ca):
    server = cert_server(sshd_factory, tmp_path, ssh_keys, ca, "-n", "127.0.0.1")
    known = tmp_path / "known_hosts"
    known.write_text(f"@cert-authority * {public(ssh_keys.other)}\n")
    config = tmp_path / "ssh_config"
    config.write_text(block("target", server, known))
    with pytest.raises(ConnectError, match="signed by no @cert-authority listed"):
        connect(config)


def test_a_plain_key_is_unknown_when_only_a_ca_is_listed(sshd, tmp_path, ca):
    known = tmp_path / "known_hosts"
    known.write_text(f"@cert-authority * {public(ca)}\n")
    config = tmp_path / "ssh_config"
    config.write_text(block("target", sshd, known))
    with pytest.raises(ConnectError, match=rf"unknown host key for \[127\.0\.0\.1\]:{sshd.port}"):
        connect(config)


# @revoked lines.


def test_a_revoked_key_is_refused_even_when_listed(sshd, tmp_path, ssh_keys):
    known = tmp_path / "known_hosts"
    known.write_text(f"{sshd.known_hosts_line()}@revoked * {public(ssh_keys.host)}\n")
    config = tmp_path / "ssh_config"
    config.write_text(block("target", sshd, known))
    with pytest.raises(ConnectError, match=rf"REVOKED host key for \[127\.0\.0\.1\]:{sshd.port}"):
        connect(config)


def test_a_revoked_ca_is_refused_with_its_certificates(sshd_factory, tmp_path, ssh_keys, ca):
    server = cert_server(sshd_factory, tmp_path, ssh_keys, ca, "-n", "127.0.0.1")
    known = tmp_path / "known_hosts"
    known.write_text(f"@cert-authority * {public(ca)}\n@revoked * {public(ca)}\n")
    config = tmp_path / "ssh_config"
    config.write_text(block("target", server, known))
    with pytest.raises(ConnectError, match="REVOKED host key"):
        connect(config)


def test_a_run_reads_marker_lines_without_crashing(target, tmp_path, ssh_keys, ca):
    server, files = target
    others = f"@cert-authority *.example.com {public(ca)}\n@revoked * {public(ssh_keys.other)}\n"
    files.known_hosts.write_text(others + server.known_hosts_line())
    runbook = write_runbook(tmp_path, "ssh target 'echo remote-ok'")
    result = run_cli("run", str(runbook), "-s", "fix", "--ssh-config", str(files.ssh_config))
    assert result.returncode == 0, result.stderr
    assert "remote-ok" in result.stdout


# known_hosts patterns, as OpenSSH matches them.


def test_host_patterns_hashed_negated_and_wildcard(tmp_path, ssh_keys):
    key = public(ssh_keys.host)
    hashed = tmp_path / "hashed"
    hashed.write_text(f"[10.0.0.7]:2222 {key}\n")
    subprocess.run(["ssh-keygen", "-q", "-H", "-f", str(hashed)], check=True, capture_output=True)
    (entry,) = read_entries(hashed)
    assert entry.patterns[0].startswith("|1|")
    assert entry.matches("[10.0.0.7]:2222")
    assert not entry.matches("10.0.0.7")
    plain = tmp_path / "plain"
    plain.write_text(f"!10.0.0.9,10.0.0.* {key}\n[10.1.0.1]:22?? {key}\nbad line\n@bogus x {key}\n")
    negated, bracket = read_entries(plain)
    assert negated.matches("10.0.0.8") and not negated.matches("10.0.0.9")
    assert bracket.matches("[10.1.0.1]:2222") and not bracket.matches("1")
