"""Ansible inventories (``--hosts @ansible:PATH``) read by ansible-inventory, run on real sshd."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from runbookkit.fleet.ansible import executable, ssh_options
from tests.conftest import run_cli
from tests.fleet.test_run import events
from tests.support.fleet_servers import FleetServers
from tests.support.runbooks import write_runbook

needs_ansible = pytest.mark.skipif(
    executable() is None, reason="ansible-core is not installed (pip install -e '.[test]')"
)


def write_inventory(directory: Path, fleet: FleetServers) -> Path:
    """A directory inventory: nested groups, group_vars, host_vars, a jump host, a dead jump."""
    one, three, four = (fleet.by_name(n) for n in ("host-1", "host-3", "host-4"))
    inventory = directory / "inventory"
    (inventory / "group_vars").mkdir(parents=True)
    (inventory / "host_vars").mkdir()
    (inventory / "hosts.yml").write_text(
        "all:\n"
        "  children:\n"
        "    fleet:\n"
        "      children:\n"
        "        direct:\n"
        "          hosts:\n"
        f"            app-1: {{ansible_host: {one.address}, ansible_port: {one.port}}}\n"
        "        jumped:\n"
        "          hosts:\n"
        f"            app-3:\n"
        f"              ansible_host: {three.address}\n"
        f"              ansible_port: {three.port}\n"
        f"              ansible_ssh_common_args: '-o ProxyJump=root@{one.address}:{one.port}'\n"
        f"            app-4:\n"
        f"              ansible_host: {four.address}\n"
        f"              ansible_port: {four.port}\n"
        "              ansible_ssh_common_args: '-J root@127.0.0.9:1'\n"
    )
    (inventory / "group_vars" / "fleet.yml").write_text(
        f"ansible_user: root\nansible_ssh_private_key_file: {fleet.keys.client}\nenv: prod\n"
    )
    (inventory / "group_vars" / "jumped.yml").write_text("role: replica\n")
    (inventory / "host_vars" / "app-1.yml").write_text("role: primary\nports: [80, 443]\n")
    return inventory


def ssh_config(directory: Path, fleet: FleetServers) -> Path:
    path = directory / "ssh_config"
    path.write_text(
        f"Host *\n  UserKnownHostsFile {fleet.known_hosts}\n  IdentityFile {fleet.keys.client}\n"
        "  IdentitiesOnly yes\n"
    )
    return path


@needs_ansible
def test_hosts_lists_an_ansible_inventory_with_nested_groups(fleet_servers, tmp_path):
    inventory = write_inventory(tmp_path, fleet_servers)
    listed = run_cli("hosts", "--hosts", f"@ansible:{inventory}", "--group", "fleet", "--json")
    assert listed.returncode == 0, listed.stderr
    hosts = {h["name"]: h for h in json.loads(listed.stdout)}
    assert list(hosts) == ["app-1", "app-3", "app-4"]
    one = fleet_servers.by_name("host-1")
    assert hosts["app-1"]["address"] == f"root@{one.address}:{one.port}"
    assert hosts["app-1"]["identity"] == str(fleet_servers.keys.client)
    assert hosts["app-1"]["vars"] == {"env": "prod", "role": "primary", "ports": "[80, 443]"}
    assert hosts["app-3"]["vars"] == {"env": "prod", "role": "replica"}
    assert hosts["app-3"]["options"] == {"ProxyJump": f"root@{one.address}:{one.port}"}
    assert hosts["app-4"]["options"] == {"ProxyJump": "root@127.0.0.9:1"}
    assert hosts["app-3"]["groups"] == ["jumped"]
    direct = run_cli("hosts", "--hosts", f"@ansible:{inventory}", "--group", "direct", "--json")
    assert [h["name"] for h in json.loads(direct.stdout)] == ["app-1"]


@pytest.mark.ssh
@needs_ansible
def test_a_run_on_an_ansible_group_reaches_each_host_directly_or_through_its_jump(
    fleet_servers, tmp_path
):
    inventory = write_inventory(tmp_path, fleet_servers)
    runbook = write_runbook(
        tmp_path, '# Step 1: Where\necho "$role $env on $SSH_CONNECTION"', name="fleet"
    )
    result = run_cli(
        "run", str(runbook), "-s", "fix", "--hosts", f"@ansible:{inventory}", "--group", "fleet",
        "--ssh-config", str(ssh_config(tmp_path, fleet_servers)), "--json",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    results = {
        e["result"]["host"]: e["result"]
        for e in events(result.stdout)
        if e["event"] == "StepFinished"
    }
    one, three = fleet_servers.by_name("host-1"), fleet_servers.by_name("host-3")
    assert results["app-1"]["status"] == "passed"
    assert results["app-1"]["stdout"].startswith("primary prod on ")
    assert f"{one.address} {one.port}" in results["app-1"]["stdout"]
    assert results["app-3"]["status"] == "passed"
    assert results["app-3"]["stdout"].startswith("replica prod on ")
    assert f"{three.address} {three.port}" in results["app-3"]["stdout"]
    # app-4's server is up, but its jump host is not: it is reached through the jump or not at all.
    assert results["app-4"]["status"] == "failed"
    assert "127.0.0.9" in results["app-4"]["error"]


def test_without_ansible_an_ansible_inventory_is_one_line_and_exit_2(tmp_path):
    if (Path(sys.executable).parent / "ansible-inventory").exists():
        pytest.skip("ansible-inventory is installed beside this Python")
    (tmp_path / "hosts.ini").write_text("[web]\nweb-1\n")
    env = {"PATH": "/usr/bin:/bin", "RUNBOOKKIT_ANSIBLE_INVENTORY": ""}
    done = run_cli("hosts", "--hosts", "@ansible:hosts.ini", cwd=tmp_path, env=env)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hosts.ini: @ansible: inventories are read by")
    assert "pip install ansible-core" in lines[0]


@needs_ansible
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[web\nx\n", "hosts.ini: ansible-inventory: Failed to parse inventory with 'ini' plugin"),
        (None, "missing.ini: Ansible inventory not found"),
    ],
)
def test_a_bad_ansible_inventory_is_one_line_and_exit_2(tmp_path, text, message):
    name = "hosts.ini" if text is not None else "missing.ini"
    if text is not None:
        (tmp_path / name).write_text(text)
    done = run_cli("hosts", "--hosts", f"@ansible:{name}", cwd=tmp_path)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith(message), done.stderr


def test_ssh_arguments_give_the_jump_and_the_options() -> None:
    assert ssh_options("-o ProxyJump=ops@bastion:2222 -o StrictHostKeyChecking=no", "x") == {
        "ProxyJump": "ops@bastion:2222",
        "StrictHostKeyChecking": "no",
    }
    assert ssh_options("-J bastion -oConnectTimeout=5", "x") == {
        "ProxyJump": "bastion",
        "ConnectTimeout": "5",
    }
    assert ssh_options('-o "ProxyJump bastion"', "x") == {"ProxyJump": "bastion"}
