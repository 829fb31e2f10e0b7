"""Shell words across continued lines, and compound commands that are still open."""

from __future__ import annotations

import pytest

from runbookkit.parsing.shellwords import join_continuations, open_compound, split


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        ("a \\\n  b", "a   b"),
        ("a\\\nb", "ab"),
        ("'a \\\n b'", "'a \\\n b'"),
        ('"a \\\n b"', '"a  b"'),
        ("echo \\\\\nnext", "echo \\\\\nnext"),
        ("no continuation", "no continuation"),
        ('"it\'s" \\\nx', '"it\'s" x'),
    ],
)
def test_join_continuations(text: str, joined: str) -> None:
    assert join_continuations(text) == joined


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("ssh -p 22 h \\\n  'uptime'", ["ssh", "-p", "22", "h", "uptime"]),
        ("a|b && c; d > e", ["a", "|", "b", "&&", "c", ";", "d", ">", "e"]),
        ("echo '# not a comment'", ["echo", "# not a comment"]),
    ],
)
def test_split(text: str, words: list[str]) -> None:
    assert split(text) == words


def test_split_comments_and_unclosed_quotes() -> None:
    assert split("ls # list", comments=True) == ["ls"]
    with pytest.raises(ValueError):
        split("echo 'open")


@pytest.mark.parametrize(
    ("text", "still_open"),
    [
        ("for h in a b; do", True),
        ("for h in a b; do\n  echo $h\ndone", False),
        ("while true; do sleep 1; done", False),
        ("if x; then", True),
        ("if x; then\n  if y; then z; fi", True),
        ("if x; then\n  if y; then z; fi\nfi", False),
        ('case "$1" in', True),
        ('case "$1" in\n a) x ;;\nesac', False),
        ("echo for while if", False),
        ("echo done", False),
        ("until ping -c1 h; do sleep 1; done", False),
        ("ls # if only", False),
    ],
)
def test_open_compound(text: str, still_open: bool) -> None:
    assert open_compound(text) is still_open
