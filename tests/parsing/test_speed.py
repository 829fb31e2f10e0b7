"""The parser's time grows linearly with the input, whatever is left open in a code block."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

import pytest

from runbookkit.parsing import parse_text


def _block(first: str, line: str, size: int, last: str = "", language: str = "bash") -> str:
    lines = [first, *[line] * (size // (len(line) + 1))]
    return "# T\n\n## Fix\n\n```" + language + "\n" + "\n".join([*lines, last]) + "\n```\n"


# Each case builds a runbook of about ``size`` bytes.
CASES: dict[str, Callable[[int], str]] = {
    "ordinary": lambda size: _block("# Step 1: check", "echo hello $HOME | grep x", size),
    "unclosed single quote": lambda size: _block("echo 'open", 'text $HOME ${X} <PW> "q', size),
    "unclosed double quote": lambda size: _block('echo "open', "text $HOME <PW> it's", size),
    "long heredoc": lambda size: _block("cat <<EOF > /tmp/x", "line $HOME <TOKEN>", size, "EOF"),
    "unclosed heredoc": lambda size: _block("cat <<'EOF'", "line of text here", size),
    "open for loop": lambda size: _block("for x in a b; do", "  echo $x <Z>", size),
    "continued pipe": lambda size: _block("echo a |", "grep b |", size, "cat"),
    "console heredoc": lambda size: _block("$ cat <<EOF", "> text", size, "> EOF", "console"),
    "repeated headings": lambda size: "# T\n\n" + "## Fix\n\ntext\n\n" * (size // 15),
}


def _seconds(text: str) -> float:
    """The CPU time of this thread in the best of three parses, with the cyclic collector off:
    what the other processes of a busy machine and the other threads of the test process (a
    server or a live display an earlier test left running) do to the clock, and what a full
    collection costs in a process holding everything the suite loaded before, is no measure of
    how the parser grows."""
    best = float("inf")
    for _ in range(3):
        gc.collect()
        gc.disable()
        try:
            start = time.thread_time()
            parse_text(text)
            best = min(best, time.thread_time() - start)
        finally:
            gc.enable()
    return best


@pytest.mark.parametrize("case", CASES)
def test_15_kb_parses_in_well_under_a_second(case: str) -> None:
    parse_text(CASES["ordinary"](1000))  # imports done before timing
    text = CASES[case](15_000)
    assert len(text) >= 14_000
    assert _seconds(text) < 1.0  # a tenth of that on an idle machine; minutes when quadratic


@pytest.mark.parametrize("case", CASES)
def test_four_times_the_input_takes_at_most_eight_times_as_long(case: str) -> None:
    parse_text(CASES["ordinary"](1000))
    small, large = _seconds(CASES[case](10_000)), _seconds(CASES[case](40_000))
    assert large < 8 * small + 0.05  # linear: 4×; quadratic: 16×
