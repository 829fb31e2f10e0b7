"""The documented list of destructive commands, and what stays off it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runbookkit.parsing.safety import _reason, destructive_reason, marker

DESTRUCTIVE = {
    "rm -rf /var/lib/redis": "rm -rf",
    "rm -f dump.rdb": "rm -f",
    "rm -r old/": "rm -r",
    "rm -R old/": "rm -R",
    "rm --recursive old/": "rm --recursive",
    "sudo rm -fv /tmp/x": "rm -fv",
    "/bin/rm -rf x": "rm -rf",
    "rm \\\n  -rf /srv/data": "rm -rf",
    "redis-cli FLUSHALL": "redis-cli FLUSHALL",
    "redis-cli -h 10.0.0.5 -n 2 flushdb": "redis-cli FLUSHDB",
    "psql -c 'DROP TABLE users'": "SQL DROP",
    'mysql -e "drop database shop"': "SQL DROP",
    "psql -c 'TRUNCATE audit_log'": "SQL TRUNCATE",
    "psql -c 'DELETE FROM sessions'": "SQL DELETE without WHERE",
    "psql -c 'DELETE FROM a WHERE id = 1; DELETE FROM b'": "SQL DELETE without WHERE",
    "mkfs.ext4 /dev/sdb1": "mkfs.ext4",
    "mkfs -t xfs /dev/sdc": "mkfs",
    "dd if=/dev/zero of=/dev/sdb bs=1M": "dd of=",
    "kill -9 1234": "kill -9",
    "sudo pkill -9 -f 'celery worker'": "pkill -9",
    "killall -KILL node": "killall -9",
    "kill -s KILL 42": "kill -9",
    "kill -s SIGKILL 42": "kill -9",
    "shutdown -h now": "shutdown",
    "sudo reboot": "reboot",
    "poweroff": "poweroff",
    "systemctl stop redis-server": "systemctl stop",
    "sudo systemctl disable --now nginx": "systemctl disable",
    "systemctl mask kubelet": "systemctl mask",
    "service haproxy stop": "service stop",
    "systemctl status x && systemctl stop x": "systemctl stop",
    "bash -c 'rm -rf /tmp/cache'": "rm -rf",
    'ssh root@h "systemctl stop redis-server && rm -f /var/lib/redis/dump.rdb"': "systemctl stop",
    "FOO=1 nohup rm -rf x": "rm -rf",
    "find . -name '*.tmp' | xargs rm -f": "rm -f",
}

SAFE = [
    "rm file.txt",
    "rm -i file.txt",
    "ls -rf",
    "echo rm -rf /",
    "redis-cli ping",
    "redis-cli GET FLUSHALL_COUNT",
    "psql -c 'DELETE FROM sessions WHERE expires < now()'",
    "psql -c 'select * from drops'",
    "dd if=/dev/sda bs=1M count=1",
    "kill 1234",
    "kill -15 1234",
    "systemctl start redis-server",
    "systemctl restart nginx",
    "systemctl status kubelet",
    "service haproxy reload",
    "curl -X DELETE https://es:9200/logs-2025.11.20",
    "grep shutdown /var/log/syslog",
    "git rm --cached x",
    "rm 'unclosed",
]


@pytest.mark.parametrize("command", sorted(DESTRUCTIVE))
def test_destructive(command: str) -> None:
    assert destructive_reason(command) == DESTRUCTIVE[command]


@pytest.mark.parametrize("command", SAFE)
def test_not_destructive(command: str) -> None:
    assert destructive_reason(command) is None


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("clear Redis data (WARNING: loses all cache)", "WARNING"),
        ("Danger: this drops the replica", "DANGER"),
        ("caution - data loss", "CAUTION"),
        ("Warnings are shown in yellow", None),
        ("Check the cautionary tale", None),
        ("Restart the service", None),
    ],
)
def test_marker(text: str, word: str | None) -> None:
    assert marker(text) == word


command_text = st.lists(
    st.sampled_from(
        [
            *DESTRUCTIVE,
            *SAFE,
            "sudo",
            "ssh h",
            "'",
            '"',
            " ",
            ";",
            "|",
            "-9",
            "KILL",
            "stop",
            "of=/dev/x",
            "where",
            "\\\n",
            "rm",
            "dd",
            "systemctl",
            "service",
            "x",
        ]
    ),
    max_size=6,
).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(command_text)
def test_prefilter_never_hides_a_destructive_command(command: str) -> None:
    assert destructive_reason(command) == _reason(command)
