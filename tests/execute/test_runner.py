"""The Python API: events in order, retries, --host, placeholders, listeners added by the CLI."""

from __future__ import annotations

import pytest

import runbookkit
from runbookkit.errors import ExecutionError
from runbookkit.execute.events import (
    Recorder,
    RunFinished,
    RunNotice,
    RunStarted,
    StepFinished,
    StepOutput,
    StepRetrying,
    StepStarted,
    to_json,
)
from runbookkit.execute.ids import new_run_id
from runbookkit.execute.runner import RunOptions
from runbookkit.execute.ssh import SshOptions
from tests.support.runbooks import write_runbook


def kinds(recorder: Recorder) -> list[str]:
    return [type(e).__name__ for e in recorder.events if not isinstance(e, StepOutput)]


def test_events_of_a_passing_local_run(tmp_path):
    path = write_runbook(
        tmp_path, "# Step 1: One\necho one\n# Expected: one\n\n# Step 2: Two\necho two"
    )
    recorder = Recorder()
    outcome = runbookkit.run(path, "fix", listeners=[recorder])
    assert outcome.exit_code == 0
    assert kinds(recorder) == [
        "RunStarted",
        "StepStarted",
        "StepFinished",
        "StepStarted",
        "StepFinished",
        "RunFinished",
    ]
    started = recorder.events[0]
    assert isinstance(started, RunStarted)
    assert (started.runbook_id, started.section, started.steps) == ("matrix", "fix", 2)
    assert started.targets == ["local"]
    output = "".join(e.text for e in recorder.events if isinstance(e, StepOutput))
    assert output == "one\ntwo\n"
    first = next(e.result for e in recorder.events if isinstance(e, StepFinished))
    assert (first.status, first.matched, first.exit_code, first.line) == ("passed", True, 0, 6)
    finished = recorder.events[-1]
    assert isinstance(finished, RunFinished) and finished.status == "passed"
    assert all(to_json(e)["run_id"] == outcome.run_id for e in recorder.events)


def test_retry_tries_again_until_the_expectation_holds(tmp_path):
    counter = tmp_path / "count"
    body = (
        "# Step 1: Come up\n"
        f"echo x >> {counter}; [ $(wc -l < {counter}) -ge 3 ] && echo up || echo down\n"
        "# Expected: up\n# Retry: 5 every 0.05s"
    )
    recorder = Recorder()
    outcome = runbookkit.run(write_runbook(tmp_path, body), "fix", listeners=[recorder])
    assert outcome.exit_code == 0
    retries = [e for e in recorder.events if isinstance(e, StepRetrying)]
    assert [r.attempt for r in retries] == [1, 2]
    assert "expected output 'up', got 'down'" in retries[0].error
    assert [e.attempt for e in recorder.events if isinstance(e, StepStarted)] == [1, 2, 3]
    assert outcome.results[0].attempts == 3


def test_run_level_retry_gives_up_after_its_attempts(tmp_path):
    path = write_runbook(tmp_path, "# Step 1: Never\necho no\n# Expected: yes")
    options = RunOptions(retry=3, retry_delay=0)
    outcome = runbookkit.run(path, "fix", options)
    assert outcome.exit_code == 1
    assert outcome.results[0].attempts == 3
    assert outcome.error == "step 1 (Never): expected output 'yes', got 'no'"


def test_host_local_runs_remote_steps_here(tmp_path):
    path = write_runbook(
        tmp_path, '# Step 1: Where\nssh -i /nonexistent root@db.invalid "echo here"'
    )
    recorder = Recorder()
    outcome = runbookkit.run(path, "fix", RunOptions(host="local"), listeners=[recorder])
    assert outcome.exit_code == 0, outcome.error
    assert outcome.results[0].target == "local"
    assert outcome.results[0].stdout == "here\n"


def test_host_override_keeps_the_runbook_user(tmp_path, target):
    server, files = target
    path = write_runbook(tmp_path, '# Step 1: Who\nssh root@db.example.invalid "whoami"')
    options = RunOptions(host="target", ssh=SshOptions(ssh_config=files.ssh_config))
    outcome = runbookkit.run(path, "fix", options)
    assert outcome.exit_code == 0, outcome.error
    assert outcome.results[0].target == f"root@127.0.0.1:{server.port}"
    assert outcome.results[0].stdout.strip() == "root"


def test_variables_are_exported_data_and_placeholders_read_them(tmp_path):
    path = write_runbook(tmp_path, "# Step 1: Say\necho ${GREETING} {{ NAME }}")
    values = {"GREETING": "hello; touch pwned", "NAME": "it's me"}
    outcome = runbookkit.run(path, "fix", RunOptions(variables=values))
    assert outcome.results[0].stdout == "hello; touch pwned it's me\n"
    # The command runs as written (the placeholder as a variable); values never enter the text.
    assert outcome.results[0].commands == ['echo ${GREETING} "${NAME}"']
    assert not (tmp_path / "pwned").exists()


def test_missing_placeholder_raises_before_anything_runs(tmp_path):
    path = write_runbook(tmp_path, "# Step 1: Say\necho ${GREETING}")
    recorder = Recorder()
    with pytest.raises(ExecutionError, match="needs a value for GREETING"):
        runbookkit.run(path, "fix", listeners=[recorder])
    assert recorder.events == []


def test_one_connection_per_target_for_the_whole_run(tmp_path, target):
    _, files = target
    body = "\n\n".join(f'# Step {n}: S{n}\nssh root@target "echo $SSH_CLIENT"' for n in range(1, 6))
    options = RunOptions(ssh=SshOptions(ssh_config=files.ssh_config))
    outcome = runbookkit.run(write_runbook(tmp_path, body), "fix", options)
    assert outcome.exit_code == 0, outcome.error
    client_ports = {r.stdout.split()[1] for r in outcome.results}
    assert len(client_ports) == 1  # the same TCP connection served every step


def test_missing_identity_of_the_runbook_is_a_notice(tmp_path, target):
    _, files = target
    path = write_runbook(tmp_path, '# Step 1: Hi\nssh -i ~/.ssh/nope_rbk root@target "echo hi"')
    recorder = Recorder()
    options = RunOptions(ssh=SshOptions(ssh_config=files.ssh_config))
    outcome = runbookkit.run(path, "fix", options, listeners=[recorder])
    assert outcome.exit_code == 0, outcome.error
    notices = [e.message for e in recorder.events if isinstance(e, RunNotice)]
    assert any(
        "identity ~/.ssh/nope_rbk (from the runbook) does not exist here" in n for n in notices
    )


def test_run_ids_sort_by_creation():
    ids = [new_run_id() for _ in range(1000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 1000
    assert all(len(i) == 26 for i in ids)
    assert new_run_id(now=1.0) < new_run_id(now=4102444800.0)


ROLLBACK = """# Rollback test

## Fix

```bash
# Step 1: Break
exit 4
```

**Rollback Plan (if fix fails):**
```bash
# Step 1: Note it
echo rolled back

# Step 2: Wipe (WARNING: destructive)
rm -rf {victim}
```
"""


def test_rollback_on_failure_runs_as_its_own_linked_run(tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    path = tmp_path / "rollback.md"
    path.write_text(ROLLBACK.format(victim=victim))
    recorder = Recorder()
    outcome = runbookkit.run(
        path, "fix", RunOptions(rollback_on_failure=True), listeners=[recorder]
    )
    assert outcome.exit_code == 1
    assert outcome.rollback is not None
    # Its destructive step still needs a confirmation, which nobody can give here.
    assert outcome.rollback.status == "declined"
    assert outcome.rollback.results[0].stdout == "rolled back\n"
    assert outcome.rollback.results[1].status == "declined"
    assert victim.exists()
    starts = [e for e in recorder.events if isinstance(e, RunStarted)]
    finishes = [e for e in recorder.events if isinstance(e, RunFinished)]
    assert [s.rollback_of for s in starts] == [None, outcome.run_id]
    assert finishes[0].rollback_run == starts[1].run_id == outcome.rollback.run_id
    assert finishes[0].failed_step == 1
    assert starts[1].section == "fix/rollback-plan-if-fix-fails"


def test_without_the_flag_or_a_terminal_the_rollback_is_only_offered(tmp_path):
    path = tmp_path / "rollback.md"
    path.write_text(ROLLBACK.format(victim=tmp_path / "victim"))
    recorder = Recorder()
    outcome = runbookkit.run(path, "fix", listeners=[recorder])
    assert outcome.exit_code == 1
    assert outcome.rollback is None
    notices = [e.message for e in recorder.events if isinstance(e, RunNotice)]
    assert any("--rollback-on-failure" in n for n in notices)


def test_fleet_host_is_stamped_on_every_event(tmp_path):
    path = write_runbook(tmp_path, "# Step 1: One\necho one")
    recorder = Recorder()
    runbookkit.run(path, "fix", RunOptions(fleet_host="cache-1"), listeners=[recorder])
    hosts = {
        getattr(e, "host", None) or e.result.host
        for e in recorder.events
        if isinstance(e, StepStarted | StepOutput | StepFinished)
    }
    assert hosts == {"cache-1"}


def test_identity_flag_is_tried_when_the_runbook_key_is_missing(tmp_path, sshd, ssh_keys):
    config = tmp_path / "ssh_config"
    known = tmp_path / "known_hosts"
    known.write_text(sshd.known_hosts_line())
    config.write_text(
        f"Host target\n  HostName {sshd.address}\n  Port {sshd.port}\n  IdentitiesOnly yes\n"
        f"  UserKnownHostsFile {known}\n"
    )
    path = write_runbook(tmp_path, '# Step 1: Hi\nssh -i ~/.ssh/nope_rbk root@target "echo hi"')
    without = runbookkit.run(path, "fix", RunOptions(ssh=SshOptions(ssh_config=config)))
    assert without.exit_code == 1
    assert "authentication failed" in (without.error or "")
    ssh = SshOptions(ssh_config=config, identity=ssh_keys.client)
    outcome = runbookkit.run(path, "fix", RunOptions(ssh=ssh))
    assert outcome.exit_code == 0, outcome.error


class _Skips:
    """An operator who skips every destructive step."""

    def confirm_destructive(self, planned, commands):
        from runbookkit.execute.operator import Confirmation

        return Confirmation.skip


@pytest.mark.parametrize(
    ("operator", "status"), [(None, "declined"), (_Skips(), "skipped")], ids=["declined", "skipped"]
)
@pytest.mark.parametrize(
    ("command", "where"),
    [
        ('ssh root@db.example.invalid "rm -rf /var/lib/db"', "root@db.example.invalid:22"),
        ("rm -rf /var/lib/db", "local"),
    ],
    ids=["ssh", "local"],
)
def test_a_destructive_step_not_run_is_shown_on_its_own_target(
    tmp_path, operator, status, command, where
):
    import io

    from runbookkit.display.run import PlainView

    path = write_runbook(tmp_path, f"# Step 1: Wipe the data\n{command}")
    recorder, out = Recorder(), io.StringIO()
    outcome = runbookkit.run(path, "fix", listeners=[recorder, PlainView(out)], operator=operator)
    (result,) = outcome.results
    assert (result.status, result.target) == (status, where)
    started = [e for e in recorder.events if isinstance(e, StepStarted)]
    assert [e.target for e in started] == [where]
    assert f"[1/1] step 1: Wipe the data  on {where}\n" in out.getvalue()
    assert f"1     Wipe the data  {where}" in out.getvalue()  # the summary's row


def test_every_step_status_either_lets_the_run_go_on_or_stops_it() -> None:
    from runbookkit.execute.events import OK_STEP_STATUSES, StepStatus
    from runbookkit.execute.runner import _STOPS

    assert OK_STEP_STATUSES.isdisjoint(_STOPS)
    assert OK_STEP_STATUSES | set(_STOPS) == set(StepStatus)
