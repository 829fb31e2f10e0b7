"""Shell words across continued lines, and compound commands that are still open."""

from __future__ import annotations

import re
import shutil
import subprocess
import time

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from runbookkit.parsing.shellwords import LineReader, open_compound, split
from tests.conftest import EXAMPLE_BUDGET


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
@settings(max_examples=300, deadline=EXAMPLE_BUDGET)
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


shell_text = st.lists(
    st.sampled_from(
        [
            "for x in a; do",
            "if x; then",
            "while x; do",
            "case x in",
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
            "'a b'",
            '"c d"',
            " <<EOF",
            " <<'END'",
            "\nEOF\n",
            "\nEND\n",
        ]
    ),
    max_size=14,
).map("".join)
# What bash says when a script ends inside a command.
_AT_EOF = re.compile(r"unexpected end of file|unexpected EOF|delimited by end-of-file")


def _read(text: str) -> bool:
    reader = LineReader()
    for line in text.split("\n"):
        reader.feed(line)
    return reader.open


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@settings(
    max_examples=300,
    deadline=EXAMPLE_BUDGET,
    suppress_health_check=[HealthCheck.filter_too_much],
)
@given(shell_text)
def test_line_reader_agrees_with_bash(text: str) -> None:
    # A backslash ends the script for bash, the line for the reader, which waits for the next.
    assume(not text.split("\n")[-1].endswith("\\"))
    done = subprocess.run(["bash", "-n"], input=text.encode(), capture_output=True)
    at_eof = bool(_AT_EOF.search(done.stderr.decode()))
    assume(done.returncode == 0 or at_eof)  # another syntax error: bash stops before the end
    assert _read(text) == at_eof


@pytest.mark.parametrize(
    ("lines", "still_open"),
    [
        (["cat <<EOF", "text 'with a quote", "EOF"], [True, True, False]),
        (["cat <<-'END' | grep x", "\tbody", "\tEND"], [True, True, False]),
        (["cat <<A <<B", "a", "A", "b", "B"], [True, True, True, True, False]),
        (["cat <<EOF |", "b", "EOF", "grep b"], [True, True, True, False]),
        (["for f in *; do", "  cat <<EOF", "$f", "EOF", "done"], [True, True, True, True, False]),
        (["echo 'open", "still", "closed'"], [True, True, False]),
        (['echo "a \\', 'b" c'], [True, False]),
        (["a &&", "", "b"], [True, True, False]),
        (["a # ends here |"], [False]),
        (["echo <<<word"], [False]),
        (["echo '<<EOF'"], [False]),
        (["a \\", "b"], [True, False]),
    ],
)
def test_line_reader(lines: list[str], still_open: list[bool]) -> None:
    reader = LineReader()
    assert [reader.feed(line) for line in lines] == still_open


def test_line_reader_is_linear() -> None:
    # Each line is read once: an open quote or heredoc over 20,000 lines stays fast.
    for first in ("echo 'never closed", "cat <<EOF"):
        reader = LineReader()
        start = time.perf_counter()
        reader.feed(first)
        for _ in range(20_000):
            reader.feed("some text $HOME | and more words here")
        assert reader.open
        assert time.perf_counter() - start < 1.0
