"""A step's commands: where they run (``--host`` read by the fleet's address parser) and their
output, masked as it streams, before anything is shown or its tail is kept."""

from __future__ import annotations

import pytest

import runbookkit
from runbookkit.errors import ConfigError
from runbookkit.execute.events import TAIL_BYTES, Recorder, StepOutput, tail
from runbookkit.execute.runner import RunOptions
from runbookkit.execute.steps import on_host
from runbookkit.model import Target
from tests.support.runbooks import write_runbook

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
    with pytest.raises(ConfigError, match=r"^host "):
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


KEY_LINE = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7" + "a" * 12


def _run(tmp_path, body: str, secret: str = "abcdef", stream: str = "stdout"):
    recorder = Recorder()
    options = RunOptions(variables={"PW": secret}, secrets=frozenset({"PW"}))
    outcome = runbookkit.run(write_runbook(tmp_path, body), "fix", options, listeners=[recorder])
    shown = [e.text for e in recorder.events if isinstance(e, StepOutput) and e.stream == stream]
    return outcome, shown


def test_a_secret_printed_in_two_pieces_is_masked_live_and_in_the_result(tmp_path):
    outcome, shown = _run(tmp_path, "# Step 1: Print\nprintf 'abc'; sleep 0.2; printf 'def\\n'")
    assert outcome.exit_code == 0, outcome.error
    assert "".join(shown) == "***\n"
    assert not any("abc" in text or "def" in text for text in shown)
    assert outcome.results[0].stdout == "***\n"


def test_output_larger_than_one_read_is_masked_at_every_boundary(tmp_path):
    # 64 KiB is what a session reads at once: the secrets straddle the first reads' ends.
    body = (
        "# Step 1: Print\n"
        "head -c 65533 /dev/zero | tr '\\0' x; printf %s \"$PW\"; "
        "head -c 65530 /dev/zero | tr '\\0' y; printf '%s\\n' \"$PW\" >&2; "
        'printf \'%s\\n\' "$PW" "$PW"'
    )
    outcome, shown = _run(tmp_path, body)
    assert outcome.exit_code == 0, outcome.error
    expected = "x" * 65533 + "***" + "y" * 65530 + "***\n***\n"
    assert "".join(shown) == expected
    assert outcome.results[0].stdout == tail(expected)
    assert outcome.results[0].stderr == "***\n"


def test_a_private_key_whose_begin_line_falls_before_the_tail_is_masked(tmp_path):
    lines = 2 * TAIL_BYTES // len(KEY_LINE)
    body = (
        "# Step 1: Print a key\n"
        "echo '-----BEGIN RSA PRIVATE KEY-----'\n"
        f"for i in $(seq {lines}); do echo {KEY_LINE}; done\n"
        "echo '-----END RSA PRIVATE KEY-----'; echo done"
    )
    outcome, shown = _run(tmp_path, body)
    assert outcome.exit_code == 0, outcome.error
    assert outcome.results[0].stdout == "***\ndone\n"
    assert KEY_LINE[:20] not in "".join(shown)


def test_a_key_cut_off_by_the_tail_without_end_is_masked(tmp_path):
    body = (
        "# Step 1: Print a key, fail\n"
        "echo before; echo '-----BEGIN OPENSSH PRIVATE KEY-----'\n"
        f"for i in $(seq 300); do echo {KEY_LINE}; done; exit 3"
    )
    outcome, shown = _run(tmp_path, body)
    assert outcome.exit_code == 1
    assert outcome.results[0].stdout == "before\n***"
    assert KEY_LINE[:20] not in "".join(shown) + (outcome.results[0].error or "")
