"""``runbookkit hosts``: the resolved inventory as a table or JSON; bad input in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli

INVENTORY = """\
defaults: {user: deploy}
groups:
  cache:
    vars: {redis_port: 6379}
    hosts:
      - cache-1
      - {name: cache-2, port: 2200, identity: /keys/cache}
  web: [web-1]
"""


@pytest.fixture
def place(tmp_path: Path) -> Path:
    (tmp_path / "inventory.yaml").write_text(INVENTORY)
    (tmp_path / "ssh_config").write_text("Host web-1\n    HostName 10.0.0.7\n")
    (tmp_path / "runbooks").mkdir()
    (tmp_path / "runbooks" / "restart.md").write_text(
        "---\ntitle: Restart\nhosts: cache\n---\n# Restart\n\n## Fix\n\n```bash\necho hi\n```\n"
    )
    (tmp_path / "runbooks" / "lost.md").write_text(
        "---\ntitle: Lost\nhosts: db\n---\n# Lost\n\n## Fix\n\n```bash\necho hi\n```\n"
    )
    return tmp_path


def _hosts(place: Path, *args: str):
    env = {"RUNBOOKKIT_SSH_CONFIG": str(place / "ssh_config"), "RUNBOOKKIT_INVENTORY": ""}
    return run_cli("hosts", "--runbooks-dir", str(place / "runbooks"), *args, cwd=place, env=env)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), ["deploy@cache-1", "deploy@cache-2:2200", "deploy@10.0.0.7"]),
        (("--group", "web"), ["deploy@10.0.0.7"]),
        (("--runbook", "restart"), ["deploy@cache-1", "deploy@cache-2:2200"]),
        (("--hosts", "a,root@b:2222"), ["a", "root@b:2222"]),
        (
            ("--hosts", "@inventory.yaml", "-g", "cache,web"),
            ["deploy@cache-1", "deploy@cache-2:2200", "deploy@10.0.0.7"],
        ),
    ],
)
def test_json_lists_the_resolved_hosts(
    place: Path, args: tuple[str, ...], expected: list[str]
) -> None:
    result = _hosts(place, "--json", *args)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [row["address"] for row in rows] == expected


def test_table_shows_every_column(place: Path) -> None:
    result = _hosts(place, "--group", "cache")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "2 hosts" in lines[0]
    row = next(line for line in lines if "cache-2" in line)
    for cell in (
        "deploy@cache-2:2200",
        "/keys/cache",
        "cache",
        "redis_port=6379",
        "inventory.yaml:7",
    ):
        assert cell in row


@pytest.mark.parametrize(
    ("args", "setup", "message"),
    [
        (
            ("--group", "db"),
            None,
            "inventory.yaml:2: unknown host group 'db', expected one of: cache, web",
        ),
        (("--runbook", "lost"), None, "lost.md:3: unknown host group 'db'"),
        (("--hosts", "@bad.yaml"), "groups:\n  cache: [a\n", "bad.yaml:3: invalid YAML"),
        (("--hosts", "@bad.toml"), "[groups.cache\n", "bad.toml:1: invalid TOML"),
        (("--hosts", "a:99999"), None, "host 'a:99999': '99999' is not a port"),
    ],
)
def test_errors_are_one_line_with_exit_2(
    place: Path, args: tuple[str, ...], setup: str | None, message: str
) -> None:
    if setup is not None:
        (place / args[1][1:]).write_text(setup)
    result = _hosts(place, *args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_without_any_inventory(tmp_path: Path) -> None:
    result = run_cli("hosts", cwd=tmp_path, env={"RUNBOOKKIT_INVENTORY": ""})
    assert result.returncode == 2
    assert "a host group needs an inventory" in result.stderr


def test_has_help() -> None:
    result = run_cli("hosts", "--help")
    assert result.returncode == 0
    assert "--hosts" in result.stdout and "--group" in result.stdout
