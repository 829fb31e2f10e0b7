"""The Rich view of a run: each of runbookkit's own lines in the one style it is printed with."""

from __future__ import annotations

import io
from typing import Any

import pytest

from runbookkit.display.run import RichView
from runbookkit.execute.events import (
    RunFinished,
    RunNotice,
    RunStarted,
    RunStatus,
    StepFinished,
    StepResult,
    StepStarted,
    StepStatus,
)
from tests.history.conftest import T0

# Rich's ReprHighlighter styles numbers bold cyan and brackets bold; standard colours.
NUMBER, BRACKET = "\x1b[1;36m", "\x1b[1;32m("


def colour_console(out: io.StringIO) -> Any:
    from rich.console import Console

    return Console(file=out, force_terminal=True, color_system="standard", width=200)


def shown(view: RichView, events: list[object]) -> str:
    for event in events:
        view(event)  # type: ignore[arg-type]
    return str(view.console.file.getvalue())


def run_events() -> list[object]:
    result = StepResult(1, "Check /var/lib/app", "local", ["true"], StepStatus.passed)
    result.duration = 0.12
    return [
        RunStarted("r1", "demo", "Demo", "ab" * 32, "fix", "me", ["local"], 1, T0, "0.1.0"),
        RunNotice("r1", "step 2 reads /etc/app.conf (3 lines)"),
        StepStarted("r1", 1, "Check /var/lib/app", "local"),
        StepFinished("r1", result),
        RunFinished("r1", RunStatus.passed, 0, T0),
    ]


def test_a_step_line_s_duration_keeps_the_line_s_own_colour() -> None:
    text = shown(RichView(colour_console(io.StringIO())), run_events())
    assert "\x1b[32m    -> ok (0.12s)\x1b[0m" in text  # green, in one piece
    assert "\x1b[33mwarning: step 2 reads /etc/app.conf (3 lines)\x1b[0m" in text
    assert "\x1b[32mrun r1 passed (exit 0)\x1b[0m" in text
    assert NUMBER not in text and BRACKET not in text


def test_the_default_console_with_colour_forced_keeps_the_line_s_own_colour(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    view = RichView()
    view.console.file = io.StringIO()
    text = shown(view, run_events())
    assert "    -> ok (0.12s)" in text and "\x1b[" in text  # coloured, the duration in one piece
    assert NUMBER not in text and BRACKET not in text
