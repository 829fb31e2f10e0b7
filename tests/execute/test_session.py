"""One shell session per target: state carries, values stay data, the framing can't be forged.

Everything runs in real bash, locally and through a real sshd whose login has a non-trivial
``~/.bashrc``; where it matters the result is compared with what one ``bash`` does.
"""

from __future__ import annotations

import subprocess
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import runbookkit
from runbookkit.execute import session as session_module
from runbookkit.execute.runner import RunOptions
from runbookkit.execute.session import ShellSession, local_shell
from runbookkit.execute.ssh import SshOptions
from tests.support.runbooks import write_runbook

STATEFUL = """\
# Step 1: Set up
cd {directory}
export SHOWN=exported
KEPT=unexported
greet() {{ echo "hello $1"; }}
set -o pipefail
# Step 2: Use it
pwd
# Expected: {directory}
echo "$SHOWN $KEPT"
greet ops
false | true
# Exit: 1
"""

BASHRC = """\
# Like a pyenv or conda set-up: real work at every start, before any interactivity guard.
echo started >> "$HOME/rc-count"
export FROM_RC=yes
rc_function() { echo "from rc"; }
for i in $(seq 200); do : ; done
case $- in *i*) ;; *) return ;; esac
"""


def _stdout(outcome) -> list[str]:
    return [r.stdout for r in outcome.results]


def test_state_carries_across_commands_and_steps_locally(tmp_path):
    path = write_runbook(tmp_path, STATEFUL.format(directory=tmp_path))
    outcome = runbookkit.run(path, "fix")
    assert outcome.exit_code == 0, outcome.error
    assert _stdout(outcome)[1] == f"{tmp_path}\nexported unexported\nhello ops\n"


@pytest.fixture
def remote(sshd, tmp_path):
    """A real sshd ``target`` whose login sources a non-trivial ~/.bashrc."""
    from tests.support.sshd import client_files

    (sshd.home / ".bashrc").write_text(BASHRC)
    files = client_files(sshd, tmp_path / "client", ["target"])
    return sshd, RunOptions(ssh=SshOptions(ssh_config=files.ssh_config))


def _remote_body(body: str) -> str:
    lines = []
    for line in body.splitlines():
        if line.startswith("#") or not line.strip():
            lines.append(line)
        else:
            quoted = line.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
            lines.append(f'ssh root@target "{quoted}"')
    return "\n".join(lines)


def test_state_carries_across_steps_remotely_and_the_rc_file_runs_once(remote, tmp_path):
    server, options = remote
    directory = server.home
    body = _remote_body(STATEFUL.format(directory=directory)) + "\n# Step 3: Rc\n"
    body += 'ssh root@target "echo $FROM_RC; rc_function"'
    outcome = runbookkit.run(write_runbook(tmp_path, body), "fix", options)
    assert outcome.exit_code == 0, outcome.error
    assert _stdout(outcome)[1] == f"{directory}\nexported unexported\nhello ops\n"
    assert _stdout(outcome)[2] == "yes\nfrom rc\n"
    # One session for the whole run: the login's rc file ran once, not once per command.
    assert (server.home / "rc-count").read_text() == "started\n"


NASTY = '$(touch {marker}) `touch {marker}` it\'s "quoted" \\ back\nsecond line *'


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        ('printf "%s" "$VALUE"', "{value}"),
        ("printf '%s' '$VALUE'", "$VALUE"),
        ('printf "%s" "<the-value>"', "{value}"),
        ("printf '%s' 'it is <the-value>!'", "it is {value}!"),
        ("printf '%s' <the-value>", "{value}"),
        ("printf '%s' [THE_VALUE]", "{value}"),
        ('printf "%s" "{{ the_value }}"', "{value}"),
        ("cat <<EOF\n$VALUE\nEOF", "{value}\n"),
        ("cat <<'EOF'\n$VALUE\nEOF", "$VALUE\n"),
    ],
    ids=[
        "double",
        "single",
        "angle-double",
        "angle-single",
        "angle-bare",
        "bracket",
        "braces",
        "heredoc",
        "quoted-heredoc",
    ],
)
def test_a_value_is_data_in_every_quoting_context(tmp_path, command, shown):
    marker = tmp_path / "ran"
    value = NASTY.format(marker=marker)
    path = write_runbook(tmp_path, f"# Step 1: Show\n{command}")
    values = {"VALUE": value, "THE_VALUE": value}
    outcome = runbookkit.run(path, "fix", RunOptions(variables=values))
    assert outcome.exit_code == 0, outcome.error
    assert outcome.results[0].stdout == shown.format(value=value)
    assert not marker.exists()


def test_a_value_is_data_in_an_ssh_line(remote, tmp_path):
    _, options = remote
    marker = tmp_path / "ran"
    value = NASTY.format(marker=marker)
    path = write_runbook(tmp_path, 'ssh root@target "printf %s \\"$VALUE\\""')
    options.variables = {"VALUE": value}
    outcome = runbookkit.run(path, "fix", options)
    assert outcome.exit_code == 0, outcome.error
    assert outcome.results[0].stdout == value
    assert not marker.exists()


@pytest.mark.parametrize(
    ("line", "missing"),
    [("kubectl logs <pod-name>", "POD_NAME"), ("echo $UNSET_NAME_RBK", "UNSET_NAME_RBK")],
)
def test_a_missing_variable_stops_the_run_before_any_step(cli, tmp_path, line, missing):
    marker = tmp_path / "ran"
    path = write_runbook(tmp_path, f"# Step 1: Touch\ntouch {marker}\n\n# Step 2: Use\n{line}")
    done = cli("run", str(path), "-s", "fix")
    assert done.returncode == 2
    assert f"{path}:10: step 2 (Use) needs a value for {missing}" in done.stderr
    assert f"--var {missing}=VALUE" in done.stderr
    assert not marker.exists()


def test_names_the_session_sets_are_never_asked_for(tmp_path):
    body = (
        'for f in a b; do echo "${f}"; done\nPOD=$(echo web-1)\necho "$POD $HOME"\n'
        "read -r LINE <<< 'x'\necho $LINE"
    )
    outcome = runbookkit.run(write_runbook(tmp_path, body), "fix")
    assert outcome.exit_code == 0, outcome.error


def test_a_prompt_transcript_in_a_bash_block_runs_its_commands(tmp_path):
    body = "$ echo hello\nhello\n$ echo second\nsomething else entirely"
    outcome = runbookkit.run(write_runbook(tmp_path, body), "fix")
    assert outcome.exit_code == 0, outcome.error
    assert outcome.results[0].stdout == "hello\nsecond\n"


def test_a_failing_diagnosis_step_lets_the_others_run(tmp_path):
    path = tmp_path / "d.md"
    path.write_text(
        "# D\n\n## Diagnosis\n\n```bash\n# Step 1: Down\nfalse\n# Step 2: Logs\necho logs\n"
        "# Step 3: Grep\ngrep -c nothing /dev/null\n# Exit: 0,1\n```\n"
    )
    outcome = runbookkit.run(path, "diagnosis")
    assert [r.status.value for r in outcome.results] == ["failed", "passed", "passed"]
    assert outcome.exit_code == 1
    assert outcome.failed_step == 1
    fail_fast = runbookkit.run(path, "diagnosis", RunOptions(keep_going=False))
    assert [r.status.value for r in fail_fast.results] == ["failed"]


def test_a_fix_stops_at_its_first_failure_unless_told_to_go_on(tmp_path):
    path = write_runbook(tmp_path, "# Step 1: Break\nfalse\n# Step 2: After\necho after")
    assert len(runbookkit.run(path, "fix").results) == 1
    assert len(runbookkit.run(path, "fix", RunOptions(keep_going=True)).results) == 2


def test_absent_and_empty_checks(tmp_path):
    body = (
        "# Step 1: Clean\necho all good\n# Expected absent: ECONNREFUSED\n"
        "# Step 2: Dirty\necho 'Error: connect ECONNREFUSED'\n# Expected absent: ECONNREFUSED\n"
    )
    outcome = runbookkit.run(write_runbook(tmp_path, body), "fix", RunOptions(keep_going=True))
    assert [r.status.value for r in outcome.results] == ["passed", "failed"]
    assert "output contains 'ECONNREFUSED'" in (outcome.results[1].error or "")
    empty = write_runbook(
        tmp_path, "true\n# Expected empty\necho x\n# Expected empty", name="empty"
    )
    assert "expected no output, got 'x'" in (runbookkit.run(empty, "fix").error or "")


def test_interactive_commands_never_hang(cli, tmp_path):
    log = tmp_path / "app.log"
    log.write_text("line\n")
    path = write_runbook(tmp_path, f"# Step 1: Follow\ntail -f {log}\n# Step 2: After\necho after")
    started = time.monotonic()
    done = cli("run", str(path), "-s", "fix", "--yes", "--timeout", "60")
    assert time.monotonic() - started < 10
    assert done.returncode == 0, done.stderr
    assert f"run this in your own terminal: tail -f {log}" in done.stdout
    assert "| after" in done.stdout


def test_output_that_looks_like_a_frame_cannot_fake_a_result(tmp_path, monkeypatch):
    tokens: list[str] = []
    real = session_module.secrets.token_hex

    def recording(n: int) -> str:
        tokens.append(real(n))
        return tokens[-1]

    monkeypatch.setattr(session_module.secrets, "token_hex", recording)
    session = ShellSession(local_shell)
    try:
        # Everything the command can see of its shell, printed: no token is there to copy.
        seen = session.run("set; declare -p; cat /proc/$$/cmdline", 10, lambda *a: None)
        assert seen.exit_code == 0
        assert not any(token in seen.stdout for token in tokens)
        # A forged frame (a guessed token, a status 0, a NUL) stays output of a failing command.
        forged = session.run(
            "printf '%s 0 /\\0' " + "0" * 32 + "; printf 'x\\0' >&2; exit_code=7; (exit 7)",
            10,
            lambda *a: None,
        )
        assert forged.exit_code == 7
        assert forged.stdout == "0" * 32 + " 0 /\0"
        assert forged.stderr == "x\0"
    finally:
        session.close()


def test_a_timeout_stops_the_rest_of_the_line_and_restarts_the_session():
    session = ShellSession(local_shell)
    try:
        session.run("cd /tmp; X=kept", 10, lambda *a: None)
        stopped = session.run("sleep 30; echo late", 0.5, lambda *a: None)
        assert "timed out after 0.5s" in (stopped.error or "")
        assert "late" not in stopped.stdout  # as Ctrl-C abandons the rest of a terminal line
        assert stopped.restarted
        # A new shell: its state starts afresh, and says so (the runner tells the operator).
        assert session.run('echo "[$X]"', 10, lambda *a: None).stdout == "[]\n"
        looped = session.run("while :; do :; done", 0.5, lambda *a: None)
        assert looped.restarted
        assert session.run("echo alive", 10, lambda *a: None).stdout == "alive\n"
    finally:
        session.close()


def test_a_command_reading_stdin_gets_end_of_file():
    session = ShellSession(local_shell)
    try:
        read = session.run("cat; echo done", 10, lambda *a: None)
        assert read.stdout == "done\n"
        assert session.run("echo next", 10, lambda *a: None).stdout == "next\n"
    finally:
        session.close()


def test_sixteen_megabytes_of_output_arrive_whole_and_quickly():
    session = ShellSession(local_shell)
    try:
        started = time.monotonic()
        big = session.run("head -c 16000000 /dev/zero | tr '\\0' x", 60, lambda *a: None)
        assert len(big.stdout) == 16_000_000
        assert time.monotonic() - started < 10
    finally:
        session.close()


# -- the same as one bash --------------------------------------------------------------------

_NAMES = st.sampled_from(["A", "B", "C"])
_WORDS = st.text(alphabet="abc xyz-_./'\"$", min_size=0, max_size=8)
_COMMANDS = st.one_of(
    st.builds(lambda n, w: f"{n}={_quote(w)}", _NAMES, _WORDS),
    st.builds(lambda n, w: f"export {n}={_quote(w)}", _NAMES, _WORDS),
    st.builds(lambda n: f'echo "[${n}]"', _NAMES),
    st.builds(lambda n: f"unset {n}", _NAMES),
    st.sampled_from(
        [
            "cd /tmp",
            "cd /",
            "cd ..",
            "pwd",
            "echo $?",
            "false",
            "true",
            "env | grep -c '^[ABC]=' || true",
        ]
    ),
    st.builds(lambda c: f"(exit {c})", st.integers(0, 5)),
    st.builds(lambda n: f"bash -c 'echo \"<$${n}>\"'".replace("$$", "$"), _NAMES),
)


def _quote(word: str) -> str:
    return "'" + word.replace("'", "'\\''") + "'"


def _bash_reference(commands: list[str]) -> list[tuple[str, int]]:
    """Each command's stdout and status when one bash runs them all as a script."""
    script = []
    for command in commands:
        script.append(command)
        script.append("__s=$?; printf '\\001%d\\001' \"$__s\"; (exit $__s)")
    done = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", "\n".join(script)],
        capture_output=True,
        text=True,
        cwd="/tmp",
        stdin=subprocess.DEVNULL,
        check=False,
    )
    parts = done.stdout.split("\x01")
    return [(parts[i], int(parts[i + 1])) for i in range(0, len(parts) - 1, 2)]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_COMMANDS, min_size=1, max_size=12))
def test_per_command_output_and_status_equal_one_bash_session(commands):
    session = ShellSession(local_shell)
    try:
        session.run("cd /tmp", 10, lambda *a: None)
        ours = []
        for command in commands:
            outcome = session.run(command, 10, lambda *a: None)
            ours.append((outcome.stdout, outcome.exit_code))
    finally:
        session.close()
    assert ours == _bash_reference(commands)
