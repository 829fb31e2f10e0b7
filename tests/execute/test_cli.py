"""`runbookkit run` options that need no server: dry run, JSON lines, usage errors."""

from __future__ import annotations

import json

import pytest

from tests.support.runbooks import write_runbook

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


def _json_outputs(done) -> list[str]:
    events = [json.loads(line) for line in done.stdout.splitlines()]
    return [e["text"] for e in events if e["event"] == "StepOutput"]


def test_a_secret_printed_in_two_reads_is_masked_in_json_lines(cli, tmp_path):
    path = write_runbook(tmp_path, "# Step 1: Print\nprintf 'abc'; sleep 0.3; printf 'def\\n'")
    done = cli("run", str(path), "-s", "fix", "--json", "--secret", "PW=abcdef")
    assert done.returncode == 0, done.stderr
    outputs = _json_outputs(done)
    assert "".join(outputs) == "***\n"
    assert not any("abc" in text or "def" in text for text in outputs)


def test_secret_shapes_are_masked_in_the_plan_and_on_the_screen(cli, tmp_path):
    path = write_runbook(tmp_path, "# Step 1: Connect\nPGPASSWORD=hunter2xyz echo connected")
    for mode in (["--dry-run"], ["--json"], []):
        done = cli("run", str(path), "-s", "fix", *mode)
        assert done.returncode == 0, done.stderr
        assert "hunter2xyz" not in done.stdout + done.stderr
        assert "PGPASSWORD=***" in done.stdout or not mode  # the plain view shows no commands


def test_secret_env_reads_runbookkit_s_own_environment(cli, tmp_path):
    body = "# Step 1: Use\necho \"got $PW and $TOKEN\"\ntest \"$PW\" = 'it'\\''s \\ x'"
    path = write_runbook(tmp_path, body)
    env = {"PW": "it's \\ x", "VAULT_TOKEN": "t0ken-value"}
    done = cli(
        "run",
        str(path),
        "-s",
        "fix",
        "--secret-env",
        "PW",
        "--secret-env",
        "TOKEN=VAULT_TOKEN",
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "got *** and ***" in done.stdout
    assert "t0ken-value" not in done.stdout and "it's" not in done.stdout


def test_a_missing_secret_env_is_one_line_and_exit_2(cli, tmp_path):
    marker = tmp_path / "ran"
    path = write_runbook(tmp_path, f"# Step 1: Touch\ntouch {marker}")
    done = cli("run", str(path), "-s", "fix", "--secret-env", "RBK_UNSET_SECRET_X")
    assert done.returncode == 2
    assert done.stderr == (
        "--secret-env RBK_UNSET_SECRET_X: RBK_UNSET_SECRET_X is not set in the environment\n"
    )
    assert not marker.exists()


def test_secret_files_hold_a_value_or_name_value_lines(cli, tmp_path):
    single = tmp_path / "pw"
    single.write_text("hunter2xyz\n")
    lines = tmp_path / "secrets.env"
    lines.write_text("# comment\n\nAPI_TOKEN=t0ken=with=equals\nexport OTHER=0ther-value\n")
    body = (
        '# Step 1: Use\ntest "$PW" = hunter2xyz && echo "pw $PW"\n'
        'echo "token $API_TOKEN other $OTHER"\ntest "$API_TOKEN" = t0ken=with=equals'
    )
    path = write_runbook(tmp_path, body)
    done = cli(
        "run", str(path), "-s", "fix", "--secret-file", f"PW={single}", "--secret-file", str(lines)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "pw ***" in done.stdout and "token *** other ***" in done.stdout
    for value in ("hunter2xyz", "t0ken", "0ther-value"):
        assert value not in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("GOOD=x\nthis line holds hunter2xyz\n", "secrets.env:2: expected NAME=VALUE"),
        ("1BAD=hunter2xyz\n", "secrets.env:1: expected NAME=VALUE"),
    ],
)
def test_a_malformed_secret_file_is_refused_without_its_lines(cli, tmp_path, content, message):
    lines = tmp_path / "secrets.env"
    lines.write_text(content)
    path = write_runbook(tmp_path, "# Step 1: Say\necho hi")
    done = cli("run", str(path), "-s", "fix", "--secret-file", str(lines))
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.splitlines()) == 1
    assert "hunter2xyz" not in done.stderr


def test_a_missing_secret_file_is_one_line_and_exit_2(cli, tmp_path):
    path = write_runbook(tmp_path, "# Step 1: Say\necho hi")
    done = cli("run", str(path), "-s", "fix", "--secret-file", f"PW={tmp_path / 'nope'}")
    assert done.returncode == 2
    assert (
        done.stderr
        == f"--secret-file PW={tmp_path / 'nope'}: cannot read it (No such file or directory)\n"
    )


@pytest.mark.parametrize("given", ["PW:hunter2xyz", "hunter2xyz", "1PW=hunter2xyz"])
def test_a_malformed_secret_is_refused_without_echoing_it(cli, tmp_path, given):
    marker = tmp_path / "ran"
    path = write_runbook(tmp_path, f"# Step 1: Touch\ntouch {marker}")
    done = cli("run", str(path), "-s", "fix", "--secret", given)
    assert done.returncode == 2
    assert "hunter2xyz" not in done.stdout + done.stderr
    assert len(done.stderr.splitlines()) == 1 and "--secret: expected NAME=VALUE" in done.stderr
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


def test_a_secret_and_a_secret_var_are_masked_alike_on_screen_and_in_the_store(cli, tmp_path):
    from runbookkit.history import open_store

    body = (
        '# Step 1: Both\necho "t=$TOKEN p=$DB_PW"\n\n'
        '# Step 2: Literal\necho "said var-s3cr3t-pw"; echo "$TOKEN" >&2; exit 1'
    )
    path = write_runbook(tmp_path, body, front="secrets: [DB_PW]\n")
    store = tmp_path / "history.sqlite"
    done = cli(
        *("run", str(path), "-s", "fix", "--json", "--history", str(store)),
        *("--secret", "TOKEN=tok-s3cr3t", "--var", "DB_PW=var-s3cr3t-pw"),
    )
    assert done.returncode == 1, done.stderr
    screen = [json.loads(line) for line in done.stdout.splitlines()]
    shown = [e["result"] for e in screen if e["event"] == "StepFinished"]
    run_id = screen[0]["run_id"]
    with open_store(store) as opened:
        kept = opened.get_run(run_id).steps
    fields = ("commands", "stdout", "stderr", "error")
    on_screen = [[step[name] for name in fields] for step in shown]
    assert on_screen == [[getattr(step, name) for name in fields] for step in kept]
    assert [s.stdout for s in kept] == ["t=*** p=***\n", "said ***\n"]
    assert kept[1].commands == ['echo "said ***"; echo "$TOKEN" >&2; exit 1']
    assert (kept[1].stderr, kept[1].error) == ("***\n", "exit 1: ***")
    assert "".join(_json_outputs(done)) == "t=*** p=***\nsaid ***\n***\n"
    plain = cli(
        *("run", str(path), "-s", "fix", "--history", str(store)),
        *("--secret", "TOKEN=tok-s3cr3t", "--var", "DB_PW=var-s3cr3t-pw"),
    )
    assert "    | t=*** p=***\n" in plain.stdout and "    | said ***\n" in plain.stdout
    assert "-> FAILED (" in plain.stdout and "): exit 1: ***\n" in plain.stdout
    for value in ("tok-s3cr3t", "var-s3cr3t-pw"):
        assert value not in done.stdout + done.stderr + plain.stdout + plain.stderr
        assert value not in store.read_bytes().decode("utf-8", "replace")
