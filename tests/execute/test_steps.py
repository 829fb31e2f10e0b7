"""Where a step's commands run: ``--host`` read by the fleet's address parser."""

from __future__ import annotations

import pytest

from runbookkit.errors import ConfigError
from runbookkit.execute.steps import on_host
from runbookkit.tree import Target
from tests.execute.conftest import write_runbook

WRITTEN = Target(host="46.149.70.219", user="root", port=2200)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("[::1]:2222", Target(host="::1", user="root", port=2222)),
        ("[2001:db8::5]", Target(host="2001:db8::5", user="root", port=2200)),
        ("2001:db8::5", Target(host="2001:db8::5", user="root", port=2200)),
        ("ops@web:2222", Target(host="web", user="ops", port=2222)),
        ("ops@web", Target(host="web", user="ops", port=2200)),
        ("ops@[::1]:2022", Target(host="::1", user="ops", port=2022)),
        ("web", Target(host="web", user="root", port=2200)),
    ],
)
def test_host_flag_is_read_by_the_address_parser(host, expected):
    assert on_host(WRITTEN, host) == expected


@pytest.mark.parametrize("host", ["ops@web:abc", "[::1", "@web", "web:0", "[::1]x"])
def test_a_bad_host_flag_is_refused(host):
    with pytest.raises(ConfigError, match=r"^--host: host "):
        on_host(WRITTEN, host)


def test_a_bad_host_flag_is_one_line_and_runs_nothing(cli, tmp_path):
    marker = tmp_path / "ran"
    runbook = write_runbook(tmp_path, f"touch {marker}\nssh web 'echo hi'")
    done = cli("run", str(runbook), "-s", "fix", "--host", "ops@web:abc")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "--host: host 'ops@web:abc': 'abc' is not a port, expected a number from 1 to 65535"
    ]
    assert not marker.exists()


@pytest.mark.ssh
def test_host_flag_reaches_an_ipv6_loopback_server(cli, sshd_factory, tmp_path):
    server = sshd_factory(address="::1")
    known = tmp_path / "known_hosts"
    known.write_text(server.known_hosts_line())
    config = tmp_path / "ssh_config"
    config.write_text(
        f"Host ::1\n  IdentityFile {server.keys.client}\n  IdentitiesOnly yes\n"
        f"  UserKnownHostsFile {known}\n  GlobalKnownHostsFile /dev/null\n"
    )
    runbook = write_runbook(tmp_path, "ssh web 'echo at $SSH_CONNECTION'")
    done = cli(
        *("run", str(runbook), "-s", "fix", "--ssh-config", str(config)),
        *("--host", f"root@[::1]:{server.port}"),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"::1 {server.port}" in done.stdout
