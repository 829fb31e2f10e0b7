"""Layered settings: ``[tool.runbookkit]`` found from a starting directory, bad values refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from runbookkit import settings
from runbookkit.errors import ConfigError


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RUNBOOKKIT_DIR", "RUNBOOKKIT_HISTORY", "RUNBOOKKIT_PROFILE"):
        monkeypatch.delenv(name, raising=False)


def test_pyproject_is_found_from_start_and_paths_are_relative_to_it(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.runbookkit]\nprofile = "team.json"\n')
    start = tmp_path / "site" / "docs"
    start.mkdir(parents=True)
    assert settings.load(start=start).profile == tmp_path / "team.json"
    assert settings.load(start=start, profile=Path("flag.json")).profile == Path("flag.json")


@pytest.mark.parametrize("value", ["3", "true", "[1]"])
def test_a_path_that_is_not_text_is_a_config_error(tmp_path: Path, value: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.runbookkit]\nprofile = {value}\n")
    with pytest.raises(ConfigError, match=r"^profile: .*\[tool.runbookkit\]"):
        settings.load(start=tmp_path)


def test_team_destructive_and_safe_entries_make_the_policy(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.runbookkit]\ndestructive = ["mycli purge", "vault kv destroy"]\n'
        'safe = ["systemctl stop myapp-canary"]\n'
    )
    from runbookkit.parsing.safety import destructive_reason
    from runbookkit.pyproject import load_policy

    for policy in (settings.load(start=tmp_path).policy, load_policy(tmp_path)):
        assert destructive_reason("vault kv destroy secret/x", policy)
        assert destructive_reason("systemctl stop myapp-canary", policy) is None
        assert destructive_reason("systemctl stop myapp", policy) == "systemctl stop"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('["mycli \'purge"]', "unclosed quote"),
        ('[""]', "must start with a command name"),
        ("[3]", "string"),
        ('"mycli purge"', "list"),
    ],
)
def test_a_bad_team_entry_is_a_config_error(tmp_path: Path, value: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.runbookkit]\ndestructive = {value}\n")
    from runbookkit.pyproject import load_policy

    with pytest.raises(ConfigError, match=rf"^destructive.*{message}"):
        settings.load(start=tmp_path)
    with pytest.raises(ConfigError, match=message):
        load_policy(tmp_path)


def test_a_store_url_is_kept_as_given_from_each_layer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "postgresql://ops@db.internal/runbooks"
    (tmp_path / "pyproject.toml").write_text(f'[tool.runbookkit]\nhistory = "{url}"\n')
    loaded = settings.load(tmp_path)
    assert loaded.history_store == url
    assert loaded.spool_path == Path(".runbookkit/spool.sqlite")  # beside the runbooks
    monkeypatch.setenv("RUNBOOKKIT_HISTORY", "postgres://other/db")
    assert settings.load(tmp_path).history_store == "postgres://other/db"
    flagged = settings.load(tmp_path, history="sqlite:///runs/h.sqlite")
    assert flagged.history_store == "sqlite:///runs/h.sqlite"
    assert flagged.history_path == Path("runs/h.sqlite")
