"""Shell words across continued lines, and compound commands that are still open."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from runbookkit.parsing.shellwords import _open_compound, join_continuations, open_compound, split


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
    assert split("a#b # c", comments=True) == ["a#b"]  # only a word-initial # opens a comment
    assert split("ls # list") == ["ls", "#", "list"]
    with pytest.raises(ValueError):
        split("echo 'open")
    with pytest.raises(ValueError):
        split('echo "open \\"')


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('echo "\\$HOME"', ["echo", "$HOME"]),
        ('echo "a\\nb"', ["echo", "a\\nb"]),
        ('echo "\\`x\\` \\" \\\\"', ["echo", '`x` " \\']),
        ("echo '\\$HOME'", ["echo", "\\$HOME"]),
        ("echo \\$HOME \\a", ["echo", "$HOME", "a"]),
        ('echo "$HOME"', ["echo", "$HOME"]),
        ("echo '' \"\"", ["echo", "", ""]),
        ('echo "a \\\n b"', ["echo", "a  b"]),
        ("a \\\n b", ["a", "b"]),
        ("echo \\", ["echo", "\\"]),
        ("a\nb", ["a", "b"]),
    ],
)
def test_posix_quoting(text: str, words: list[str]) -> None:
    assert split(text) == words


def test_newlines_as_words() -> None:
    assert split("a\nb 'c\nd'", newlines=True) == ["a", "\n", "b", "c\nd"]


# Pieces of generated command lines: nothing bash would expand, glob or treat as an operator.
_SAFE = st.sampled_from(["a", "b", "-x", "=", "@", ".", "/", ":", ",", "%", "+", "é", "1"])
_UNQUOTED = st.one_of(
    _SAFE, st.sampled_from(["\\$", "\\\\", "\\'", '\\"', "\\ ", "\\a", "\\#", "\\|", "\\*"])
)
_IN_SINGLE = st.lists(
    st.one_of(_SAFE, st.sampled_from(["\\", '"', "$", "$HOME", " ", "\n", "#", "`", "*"])),
    max_size=5,
).map(lambda parts: "'" + "".join(parts) + "'")
_IN_DOUBLE = st.lists(
    st.one_of(
        _SAFE,
        st.sampled_from(["\\$", "\\$HOME", "\\`", '\\"', "\\\\", "\\n", "\\a", "\\\n"]),
        st.sampled_from(["'", " ", "\n", "#", "*", "~", "!"]),
    ),
    max_size=5,
).map(lambda parts: '"' + "".join(parts) + '"')
_WORD = st.lists(st.one_of(_UNQUOTED, _IN_SINGLE, _IN_DOUBLE), min_size=1, max_size=4).map("".join)
_LINE = st.lists(
    st.tuples(_WORD, st.sampled_from([" ", "  ", "\t", " \\\n "])), min_size=1, max_size=5
).map(lambda pairs: "".join(word + gap for word, gap in pairs))


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@settings(max_examples=300, deadline=None)
@given(_LINE)
def test_split_agrees_with_bash(line: str) -> None:
    script = "set -f; printf '%s\\0' " + line
    done = subprocess.run(["bash", "--norc", "-c", script], capture_output=True, check=True)
    assert split(line) == done.stdout.decode().split("\0")[:-1]


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


GLUED_KEYWORD = re.compile(r"[\\'\"](?:for|if|case|while|until)|(?:for|if|case|while|until)[\\'\"]")
shell_text = st.lists(
    st.sampled_from(
        [
            "for",
            "if",
            "case",
            "while",
            "until",
            "do",
            "done",
            "fi",
            "esac",
            "then",
            "x",
            "echo",
            "'",
            '"',
            "\\",
            "\\\n",
            "\n",
            ";",
            "|",
            "&&",
            " ",
            "#",
            "$(",
            ")",
            "'a b'",
            '"c d"',
        ]
    ),
    max_size=14,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(shell_text)
def test_fast_path_agrees_with_the_tokeniser(text: str) -> None:
    # shlex drops quotes, so it reads \\for or 'if'x as keywords; the shell (and the fast path)
    # does not. Only that case may differ.
    assume(not GLUED_KEYWORD.search(text))
    try:
        slow: bool | None = _open_compound(text)
    except ValueError:
        slow = None
    try:
        fast: bool | None = open_compound(text)
    except ValueError:
        fast = None
    assert fast == slow
