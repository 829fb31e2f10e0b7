"""Control and escape sequences in output never reach the operator's terminal as such.

A step prints OSC 0 (window title), OSC 52 (clipboard) and ``ESC[2J`` (clear screen); ``run``,
``history show`` and ``match`` show them as ``^[…``, while runbookkit's own colours stay.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from runbookkit.display.run import PlainView, RichView
from runbookkit.execute.events import (
    RunFinished,
    RunStarted,
    RunStatus,
    StepFinished,
    StepOutput,
    StepResult,
    StepStarted,
    StepStatus,
)
from runbookkit.history import open_store
from runbookkit.terminal import visible
from tests.conftest import run_cli
from tests.history.conftest import T0
from tests.support.runbooks import write_runbook

# The step prints each sequence with printf, so the runbook itself holds no control character.
SEQUENCES = "\x1b]0;owned\x07\x1b]52;c;ZXZpbA==\x07\x1b[2J"
SHOWN = "^[]0;owned^G^[]52;c;ZXZpbA==^G^[[2J"
PRINTF = r"printf 'before \033]0;owned\007\033]52;c;ZXZpbA==\007\033[2J after\n'"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (SEQUENCES, SHOWN),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("crlf\r\nline", "crlf\nline"),
        ("10%\r50%\r100%", "10%\n50%\n100%"),
        ("bell\x07 nul\x00 del\x7f", "bell^G nul^@ del^?"),
        ("c1 csi \x9b2J", "c1 csi M-^[2J"),
        ("unicode é ✓ stays", "unicode é ✓ stays"),
    ],
)
def test_visible_shows_control_characters_in_caret_notation(text: str, shown: str) -> None:
    assert visible(text) == shown
    assert visible(shown) == shown


def printing_book(tmp_path: Path) -> Path:
    return write_runbook(tmp_path, f"# Step 1: Print sequences\n{PRINTF}\n# Expected: after")


def test_run_history_show_and_the_store_never_pass_the_sequences(tmp_path: Path) -> None:
    store = tmp_path / "history.sqlite"
    done = run_cli("run", str(printing_book(tmp_path)), "-s", "fix", "--history", str(store))
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout + done.stderr and "\x07" not in done.stdout
    assert f"    | before {SHOWN} after" in done.stdout
    with open_store(store) as opened:
        run = opened.get_run(opened.list_runs()[0].id)
    assert run.steps[0].stdout == f"before {SEQUENCES} after\n"  # the record keeps them as run
    shown = run_cli("history", "show", run.id, "--history", str(store))
    assert shown.returncode == 0, shown.stderr
    assert "\x1b" not in shown.stdout and "\x07" not in shown.stdout
    assert f"    before {SHOWN} after" in shown.stdout
    listed = run_cli("history", "show", run.id, "--json", "--history", str(store))
    assert "\x1b" not in listed.stdout and "\\u001b]52;" in listed.stdout


def test_a_failing_step_s_error_line_shows_them_too(tmp_path: Path) -> None:
    book = write_runbook(tmp_path, f"# Step 1: Print and fail\n{PRINTF} >&2; false")
    done = run_cli("run", str(book), "-s", "fix", "--history", str(tmp_path / "h.sqlite"))
    assert done.returncode == 1
    assert "\x1b" not in done.stderr + done.stdout
    assert f"exit 1: before {SHOWN} after" in done.stderr


def events() -> list[object]:
    result = StepResult(1, "Print", "local", ["printf …"], StepStatus.passed, exit_code=0)
    return [
        RunStarted("r1", "demo", "Demo", "ab" * 32, "fix", "me", ["local"], 1, T0, "0.1.0"),
        StepStarted("r1", 1, "Print", "local"),
        StepOutput("r1", 1, "stdout", f"before {SEQUENCES[:9]}"),  # cut inside a sequence
        StepOutput("r1", 1, "stdout", f"{SEQUENCES[9:]} after\r"),
        StepOutput("r1", 1, "stdout", "\nnext\n"),
        StepFinished("r1", result),
        RunFinished("r1", RunStatus.passed, 0, T0),
    ]


def test_the_rich_view_shows_them_and_keeps_its_own_colours() -> None:
    from rich.console import Console

    out = io.StringIO()
    view = RichView(Console(file=out, force_terminal=True, color_system="standard", width=200))
    for event in events():
        view(event)  # type: ignore[arg-type]
    text = out.getvalue()
    for raw in ("\x1b]", "\x1b[2J", "\x07"):
        assert raw not in text
    assert f"before {SHOWN} after" in text
    assert "\x1b[32m" in text  # the green of a passed step is runbookkit's own


def test_the_plain_view_ends_a_line_at_a_carriage_return() -> None:
    out = io.StringIO()
    view = PlainView(out)
    for event in events():
        view(event)  # type: ignore[arg-type]
    lines = out.getvalue().splitlines()
    assert f"    | before {SHOWN} after" in lines
    assert lines[lines.index(f"    | before {SHOWN} after") + 1] == "    | next"


def test_match_shows_them_in_the_matched_line(tmp_path: Path) -> None:
    books = tmp_path / "runbooks"
    books.mkdir()
    write_runbook(books, name="disk-full", pattern="No space left on device")
    log = tmp_path / "app.log"
    log.write_text(f"ok\nwrite failed: No space left on device {SEQUENCES}\n")
    env = {"RUNBOOKKIT_CACHE_DIR": str(tmp_path / "cache")}
    for color in ("never", "always"):
        done = run_cli(
            "match", "-f", str(log), "--runbooks-dir", str(books), "--color", color, env=env
        )
        assert done.returncode == 0, done.stderr
        assert "\x1b]" not in done.stdout and "\x1b[2J" not in done.stdout
        assert "\x07" not in done.stdout
        assert f"No space left on device{'' if color == 'never' else chr(27) + '[0m'} {SHOWN}" in (
            done.stdout
        )
    assert "\x1b[31m" in done.stdout  # --color always: the hit is still red
