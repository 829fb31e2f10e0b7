"""What reads as YAML, JSON, SQL or program output in a shell block, and what stays shell."""

from __future__ import annotations

import pytest

from runbookkit.lint.content import kind


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("replicas: 3", "YAML"),
        ("- name: web", "YAML"),
        ('{"status": "ok"}', "JSON"),
        ('["a", "b"]', "JSON"),
        ('"key": 1,', "JSON"),
        ("SELECT * FROM users;", "SQL"),
        ("DELETE FROM sessions WHERE expired;", "SQL"),
        ("NAME    READY   STATUS    RESTARTS", "program output"),
        ("kubectl get pods -n prod", None),
        ('[ "$x" = y ] && echo same', None),
        ("{ echo a; echo b; } > out", None),
        ("[[ -f /etc/hosts ]]", None),
        ("# replicas: 3", None),
        ("curl http://localhost:8080/health", None),
        ("FOO=bar ./run.sh", None),
        ("echo SELECT", None),
    ],
)
def test_kind(line: str, expected: str | None) -> None:
    assert kind(line) == expected
