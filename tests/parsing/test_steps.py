"""Shell and console code blocks → steps: markers, commands, expectations, retries, kinds."""

from __future__ import annotations

import pytest

from runbookkit.errors import ParseError
from runbookkit.model import Step
from runbookkit.parsing.steps import console_steps, shell_steps


def _shell(text: str, context: str = "Context") -> list[Step]:
    return shell_steps(text, 10, "bash", context)[0]


def _summary(steps: list[Step]) -> list[tuple[int | None, str, str, list[str]]]:
    return [(s.number, s.title, s.kind, [c.text for c in s.commands]) for s in steps]


MARKERS = {
    "step-colon": (
        "# Step 1: Check\nredis-cli ping\n",
        [(1, "Check", "shell", ["redis-cli ping"])],
    ),
    "step-dash": (
        "# Step 2 - Restart\nsystemctl restart x\n",
        [(2, "Restart", "shell", ["systemctl restart x"])],
    ),
    "step-dot": ("# Step 3. Look\nls\n", [(3, "Look", "shell", ["ls"])]),
    "number-dot": (
        "# 1. First\na\n# 2. Second\nb\n",
        [(1, "First", "shell", ["a"]), (2, "Second", "shell", ["b"])],
    ),
    "number-paren": ("# 4) Fourth\nd\n", [(4, "Fourth", "shell", ["d"])]),
    "step-no-title": ("# Step 5\ne\n", [(5, "Step 5", "shell", ["e"])]),
    "double-hash": ("## Step 1: Deep\nx\n", [(1, "Deep", "shell", ["x"])]),
    "ip-comment-is-no-step": (
        "# 10.0.0.1 is the primary\nping 10.0.0.1\n",
        [(None, "Context", "shell", ["ping 10.0.0.1"])],
    ),
    "version-comment-is-no-step": ("# 2.4 changed this\nx\n", [(None, "Context", "shell", ["x"])]),
    "unmarked-block-is-one-step": ("a\nb\n\nc\n", [(None, "Context", "shell", ["a", "b", "c"])]),
    "manual-step": ("# Step 1: Ask\n# Send: hi\n# Bot answers\n", [(1, "Ask", "manual", [])]),
    "commands-before-first-marker": (
        "a\n# Step 1: One\nb\n",
        [(None, "Context", "shell", ["a"]), (1, "One", "shell", ["b"])],
    ),
}


@pytest.mark.parametrize("case", sorted(MARKERS))
def test_step_markers(case: str) -> None:
    text, expected = MARKERS[case]
    assert _summary(_shell(text)) == expected


JOINED = {
    "continuation": "curl -s \\\n  -H 'a: b' \\\n  http://x",
    "heredoc": "psql <<'SQL'\nDELETE FROM t;\n# not a comment\nSQL",
    "heredoc-dash": "cat <<-EOF\n\tline\n\tEOF",
    "single-quote": "kubectl patch cm x -p '\ndata:\n  a: b\n'",
    "double-quote": 'echo "one\ntwo"',
    "for-loop": 'for h in a b; do\n  ssh "$h" uptime\ndone',
    "while-loop": "while ! redis-cli ping; do\n  sleep 1\ndone",
    "if-block": "if systemctl is-active x; then\n  echo up\nelse\n  echo down\nfi",
    "case-block": 'case "$1" in\n  a) echo a ;;\n  *) echo other ;;\nesac',
    "trailing-pipe": "journalctl -u x |\n  grep error",
    "trailing-and": "make &&\n  make install",
}


@pytest.mark.parametrize("case", sorted(JOINED))
def test_multi_line_commands_stay_whole(case: str) -> None:
    (step,) = _shell(JOINED[case])
    (command,) = step.commands
    assert command.raw == JOINED[case]
    assert command.line == 10


def test_quoted_heredoc_markers_are_text() -> None:
    (step,) = _shell('echo "use <<EOF here"\necho next\nEOF')
    assert [c.text for c in step.commands] == ['echo "use <<EOF here"', "echo next", "EOF"]


def test_here_strings_are_not_heredocs() -> None:
    (step,) = _shell('redis-cli <<< "PING"\necho next\nPING')
    assert [c.text for c in step.commands] == ['redis-cli <<< "PING"', "echo next", "PING"]


def test_words_that_only_look_like_keywords_do_not_join() -> None:
    (step,) = _shell("echo for\necho done\necho if")
    assert [c.text for c in step.commands] == ["echo for", "echo done", "echo if"]


def test_expected_attaches_to_the_command_before_it() -> None:
    (step,) = _shell(
        "# Step 1: Ping\nredis-cli ping\n# Expected: PONG\n# expected output: still PONG\nls"
    )
    first, second = step.commands
    assert first.expected == "PONG\nstill PONG"
    assert second.expected is None


def test_expected_before_any_command_is_a_note() -> None:
    (step,) = _shell("# Step 1: x\n# Expected: nothing yet\n")
    assert step.kind == "manual"
    assert step.notes == ["Expected: nothing yet"]


@pytest.mark.parametrize(
    ("comment", "attempts", "delay"),
    [
        ("# Retry: 10 every 1s", 10, 1.0),
        ("# Retry: 3 times every 500ms", 3, 0.5),
        ("# retry: 5x every 2 seconds", 5, 2.0),
        ("# Retry: 2 every 1m", 2, 60.0),
        ("# Retry: 7", 7, 1.0),
    ],
)
def test_retry(comment: str, attempts: int, delay: float) -> None:
    (step,) = _shell(f"# Step 1: Wait\ncurl -f http://x\n{comment}\n")
    assert step.retry is not None
    assert (step.retry.attempts, step.retry.delay) == (attempts, delay)


@pytest.mark.parametrize(
    "comment", ["# Retry: 0 every 1s", "# Retry: 10001", "# Retry: 3 every 2 days"]
)
def test_retry_out_of_range(comment: str) -> None:
    text = f"# Step 1: Wait\ncurl -f http://x\n{comment}\n"
    if "days" in comment:  # not a retry comment at all: stays a note
        (step,) = _shell(text)
        assert step.retry is None
        return
    with pytest.raises(ParseError, match="out of range") as info:
        _shell(text)
    assert info.value.line == 12


@pytest.mark.parametrize(
    ("text", "reasons"),
    [
        ("# Step 1: Clean (WARNING: loses data)\nls", ["marked WARNING"]),
        ("# Step 1: Clean\n# danger: irreversible\nls", ["marked DANGER"]),
        ("# Step 1: Clean\nrm -rf /tmp/x\nredis-cli FLUSHALL", ["rm -rf", "redis-cli FLUSHALL"]),
        ("# Step 1: Clean\nls", []),
    ],
)
def test_destructive_steps(text: str, reasons: list[str]) -> None:
    (step,) = _shell(text)
    assert step.destructive is bool(reasons)
    assert step.destructive_reasons == reasons


def test_preamble_comments_before_the_first_marker() -> None:
    steps, preamble = shell_steps("# If Redis won't start:\n\n# 1. Check\nls\n", 1, "bash", "c")
    assert preamble == ["If Redis won't start:"]
    assert [s.title for s in steps] == ["Check"]


def test_ssh_command_gets_a_target() -> None:
    (step,) = _shell('ssh -p 2222 ops@h "uptime"')
    (command,) = step.commands
    assert command.text == "uptime" and command.raw == 'ssh -p 2222 ops@h "uptime"'
    assert command.target is not None and command.target.port == 2222


CONSOLE = {
    "prompt-and-output": (
        "$ redis-cli ping\nPONG\n",
        [("redis-cli ping", "PONG")],
    ),
    "two-commands": (
        "$ a\nout a\n$ b\nout b\nmore b\n",
        [("a", "out a"), ("b", "out b\nmore b")],
    ),
    "no-output": (
        "$ systemctl restart x\n$ echo ok\nok\n",
        [("systemctl restart x", None), ("echo ok", "ok")],
    ),
    "continuation": (
        "$ rabbitmqctl list_queues \\\n>   --vhost billing\nq 1\n",
        [("rabbitmqctl list_queues \\\n  --vhost billing", "q 1")],
    ),
    "ssh-in-console": ('$ ssh -p 2200 u@h "uptime"\nup 3 days\n', [("uptime", "up 3 days")]),
    "comment-before-prompt": ("# restart first\n$ x\n", [("x", None)]),
    "bare-prompt": ("$ a\nout\n$\n$ b\n", [("a", "out"), ("b", None)]),
}


@pytest.mark.parametrize("case", sorted(CONSOLE))
def test_console(case: str) -> None:
    text, expected = CONSOLE[case]
    (step,) = console_steps(text, 5, "console", "Check")
    assert [(c.text, c.sample) for c in step.commands] == expected
    assert all(c.expected is None for c in step.commands)  # sample output is no check
    assert step.title == "Check" and step.kind == "shell"


def test_console_without_prompts_is_manual() -> None:
    (step,) = console_steps("just output\n", 5, "console", "Look")
    assert step.kind == "manual" and step.notes == ["just output"]


def test_console_lines() -> None:
    (step,) = console_steps("$ a\n1\n2\n$ b\n", 20, "shell-session", "x")
    assert [c.line for c in step.commands] == [20, 23]


@pytest.mark.parametrize(
    ("comment", "codes"),
    [
        ("# Exit: 0,1", [0, 1]),
        ("# Exit: 0 1", [0, 1]),
        ("# exit codes: 0, 2, 2", [0, 2]),
        ("# Exit code: 3", [3]),
        ("## Exit status: 255", [255]),
    ],
)
def test_exit_codes_attach_to_the_command_before(comment: str, codes: list[int]) -> None:
    (step,) = _shell(f"# Step 1: Grep\ngrep -q x f\n{comment}\nls\n")
    first, second = step.commands
    assert first.exit_codes == codes
    assert second.exit_codes is None


@pytest.mark.parametrize(
    "comment", ["# Exit: abc", "# Exit: 256", "# Exit: -1", "# Exit:", "# Exit: 1.5"]
)
def test_invalid_exit_codes_raise_with_the_line(comment: str) -> None:
    with pytest.raises(ParseError, match="exit statuses") as info:
        _shell(f"# Step 1: Grep\ngrep -q x f\n{comment}\n")
    assert info.value.line == 12


def test_exit_before_any_command_is_a_note() -> None:
    (step,) = _shell("# Step 1: Leave\n# Exit: the shell when done\n")
    assert step.notes == ["Exit: the shell when done"]


def test_expected_absent_appends() -> None:
    (step,) = _shell(
        "# Step 1: Log\ngrep x log\n# Expected absent: ERROR\n# expected absent: FATAL: disk\n"
    )
    (command,) = step.commands
    assert command.absent == ["ERROR", "FATAL: disk"]
    assert command.expected is None and not command.empty


@pytest.mark.parametrize(
    "comment",
    [
        "# Expected empty",
        "# Expected: (empty)",
        "# Expected: nothing",
        "# expected output: nothing",
    ],
)
def test_expected_empty(comment: str) -> None:
    (step,) = _shell(f"# Step 1: Quiet\ngrep ERROR log\n{comment}\n")
    (command,) = step.commands
    assert command.empty is True and command.expected is None


def test_checks_combine_on_one_command() -> None:
    (step,) = _shell(
        "redis-cli ping\n# Expected: PONG\n# Expected absent: LOADING\n# Exit: 0\nls\n"
    )
    first, second = step.commands
    assert (first.expected, first.absent, first.exit_codes) == ("PONG", ["LOADING"], [0])
    assert (second.expected, second.absent, second.exit_codes, second.empty) == (
        None,
        [],
        None,
        False,
    )


def test_expected_text_that_only_starts_like_a_marker_stays_expected() -> None:
    (step,) = _shell("echo nothing here\n# Expected: nothing here\n# Expected: empty set\n")
    (command,) = step.commands
    assert command.expected == "nothing here\nempty set" and not command.empty


def test_prompts_in_a_bash_block_are_removed_and_output_is_sample() -> None:
    (step,) = _shell(
        "$ kubectl get pods\nNAME    READY\nweb-0   1/1\n\n$ kubectl rollout restart deploy/web\n"
    )
    first, second = step.commands
    assert (first.text, first.raw, first.line) == ("kubectl get pods", "kubectl get pods", 10)
    assert first.sample == "NAME    READY\nweb-0   1/1" and first.expected is None
    assert (second.text, second.sample, second.line) == (
        "kubectl rollout restart deploy/web",
        None,
        14,
    )


def test_output_lines_never_run() -> None:
    (step,) = _shell("$ cat /etc/hosts\n127.0.0.1 localhost\nrm -rf /\n")
    (command,) = step.commands
    assert command.sample == "127.0.0.1 localhost\nrm -rf /"
    assert not step.destructive


def test_markers_still_work_in_a_transcript() -> None:
    steps = _shell(
        "# Step 1: Ping\n$ redis-cli ping\nPONG\n# Expected: PONG\n# Exit: 0,1\n"
        "# Step 2: Restart\nsystemctl restart redis\n$ redis-cli ping\nLOADING\n"
    )
    assert _summary(steps) == [
        (1, "Ping", "shell", ["redis-cli ping"]),
        (2, "Restart", "shell", ["systemctl restart redis", "redis-cli ping"]),
    ]
    ping = steps[0].commands[0]
    assert (ping.sample, ping.expected, ping.exit_codes) == ("PONG", "PONG", [0, 1])
    assert steps[1].commands[1].sample == "LOADING"


def test_prompt_continuations_join() -> None:
    (step,) = _shell("$ curl -s \\\n  http://x/health\nok\n$ echo 'a\n> b'\na\nb\n")
    first, second = step.commands
    assert (first.text, first.sample) == ("curl -s \\\n  http://x/health", "ok")
    assert (second.text, second.sample) == ("echo 'a\nb'", "a\nb")


@pytest.mark.parametrize(
    ("text", "commands", "notes"),
    [
        ("$ id\nuid=0\n# systemctl status nginx\nactive\n", ["id", "systemctl status nginx"], []),
        ("$ id\nuid=0\n# cat /etc/hostname\nweb-1\n", ["id", "cat /etc/hostname"], []),
        (
            "# Restart the workers\n$ systemctl restart w\n",
            ["systemctl restart w"],
            ["Restart the workers"],
        ),
        ("# restart them now\n$ x\n", ["x"], ["restart them now"]),
    ],
)
def test_root_prompts_only_when_clearly_a_transcript(
    text: str, commands: list[str], notes: list[str]
) -> None:
    (step,) = _shell(text)
    assert [c.text for c in step.commands] == commands
    assert step.notes == notes


def test_hash_comments_in_plain_scripts_stay_comments() -> None:
    (step,) = _shell("# systemctl status nginx\nsystemctl restart nginx\n")
    assert [c.text for c in step.commands] == ["systemctl restart nginx"]
    assert step.notes == ["systemctl status nginx"]


def test_prompted_commands_get_targets_and_reasons() -> None:
    (step,) = _shell('$ ssh ops@h "tail -f /var/log/x"\nline 1\n')
    (command,) = step.commands
    assert command.target is not None and command.text == "tail -f /var/log/x"
    assert command.interactive is not None and command.sample == "line 1"


def test_ssh_session_binds_the_commands_after_it() -> None:
    (step,) = _shell(
        "ssh -p 2222 root@db-1\nsystemctl status pg\ndf -h /\nexit\nls\n", context="On the db"
    )
    status, df, local = step.commands
    assert (status.text, status.raw, status.line) == (
        "systemctl status pg",
        "systemctl status pg",
        11,
    )
    assert status.target is not None and (status.target.host, status.target.user) == (
        "db-1",
        "root",
    )
    assert status.target.port == 2222 and df.target == status.target
    assert local.text == "ls" and local.target is None
    assert step.notes == ["commands after line 10 run on root@db-1:2222"]


def test_ssh_session_lasts_until_the_block_ends_across_steps() -> None:
    steps = _shell("# Step 1: Log in\nssh ops@h\n# Step 2: Look\nuptime\n# Step 3: Leave\nlogout\n")
    assert [[c.text for c in s.commands] for s in steps] == [[], ["uptime"], []]
    assert steps[1].commands[0].target is not None
    assert steps[0].notes == ["commands after line 11 run on ops@h"]


@pytest.mark.parametrize(
    "text", ["ssh ops@bastion\n", "ssh ops@bastion\nexit\n", "ls\nssh ops@h\n"]
)
def test_a_bare_ssh_with_nothing_after_stays_an_interactive_command(text: str) -> None:
    (step,) = _shell(text)
    ssh = next(c for c in step.commands if c.text.startswith("ssh"))
    assert ssh.interactive is not None and "ssh session" in ssh.interactive


@pytest.mark.parametrize(
    "opener",
    [
        "kubectl exec -it web-0 -- sh",
        "kubectl -n prod exec -ti web-0 -- /bin/bash",
        "oc debug node/w-1",
    ],
)
def test_commands_in_a_shell_runbookkit_cannot_open_are_manual(opener: str) -> None:
    steps = _shell(f"kubectl get pods\n{opener}\nchroot /host\nls /tmp\nexit\nkubectl get nodes\n")
    first, inside, after = steps
    assert [c.text for c in first.commands] == ["kubectl get pods"]
    assert inside.kind == "manual" and inside.commands == []
    assert inside.notes == [
        f"these commands run inside `{opener}`, which runbookkit cannot open; "
        "run them in your own terminal",
        opener,
        "chroot /host",
        "ls /tmp",
    ]
    assert [c.text for c in after.commands] == ["kubectl get nodes"]


def test_a_foreign_shell_alone_in_its_block_is_one_manual_step() -> None:
    (step,) = _shell("kubectl exec -it web-0 -- sh\nps aux\n")
    assert step.kind == "manual" and step.notes[1:] == ["kubectl exec -it web-0 -- sh", "ps aux"]


def test_exec_with_a_command_is_no_opener() -> None:
    (step,) = _shell("kubectl exec -it web-0 -- ls /\nkubectl get pods\n")
    assert [c.text for c in step.commands] == ["kubectl exec -it web-0 -- ls /", "kubectl get pods"]
