"""``--help`` and ``--version`` printed without click say exactly what click would."""

from __future__ import annotations

import pytest

from runbookkit.cli import COMMANDS, cli, main, usage


def _click_says(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as done:
        cli.main(args, prog_name="runbookkit")
    assert done.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("columns", ["20", "50", "64", "80", "200"])
def test_help_is_click_s_page_at_every_width(
    columns: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    expected = _click_says(["--help"], capsys)
    assert usage.top_help() == expected
    for flag in ("--help", "-h"):
        with pytest.raises(SystemExit) as done:
            main([flag])
        assert done.value.code == 0
        assert capsys.readouterr().out == expected
    assert all(f"\n  {name} " in expected for name in COMMANDS)


def test_version_is_click_s_line(capsys: pytest.CaptureFixture[str]) -> None:
    expected = _click_says(["--version"], capsys)
    assert usage.version() == expected == "runbookkit, version 0.1.0\n"


def test_every_summary_is_one_short_sentence() -> None:
    for name, (_, _, summary) in COMMANDS.items():
        assert summary.endswith(".") and len(summary) <= 50, name
        assert summary[0].isupper() and "\n" not in summary, name
