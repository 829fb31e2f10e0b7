"""Resolving --hosts, --group, the runbook's default group and ssh_config into hosts."""

from __future__ import annotations

from pathlib import Path

import pytest

from runbookkit.errors import ConfigError
from runbookkit.fleet.resolve import resolve
from runbookkit.parsing import parse_file

INVENTORY = """\
groups:
  cache:
    user: redis
    hosts: [cache-1, cache-2]
  web: [web-1]
hosts: [bastion]
"""

SSH_CONFIG = """\
Host web-* !web-9
    User www
    IdentityFile ~/.ssh/web

Host web-1
    HostName 10.0.1.1
    Port 2201

Host web-2
    HostName 10.0.1.2

Host db-1 cache-1
    HostName 10.0.2.1
    User admin
    Port 2299
"""


@pytest.fixture
def place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with an inventory and an empty ssh_config, and no ambient settings."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RUNBOOKKIT_INVENTORY", raising=False)
    (tmp_path / "ssh_config").write_text("")
    monkeypatch.setenv("RUNBOOKKIT_SSH_CONFIG", str(tmp_path / "ssh_config"))
    (tmp_path / "inv.yaml").write_text(INVENTORY)
    return tmp_path


def _runbook(place: Path, group: str | None):
    front = f"---\ntitle: Restart\nhosts: {group}\n---\n" if group else "---\ntitle: Restart\n---\n"
    path = place / "restart.md"
    path.write_text(front + "# Restart\n\n## Fix\n\n```bash\necho hi\n```\n")
    return parse_file(path)


@pytest.mark.parametrize(
    ("spec", "groups", "default", "expected"),
    [
        ("h1,user@h2:2222, h1", (), None, ["h1", "user@h2:2222"]),
        ("@inv.yaml", (), None, ["cache-1", "cache-2", "web-1", "bastion"]),
        ("@inv.yaml", ("web",), None, ["web-1"]),
        ("@inv.yaml", ("web,cache",), None, ["web-1", "cache-1", "cache-2"]),
        ("@inv.yaml", ("web", "all"), None, ["web-1", "cache-1", "cache-2", "bastion"]),
        ("@inv.yaml", (), "cache", ["cache-1", "cache-2"]),
        ("@inv.yaml", ("web",), "cache", ["web-1"]),
        ("h9", (), "cache", ["h9"]),
        ("h9,@inv.yaml", (), "web", ["h9", "web-1"]),
        (None, (), "cache", ["cache-1", "cache-2"]),
        (None, ("web",), None, ["web-1"]),
    ],
)
def test_what_each_combination_selects(
    place: Path, spec: str | None, groups: tuple[str, ...], default: str | None, expected: list[str]
) -> None:
    (place / "inventory.yaml").write_text(INVENTORY)
    fleet = resolve(spec, groups, runbook=_runbook(place, default))
    assert fleet is not None
    assert fleet.names() == expected


def test_nothing_asks_for_a_fleet(place: Path) -> None:
    assert resolve(None, (), runbook=_runbook(place, None)) is None


def test_group_members_keep_their_settings(place: Path) -> None:
    fleet = resolve("@inv.yaml", ["cache"])
    assert fleet is not None
    assert [h.label for h in fleet.hosts] == ["redis@cache-1", "redis@cache-2"]


def test_inventory_from_the_environment(place: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNBOOKKIT_INVENTORY", str(place / "inv.yaml"))
    fleet = resolve(None, ["cache"])
    assert fleet is not None and fleet.names() == ["cache-1", "cache-2"]


def test_runbook_group_unknown_cites_the_runbook_line(place: Path) -> None:
    runbook = _runbook(place, "db")
    with pytest.raises(ConfigError) as caught:
        resolve("@inv.yaml", (), runbook=runbook)
    assert (caught.value.path, caught.value.line) == (runbook.path, 3)
    assert "unknown host group 'db'" in caught.value.message
    assert "cache, web" in caught.value.message


def test_runbook_group_without_an_inventory(place: Path) -> None:
    runbook = _runbook(place, "cache")
    with pytest.raises(ConfigError, match="runbook runs on host group 'cache'") as caught:
        resolve(None, (), runbook=runbook)
    assert caught.value.line == 3


@pytest.mark.parametrize(
    ("spec", "groups", "message"),
    [
        ("", (), "host list is empty"),
        (" , ", (), "host list is empty"),
        ("@inv.yaml", ("db",), "unknown host group 'db'"),
        ("h1", ("cache",), "a host group needs an inventory"),
        ("h1:abc", (), "not a port"),
        ("@missing.yaml", (), "cannot read inventory"),
        ("web-*", (), "matches no Host entry"),
    ],
)
def test_refusals(place: Path, spec: str, groups: tuple[str, ...], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve(spec, groups)


def test_ssh_config_globs_and_completion(place: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(place))
    (place / ".ssh").mkdir()
    (place / ".ssh" / "web").write_text("a key\n")
    config = place / "ssh_config"
    config.write_text(SSH_CONFIG)
    fleet = resolve("web-*,cache-1,root@db-1,plain", ssh_config=config)
    assert fleet is not None
    assert fleet.names() == ["web-1", "web-2", "cache-1", "root@db-1", "plain"]
    by_name = {h.name: h for h in fleet.hosts}
    assert by_name["web-1"].label == "www@10.0.1.1:2201"
    assert by_name["web-1"].identity is not None and by_name["web-1"].identity.endswith("web")
    assert by_name["web-2"].label == "www@10.0.1.2"
    # Connections look ssh_config up by the alias, not by its HostName.
    assert by_name["web-1"].target().host == "web-1"
    assert by_name["web-1"].target().options == {"HostName": "10.0.1.1"}
    # What the operator wrote wins over ssh_config.
    assert by_name["root@db-1"].label == "root@10.0.2.1:2299"
    assert by_name["plain"].label == "plain"


def test_a_missing_identity_file_of_ssh_config_is_skipped(place: Path) -> None:
    config = place / "ssh_config"
    config.write_text("Host web-1\n    HostName 10.0.1.1\n    IdentityFile ~/.ssh/not-here\n")
    fleet = resolve("web-1", ssh_config=config)
    assert fleet is not None
    assert fleet.hosts[0].identity is None


def test_ssh_config_completes_inventory_hosts(place: Path) -> None:
    (place / "ssh_config").write_text(SSH_CONFIG)
    fleet = resolve("@inv.yaml", ["cache"])
    assert fleet is not None
    assert [h.label for h in fleet.hosts] == ["redis@10.0.2.1:2299", "redis@cache-2"]


def test_missing_ssh_config_flag(place: Path) -> None:
    with pytest.raises(ConfigError, match="ssh_config file not found"):
        resolve("h1", ssh_config=place / "nope")
