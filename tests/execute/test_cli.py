"""`runbookkit run` options that need no server: dry run, JSON lines, usage errors."""

from __future__ import annotations

import json

import pytest

from tests.execute.conftest import write_runbook

BODY = "# Step 1: Touch\ntouch {marker}\n\n# Step 2: Say\necho ${{WHO}}\n# Expected: ${{WHO}}"


def test_dry_run_prints_the_exact_plan_and_runs_nothing(cli, tmp_path):
    marker = tmp_path / "ran"
    path = write_runbook(tmp_path, BODY.format(marker=marker))
    done = cli("run", str(path), "-s", "fix", "--dry-run", "--var", "WHO=ops team")
    assert done.returncode == 0, done.stderr
    assert f"1. Touch  (line 6)\n       on local: touch {marker}" in done.stdout
    assert "on local: echo ${WHO}" in done.stdout
    assert "variables:\n  WHO=ops team  (first read by step 2 (Say), line 10)" in done.stdout
    assert not marker.exists()


def test_dry_run_names_missing_variables_and_where_values_come_from(cli, tmp_path):
    path = write_runbook(
        tmp_path, "# Step 1: Logs\nkubectl logs <pod-name> -n $NAMESPACE --tail=${LINES_:-50}"
    )
    done = cli("run", str(path), "-s", "fix", "--dry-run", "--var", "NAMESPACE=prod")
    assert done.returncode == 0, done.stderr
    assert 'on local: kubectl logs "${POD_NAME}" -n $NAMESPACE' in done.stdout
    assert "POD_NAME MISSING: give --var POD_NAME=VALUE" in done.stdout
    assert "NAMESPACE=prod" in done.stdout
    assert "LINES_ (unset: the command's default applies)" in done.stdout


def test_dry_run_of_the_redis_fix_shows_targets_markers_and_rollback(cli):
    done = cli("run", "redis-connection-refused", "-s", "fix", "--dry-run", "--host", "staging")
    assert done.returncode == 0, done.stderr
    assert "on staging (runbook: root@46.149.70.219): systemctl start redis-server" in done.stdout
    assert "[MANUAL]" in done.stdout
    assert "on failure, offers rollback fix/rollback-plan-if-fix-fails:" in done.stdout
    assert "[DESTRUCTIVE: systemctl stop; marked WARNING]" in done.stdout


def test_json_prints_only_events(cli, tmp_path):
    path = write_runbook(tmp_path, BODY.format(marker=tmp_path / "m"))
    done = cli("run", str(path), "-s", "fix", "--json", "--var", "WHO=me")
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert events[0]["event"] == "RunStarted"
    assert events[-1] == {**events[-1], "event": "RunFinished", "status": "passed", "exit_code": 0}
    outputs = [e["text"] for e in events if e["event"] == "StepOutput"]
    assert outputs == ["me\n"]


def test_plain_output_without_a_terminal(cli, tmp_path):
    path = write_runbook(tmp_path, BODY.format(marker=tmp_path / "m"))
    done = cli("run", str(path), "-s", "fix", "--var", "WHO=me")
    assert done.returncode == 0
    assert "\x1b[" not in done.stdout
    assert "[2/2] step 2: Say  on local\n    | me\n    -> ok" in done.stdout
    assert "step  title  target  status  time" in done.stdout


def test_quiet_shows_only_the_tail_of_a_failing_step(cli, tmp_path):
    body = "# Step 1: Chatty\nseq 1 50\n\n# Step 2: Fails\nseq 100 130; exit 2"
    done = cli("run", str(write_runbook(tmp_path, body)), "-s", "fix", "--quiet")
    assert done.returncode == 1
    assert "| 25\n" not in done.stdout
    assert "| 121\n" in done.stdout and "| 120\n" not in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-s", "nope"], "has no section 'nope'"),
        (["-s", "fix", "--step", "9"], "section 'fix' has no step 9 (it has 2)"),
        (["-s", "fix", "--var", "not a pair"], "--var 'not a pair': expected KEY=VALUE"),
        (["-s", "fix", "--timeout", "0"], "Invalid value for '--timeout'"),
        (["-s", "fix", "--ssh-config", "/nonexistent/config"], "does not exist"),
    ],
)
def test_usage_errors_exit_2(cli, tmp_path, args, message):
    path = write_runbook(tmp_path, BODY.format(marker=tmp_path / "m"))
    done = cli("run", str(path), *args, "--var", "WHO=x")
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_help_documents_the_exit_codes(cli):
    done = cli("run", "--help")
    assert done.returncode == 0
    assert "130 interrupted" in done.stdout


@pytest.mark.parametrize("mode", [[], ["--json"], ["--dry-run"]])
def test_secret_values_never_reach_the_screen(cli, tmp_path, mode):
    body = "# Step 1: Log in\necho token is ${TOKEN}\n\n# Step 2: Fail\necho ${TOKEN} >&2; exit 1"
    path = write_runbook(tmp_path, body)
    done = cli("run", str(path), "-s", "fix", "--secret", "TOKEN=s3cr3t-value", *mode)
    assert "s3cr3t-value" not in done.stdout + done.stderr
    assert "***" in done.stdout
    if not mode or mode == ["--json"]:
        assert done.returncode == 1
        assert "exit 1: ***" in done.stderr


def test_unparsable_ssh_config_is_a_usage_error_before_any_step(cli, tmp_path):
    marker = tmp_path / "ran"
    body = f'# Step 1: Here\ntouch {marker}\n\n# Step 2: There\nssh root@x "echo hi"'
    config = tmp_path / "ssh_config"
    config.write_text("Host x\n  HostName\n")
    done = cli("run", str(write_runbook(tmp_path, body)), "-s", "fix", "--ssh-config", str(config))
    assert done.returncode == 2
    assert done.stderr == f"{config}:2: cannot read ssh_config: Unparsable line HostName\n"
    assert not marker.exists()


def test_the_team_lists_decide_what_needs_a_confirmation(cli, tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.runbookkit]\ndestructive = ["touch"]\nsafe = ["rm -rf"]\n', encoding="utf-8"
    )
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    runbook = write_runbook(
        tmp_path, f"# Step 1: Clear\nrm -rf {scratch}\n\n# Step 2: Mark\ntouch done"
    )
    done = cli("run", str(runbook), "-s", "fix", "--yes", cwd=tmp_path)
    assert done.returncode == 3, done.stderr  # step 2 needs a terminal to confirm it
    assert "step 2 (Mark): destructive step (touch (team list)) refused" in done.stderr
    assert not scratch.exists()  # rm -rf is safe for this team: it ran under --yes
    assert not (tmp_path / "done").exists()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "pyproject.toml").write_text('[tool.runbookkit]\nsafe = ["--x"]\n', encoding="utf-8")
    refused = cli("run", str(runbook), "-s", "fix", cwd=bad)
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "must start with a command name" in refused.stderr
