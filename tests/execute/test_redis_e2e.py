"""End to end: the redis runbook against a real sshd and a real redis-server ("Kill Redis, verify
service recovery", as the runbook's own prevention list asks)."""

from __future__ import annotations

import json
import signal

import pytest

pytestmark = [pytest.mark.ssh, pytest.mark.redis]

RUNBOOK = "redis-connection-refused"


def events(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def results(stdout: str) -> dict[int, dict]:
    return {
        e["result"]["number"]: e["result"] for e in events(stdout) if e["event"] == "StepFinished"
    }


def test_diagnosis_of_a_killed_redis_runs_every_check_and_fails(cli, redis_host):
    host = redis_host()
    host.service.stop(signal.SIGKILL)
    done = cli("run", RUNBOOK, "--section", "diagnosis", "--json", *host.args)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    steps = results(done.stdout)
    # Diagnosis gathers evidence: a failing check lets the others run.
    assert [steps[n]["status"] for n in range(1, 5)] == ["failed", "failed", "passed", "failed"]
    assert steps[1]["exit_code"] == 3  # systemctl status of a dead unit
    assert "Active: inactive (dead)" in steps[1]["stdout"]
    assert "Connection refused" in steps[2]["stderr"]
    assert steps[3]["exit_code"] == 1  # grep found no error line: "# Exit: 0,1" says that is fine
    # The first failure is the run's reason, in one line.
    assert "step 1 (Check Redis service status): exit 3" in done.stderr
    assert done.stderr.count("\n") == 1


def test_diagnosis_ping_step_shows_expected_versus_got(cli, redis_host):
    host = redis_host()
    host.service.stop(signal.SIGKILL)
    done = cli("run", RUNBOOK, "--section", "diagnosis", "--step", "2", *host.args)
    assert done.returncode == 1
    assert "expected output 'PONG'" in done.stderr
    assert "Connection refused" in done.stderr  # redis-cli's own message, on stderr of the step


def test_diagnosis_passes_ping_when_redis_runs(cli, redis_host):
    host = redis_host()
    done = cli("run", RUNBOOK, "--section", "diagnosis", "--step", "2", "--json", *host.args)
    assert done.returncode == 0, done.stderr
    step = results(done.stdout)[2]
    assert step["status"] == "passed"
    assert step["matched"] is True
    assert step["stdout"].strip() == "PONG"


def test_fix_brings_a_killed_redis_back(cli, redis_host):
    host = redis_host()
    host.service.stop(signal.SIGKILL)
    assert not host.service.ping()
    done = cli("run", RUNBOOK, "--section", "fix", "--yes", "--json", *host.args)
    steps = results(done.stdout)
    assert host.service.ping(), done.stdout + done.stderr
    assert [steps[n]["status"] for n in range(1, 7)] == ["passed"] * 5 + ["manual"]
    assert "Active: active (running)" in steps[2]["stdout"]
    assert steps[3]["stdout"].strip() == "PONG"
    assert "connected to redis" in steps[5]["stdout"]
    # "# Expected absent: ECONNREFUSED": the apps' error log has no such line any more.
    assert steps[7]["status"] == "passed"
    assert steps[7]["matched"] is True
    assert done.returncode == 0, done.stderr
    started = [e for e in events(done.stdout) if e["event"] == "RunStarted"]
    assert started[0]["targets"] == [f"root@127.0.0.1:{host.server.port}"]


def test_fix_immediate_actions_pass_and_use_one_connection(cli, redis_host):
    host = redis_host()
    host.service.stop(signal.SIGKILL)
    done = cli("run", RUNBOOK, "--section", "fix/immediate-actions", *host.args)
    assert done.returncode == 0, done.stdout + done.stderr
    assert host.service.ping()
    # The runbook's -i ~/.ssh/id_ed25519_ai_admin doesn't exist here: a warning, then the key
    # of ssh_config.
    assert (
        "identity ~/.ssh/id_ed25519_ai_admin (from the runbook) does not exist here" in done.stdout
    )
    log = (host.server.directory / "sshd.log").read_text()
    assert "error" not in log.lower()


def test_fix_without_terminal_stops_at_the_manual_step(cli, redis_host):
    host = redis_host()
    done = cli("run", RUNBOOK, "--section", "fix", *host.args)
    assert done.returncode == 3
    assert "incomplete: step 6 (Test context retrieval (send message to bot))" in done.stderr
    assert "no terminal" in done.stderr


def test_fix_on_a_host_whose_redis_cannot_start_offers_the_rollback(cli, redis_host):
    host = redis_host(broken=True)
    done = cli("run", RUNBOOK, "--section", "fix", *host.args)
    assert done.returncode == 1
    assert "step 1 (Start Redis service): exit 1: See " in done.stderr
    assert "the section has a rollback, 'fix/rollback-plan-if-fix-fails' (4 steps)" in done.stdout
    assert "--rollback-on-failure" in done.stdout
    assert not host.service.ping()
