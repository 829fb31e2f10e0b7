"""The fleet views show control and escape sequences of a host's output, never pass them on."""

from __future__ import annotations

import io

from runbookkit.display.fleet import OutputMode, PlainFleetView, RichFleetView
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
from runbookkit.fleet.hosts import Host
from tests.history.conftest import T0
from tests.test_terminal import SEQUENCES, SHOWN


def events() -> list[object]:
    failed = StepResult(
        1,
        "Print",
        "root@web1:22",
        ["printf …"],
        StepStatus.failed,
        exit_code=1,
        stdout=f"before {SEQUENCES} after\n",
        error=f"exit 1: before {SEQUENCES} after",
        host="web1",
    )
    return [
        RunStarted("r1", "demo", "Demo", "ab" * 32, "fix", "me", ["web1"], 1, T0, "0.1.0"),
        StepStarted("r1", 1, f"Print {SEQUENCES}", "root@web1:22", host="web1"),
        RunNotice("r1", f"a notice {SEQUENCES}", host="web1"),
        StepFinished("r1", failed),
        RunFinished("r1", RunStatus.failed, 1, T0, failed_step=1),
    ]


def test_the_plain_fleet_view_shows_the_sequences() -> None:
    out = io.StringIO()
    view = PlainFleetView([Host("web1", "127.0.0.1")], out)
    for event in events():
        view(event)  # type: ignore[arg-type]
    text = out.getvalue()
    assert "\x1b" not in text and "\x07" not in text
    assert f"    web1: before {SHOWN} after" in text
    assert f"[web1] warning: a notice {SHOWN}" in text


def test_the_rich_fleet_view_shows_the_sequences_and_keeps_its_colours() -> None:
    from rich.console import Console

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, color_system="standard", width=200)
    view = RichFleetView([Host("web1", "127.0.0.1")], console)
    for event in events():
        view(event)  # type: ignore[arg-type]
    text = out.getvalue()
    for raw in ("\x1b]", "\x1b[2J", "\x07"):
        assert raw not in text
    assert f"before {SHOWN} after" in text
    assert "\x1b[33m" in text  # the notice's yellow is runbookkit's own


def test_the_rich_fleet_view_shows_the_followed_hosts_output_under_the_table() -> None:
    from rich.console import Console

    from runbookkit.execute.events import StepOutput

    out = io.StringIO()
    console = Console(file=out, width=120)
    hosts = [Host("web1", "127.0.0.1"), Host("web2", "127.0.0.2")]
    view = RichFleetView(hosts, console, follow="web2")
    view(StepStarted("r1", 1, "Status", "web2", host="web2"))
    view(StepOutput("r1", 1, "stdout", "from web2\npartial", host="web2"))
    view(StepOutput("r1", 1, "stdout", "from web1\n", host="web1"))
    console.print(view)
    text = out.getvalue()
    assert "output of web2:" in text
    assert "from web2" in text and "partial" in text
    assert "from web1" not in text


def test_the_rich_fleet_view_s_own_lines_keep_their_one_colour() -> None:
    from rich.console import Console

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, color_system="standard", width=200)
    view = RichFleetView([Host("web1", "127.0.0.1")], console, output=OutputMode.prefixed)
    result = StepResult(1, "Check", "root@web1:22", ["true"], StepStatus.passed, host="web1")
    result.duration = 0.12
    for event in (
        RunStarted("r1", "demo", "Demo", "ab" * 32, "fix", "me", ["web1"], 1, T0, "0.1.0"),
        RunNotice("r1", "retrying /var/lib/app in 2.5s", host="web1"),
        StepStarted("r1", 1, "Check", "root@web1:22", host="web1"),
        StepFinished("r1", result),
        RunFinished("r1", RunStatus.passed, 0, T0),
    ):
        view(event)  # type: ignore[arg-type]
    text = out.getvalue()
    assert "\x1b[33m[web1] warning: retrying /var/lib/app in 2.5s\x1b[0m" in text
    assert "\x1b[1;36m" not in text  # no number in Rich's bold cyan


def test_a_question_mid_run_leaves_no_partial_table_on_the_screen() -> None:
    """Each pause for a question (a destructive step, a manual one) stops the live table: what
    the terminal then shows holds the question, and one table only, the final one."""
    import pyte
    from rich.console import Console

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=80, height=40, color_system=None)
    hosts = [Host("web1", "127.0.0.1"), Host("web2", "127.0.0.2")]
    view = RichFleetView(hosts, console, output=OutputMode.none)
    started = RunStarted("r1", "demo", "Demo", "ab" * 32, "fix", "me", ["web1", "web2"], 2, T0, "1")
    view(started)
    for host in hosts:
        view.host_started(host)
    for number in (1, 2):
        for host in hosts:
            view(StepStarted("r1", number, "Clean", host.name, host=host.name))
        view.live_view.refresh()  # what a redraw of the live table puts on the screen
        with view.paused():
            console.print(f"Run step {number} on every host? [y/N] y", markup=False)
        for host in hosts:
            result = StepResult(number, "Clean", host.name, ["true"], StepStatus.passed)
            result.host = host.name
            view(StepFinished("r1", result))
    view(RunFinished("r1", RunStatus.passed, 0, T0))
    screen = pyte.Screen(80, 40)
    pyte.Stream(screen).feed(out.getvalue().replace("\n", "\r\n"))
    shown = [line.rstrip() for line in screen.display if line.strip()]
    titles = [i for i, line in enumerate(shown) if line.strip() == "2 hosts"]
    assert len(titles) == 1, "\n".join(shown)
    assert [line for line in shown if "[y/N]" in line] == [
        "Run step 1 on every host? [y/N] y",
        "Run step 2 on every host? [y/N] y",
    ]
    assert shown.index("Run step 2 on every host? [y/N] y") < titles[0]
