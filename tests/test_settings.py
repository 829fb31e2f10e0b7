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

    policy = settings.load(start=tmp_path).policy
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
    with pytest.raises(ConfigError, match=rf"^destructive.*{message}.*pyproject.toml:2 "):
        settings.load(start=tmp_path)
    if message in ("string", "list"):  # a wrong type is refused whatever the command needs
        with pytest.raises(ConfigError, match=rf"^destructive.*{message}"):
            settings.load(start=tmp_path, check_policy=False)
        return
    # The entries' syntax waits until the policy is wanted (a command such as `match` never is).
    lazily = settings.load(start=tmp_path, check_policy=False)
    with pytest.raises(ConfigError, match=rf"^destructive.*{message}.*pyproject.toml:2 "):
        lazily.policy  # noqa: B018


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


@pytest.mark.parametrize(
    ("table", "line", "hint"),
    [
        ('runbooks_dir = "rb"\n\nshellchek = false\n', 4, "(did you mean 'shellcheck'?)"),
        ('"histroy" = "h.sqlite"\n', 2, "(did you mean 'history'?)"),
        ('colour = "auto"\n', 2, ", expected one of runbooks_dir, history, profile,"),
        (
            'runbooks_dir = "rb"\n\n[tool.runbookkit.profiles]\nx = 1\n',
            4,
            "(did you mean 'profile'?)",
        ),
    ],
)
def test_an_unknown_key_is_one_line_naming_file_line_and_key(
    tmp_path: Path, table: str, line: int, hint: str
) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(f"[tool.runbookkit]\n{table}")
    with pytest.raises(ConfigError) as caught:
        settings.load(start=tmp_path)
    key = str(caught.value).split("unknown key ")[1].split("'")[1]
    assert str(caught.value).startswith(
        f"{pyproject}:{line}: unknown key {key!r} in [tool.runbookkit]"
    )
    assert hint in str(caught.value)
    assert caught.value.exit_code == 2 and "\n" not in str(caught.value)


def test_layers_defaults_pyproject_env_flags(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert settings.load(start=tmp_path) == settings.Settings()  # tmp has no pyproject above
    (tmp_path / "pyproject.toml").write_text(
        '[tool.runbookkit]\nrunbooks_dir = "ops/runbooks"\nshellcheck = false\n'
    )
    loaded = settings.load(start=tmp_path)
    assert (loaded.runbooks_dir, loaded.shellcheck) == (tmp_path / "ops" / "runbooks", False)
    assert loaded.history_path == tmp_path / "ops" / ".runbookkit" / "history.sqlite"
    monkeypatch.setenv("RUNBOOKKIT_DIR", "from-env")
    assert settings.load(start=tmp_path).runbooks_dir == Path("from-env")
    flagged = settings.load(start=tmp_path, runbooks_dir=Path("flag"), shellcheck=None)
    assert (flagged.runbooks_dir, flagged.shellcheck) == (Path("flag"), False)
    with pytest.raises(AttributeError):
        flagged.runbooks_dir = Path("elsewhere")  # type: ignore[misc]


def test_settings_need_no_pydantic_and_no_parser() -> None:
    import subprocess
    import sys

    script = (
        "import sys\nfrom runbookkit import settings\nsettings.load()\n"
        "print(sorted(m for m in sys.modules if m.startswith(('pydantic', 'runbookkit.parsing'))))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("shellcheck = 'no'", 'shellcheck: expected true or false, got "no"'),
        ("runbooks_dir = 3", "runbooks_dir: expected a path (text), got 3"),
        ("history = [1]", "history: expected a path or a store URL (text), got [1]"),
        ("safe = ['ok', 2]", "safe: expected a list of strings, got the item 2"),
    ],
)
def test_a_wrong_type_names_the_key_the_value_and_where_it_was_set(
    tmp_path: Path, table: str, message: str
) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(f"[tool.runbookkit]\n\n{table}\n")
    with pytest.raises(ConfigError) as caught:
        settings.load(start=tmp_path)
    assert str(caught.value) == f"{message} (from {pyproject}:3 [tool.runbookkit])"
