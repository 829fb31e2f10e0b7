"""A fleet's ``--dry-run``: each host's target and values, secrets masked, nothing run."""

from __future__ import annotations

from tests.conftest import run_cli
from tests.support.runbooks import write_runbook

STEPS = """
# Step 1: Show
echo "$role $env $LEVEL" > "$HOME/ran"; redis-cli -a "$PW" ping; echo "$db_password"
"""


def test_each_host_shows_its_target_and_values_with_secrets_masked(tmp_path):
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(
        "groups:\n"
        "  cache:\n"
        "    vars: {role: replica, db_password: hunter2-inv}\n"
        "    hosts:\n"
        "      - {name: cache-1, hostname: 127.0.0.9, port: 2201, user: ops,\n"
        "         vars: {role: primary}}\n"
        "      - cache-2:2202\n"
    )
    runbook = write_runbook(tmp_path, STEPS, name="fleet")
    result = run_cli(
        "run", str(runbook), "-s", "fix", "--hosts", f"@{inventory}", "--dry-run",
        "--var", "env=prod", "--secret-env", "PW",
        cwd=tmp_path, env={"PW": "s3cr3t-pw"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "on local" not in out
    assert '       on each host: echo "$role $env $LEVEL"' in out
    assert "on 2 hosts (parallel 10):" in out
    block_1 = out[out.index("  cache-1 ") : out.index("  cache-2:2202 ")]
    block_2 = out[out.index("  cache-2:2202 ") :]
    assert block_1.startswith(f"  cache-1       ops@127.0.0.9:2201  (from {inventory}:5)")
    assert "      role=primary  (inventory)" in block_1
    assert "      role=replica  (inventory)" in block_2
    assert block_2.startswith(f"  cache-2:2202  cache-2:2202  (from {inventory}:7)")
    for block in (block_1, block_2):
        assert "      env=prod  (--var)" in block
        assert "      PW=***  (secret)" in block
        assert "      db_password=***  (inventory)" in block
        assert "      LEVEL (not given: the host's login must set it, or --var LEVEL=)" in block
    assert "s3cr3t-pw" not in out and "hunter2-inv" not in out
    assert not (tmp_path / "ran").exists()


def test_a_dry_run_connects_nowhere(tmp_path):
    # 127.0.0.9:1 has no server: a dry run that tried to connect would fail or hang.
    runbook = write_runbook(tmp_path, "# Step 1: Mark\ntouch ran", name="fleet")
    result = run_cli(
        "run", str(runbook), "-s", "fix", "--hosts", "127.0.0.9:1,root@127.0.0.10:1", "--dry-run",
        cwd=tmp_path, timeout=20,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "  127.0.0.9:1        127.0.0.9:1  (from --hosts)" in result.stdout
    assert "  root@127.0.0.10:1  root@127.0.0.10:1  (from --hosts)" in result.stdout


def test_a_secret_of_one_host_is_masked_in_every_hosts_lines(tmp_path):
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(
        "groups:\n"
        "  pair:\n"
        "    hosts:\n"
        "      - {name: one, hostname: 127.0.0.9, vars: {db_pw: alpha-s3cr3t, peer: beta-s3cr3t}}\n"
        "      - {name: two, hostname: 127.0.0.9, vars: {db_pw: beta-s3cr3t, peer: alpha-s3cr3t}}\n"
    )
    runbook = write_runbook(
        tmp_path, 'echo "$db_pw $peer"', name="fleet", front="secrets: [db_pw]\n"
    )
    result = run_cli(
        "run", str(runbook), "-s", "fix", "--hosts", f"@{inventory}", "--dry-run", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("      peer=***  (inventory)") == 2
    assert "alpha-s3cr3t" not in result.stdout and "beta-s3cr3t" not in result.stdout
