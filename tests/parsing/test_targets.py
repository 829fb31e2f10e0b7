"""ssh lines → remote command and target; everything else stays local and untouched."""

from __future__ import annotations

import pytest

from runbookkit.model import Target
from runbookkit.parsing.targets import render, split_remote

REMOTE = {
    "key-user-host": (
        'ssh -i ~/.ssh/id_ed25519_ai_admin root@46.149.70.219 "redis-cli ping"',
        "redis-cli ping",
        Target(host="46.149.70.219", user="root", identity="~/.ssh/id_ed25519_ai_admin"),
    ),
    "port-and-login": (
        "ssh -p 2222 -l postgres db-1 'df -h /'",
        "df -h /",
        Target(host="db-1", user="postgres", port=2222),
    ),
    "options": (
        'ssh -o StrictHostKeyChecking=yes -o ConnectTimeout=5 ops@edge-1 "uptime"',
        "uptime",
        Target(
            host="edge-1",
            user="ops",
            options={"StrictHostKeyChecking": "yes", "ConnectTimeout": "5"},
        ),
    ),
    "options-spelled-with-a-space": (
        'ssh -o "ConnectTimeout 5s" -o "Port = ssh" h uptime',
        "uptime",
        Target(host="h", options={"ConnectTimeout": "5s", "Port": "ssh"}),
    ),
    "flags-joined-to-values": (
        "ssh -p2222 -lops -oUser=x h uptime",
        "uptime",
        Target(host="h", user="ops", port=2222, options={"User": "x"}),
    ),
    "bare-flags": ("ssh -t -q ops@h 'sudo -i'", "sudo -i", Target(host="h", user="ops")),
    "words-joined-like-ssh": ("ssh host ls -la /tmp", "ls -la /tmp", Target(host="host")),
    "quoted-pipe-stays-remote": (
        'ssh h "tail -100 /var/log/x.log | grep -i error"',
        "tail -100 /var/log/x.log | grep -i error",
        Target(host="h"),
    ),
    "continued-line": (
        'ssh -p 2222 -l pg db \\\n  "find /var/log -mtime +7 -delete"',
        "find /var/log -mtime +7 -delete",
        Target(host="db", user="pg", port=2222),
    ),
    "user-with-at": ("ssh 'a@b'@host 'id'", "id", Target(host="host", user="a@b")),
    "escaped-dollar-in-double-quotes": (
        'ssh h "echo \\$HOME"',
        "echo $HOME",
        Target(host="h"),
    ),
    "other-backslash-in-double-quotes-stays": (
        'ssh h "printf a\\nb"',
        "printf a\\nb",
        Target(host="h"),
    ),
    "escaped-quote-and-backslash": (
        'ssh h "grep \\"a b\\" f \\\\ x"',
        'grep "a b" f \\ x',
        Target(host="h"),
    ),
    "single-quotes-are-literal": (
        "ssh h 'echo \\$HOME \\\\'",
        "echo \\$HOME \\\\",
        Target(host="h"),
    ),
    "unquoted-escape": ("ssh h echo \\$HOME", "echo $HOME", Target(host="h")),
    "remote-variable-stays-for-the-remote-session": (
        'ssh h "echo $HOME ${PATH}"',
        "echo $HOME ${PATH}",
        Target(host="h"),
    ),
    "quoted-words-joined-like-ssh": ("ssh h ls \"a b\" 'c'", "ls a b c", Target(host="h")),
    "empty-quoted-argument": ("ssh h echo ''", "echo ", Target(host="h")),
    "variable-host": ('ssh root@$HOST "uptime"', "uptime", Target(host="$HOST", user="root")),
    "variable-port": (
        'ssh -p "$PORT" ops@h uptime',
        "uptime",
        Target(host="h", user="ops", options={"port": "$PORT"}),
    ),
    "braced-variable-port": (
        "ssh -p ${PORT} h uptime",
        "uptime",
        Target(host="h", options={"port": "${PORT}"}),
    ),
    "port-option-unchanged": (
        "ssh -o Port=22 h uptime",
        "uptime",
        Target(host="h", options={"Port": "22"}),
    ),
}

LOCAL = {
    "no-remote-command": "ssh ops@proxy-1",
    "jump-host-flag": "ssh -J bastion ops@proxy-1 'uptime'",
    "pipe-into-ssh": "cat cert.pem | ssh ops@proxy 'openssl x509 -noout'",
    "pipe-after-ssh": "ssh ops@h 'cat /etc/hosts' | grep db",
    "and-after-ssh": "ssh ops@h uptime && echo done",
    "redirect": "ssh ops@h 'cat /x' > x",
    "option-without-value": "ssh -o BatchMode ops@h uptime",
    "flag-at-end": "ssh -i",
    "not-ssh": "scp a b:/tmp",
    "ssh-copy-id": "ssh-copy-id ops@h",
    "port-not-a-number": "ssh -p twenty ops@h uptime",
    "port-superscript": "ssh -p ² ops@h uptime",
    "port-out-of-range": "ssh -p 65536 ops@h uptime",
    "port-zero": "ssh -p 0 ops@h uptime",
    "port-an-expression": 'ssh -p "$((PORT + 1))" ops@h uptime',
    "stderr-redirect": "ssh ops@h uptime 2>&1",
    "empty-host": "ssh ops@ uptime",
    "unclosed-quote": "ssh h 'uptime",
    "variable-host-in-loop": 'for h in a b; do ssh "ops@$h" uptime; done',
}


@pytest.mark.parametrize("case", sorted(REMOTE))
def test_remote(case: str) -> None:
    line, text, target = REMOTE[case]
    assert split_remote(line) == (text, target)


@pytest.mark.parametrize("case", sorted(LOCAL))
def test_stays_local(case: str) -> None:
    assert split_remote(LOCAL[case]) is None


@pytest.mark.parametrize(
    ("target", "label"),
    [
        (None, "local"),
        (Target(host="h"), "h"),
        (Target(host="h", user="u"), "u@h"),
        (Target(host="h", user="u", port=2222), "u@h:2222"),
    ],
)
def test_render(target: Target | None, label: str) -> None:
    assert render(target) == label
