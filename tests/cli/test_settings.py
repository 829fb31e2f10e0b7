"""Every command reads the same settings, and refuses a bad ``[tool.runbookkit]`` the same way."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.parametrize(
    "command",
    [("list",), ("parse", "redis"), ("match", "boom"), ("lint",), ("history",), ("show", "x")],
)
def test_an_unknown_key_is_one_line_and_exit_2(cli, tmp_path: Path, command: tuple[str]) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.runbookkit]\nrunbooks_dir = "."\nshellchek = false\n')
    done = cli(*command, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        f"{pyproject}:3: unknown key 'shellchek' in [tool.runbookkit] "
        "(did you mean 'shellcheck'?)\n"
    )
