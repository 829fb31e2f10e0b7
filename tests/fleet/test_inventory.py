"""Inventory files: YAML and TOML read into hosts and groups, errors with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from runbookkit.errors import ConfigError
from runbookkit.fleet.hosts import Host, parse_address
from runbookkit.fleet.inventory import load_inventory

YAML = """\
defaults:
  user: deploy
  vars: {env: prod}
groups:
  cache:
    port: 2222
    vars: {redis_port: 6379}
    hosts:
      - cache-1
      - ops@cache-2:2200
      - {name: cache-3, hostname: 10.0.0.3, identity: ~/.ssh/cache, vars: {role: replica}}
  web: [web-1, cache-1]
hosts:
  bastion: {user: root}
"""

TOML = """\
[defaults]
user = "deploy"
vars = { env = "prod" }

[groups.cache]
port = 2222
vars = { redis_port = 6379 }
hosts = [
  "cache-1",
  "ops@cache-2:2200",
  { name = "cache-3", hostname = "10.0.0.3", identity = "~/.ssh/cache", vars = {role = "replica"} },
]

[groups.web]
hosts = ["web-1", "cache-1"]

[hosts.bastion]
user = "root"
"""


@pytest.mark.parametrize(("name", "text"), [("inv.yaml", YAML), ("inv.toml", TOML)])
def test_yaml_and_toml_read_the_same_inventory(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    inventory = load_inventory(path)
    assert list(inventory.groups) == ["cache", "web"]
    assert [h.name for h in inventory.group("cache")] == ["cache-1", "ops@cache-2:2200", "cache-3"]
    assert [h.name for h in inventory.group("web")] == ["web-1", "cache-1"]
    assert [h.name for h in inventory.all()] == [
        "cache-1",
        "ops@cache-2:2200",
        "cache-3",
        "web-1",
        "bastion",
    ]
    hosts = {h.name: h for h in inventory.all()}
    assert hosts["cache-1"] == Host("cache-1", "cache-1", "deploy", 2222, groups=("cache", "web"))
    assert hosts["cache-1"].vars == {"env": "prod", "redis_port": "6379"}
    assert hosts["ops@cache-2:2200"].label == "ops@cache-2:2200"
    three = hosts["cache-3"]
    assert (three.hostname, three.user, three.port, three.identity) == (
        "10.0.0.3",
        "deploy",
        2222,
        "~/.ssh/cache",
    )
    assert three.vars == {"env": "prod", "redis_port": "6379", "role": "replica"}
    assert hosts["web-1"].port is None
    assert hosts["bastion"].user == "root"
    assert hosts["bastion"].groups == ()
    assert hosts["cache-1"].source.startswith(str(path) + ":")


def test_yaml_sources_cite_the_exact_line(tmp_path: Path) -> None:
    path = tmp_path / "inv.yaml"
    path.write_text(YAML)
    hosts = {h.name: h for h in load_inventory(path).all()}
    assert hosts["cache-1"].source == f"{path}:9"
    assert hosts["cache-3"].source == f"{path}:11"
    assert hosts["web-1"].source == f"{path}:12"


BAD = [
    ("syntax.yaml", "groups:\n  cache:\n    hosts: [a, b\n", 4, "invalid YAML"),
    ("tabs.yaml", "groups:\n  cache:\n\thosts: [a]\n", 3, "invalid YAML"),
    ("dup.yaml", "groups:\n  cache: [a]\n  cache: [b]\n", 3, "duplicate key 'cache'"),
    ("port.yaml", "groups:\n  c:\n    hosts:\n      - {name: a, port: 99999}\n", 4, "99999"),
    ("key.yaml", "groups:\n  c: {hosts: [a], colour: red}\n", 2, "unknown key 'colour'"),
    ("top.yaml", "defaults: {}\nservers: [a]\n", 2, "unknown key 'servers'"),
    ("list.yaml", "groups:\n  c:\n    hosts: a\n", 3, "expected a list of hosts"),
    ("vars.yaml", "groups:\n  c:\n    vars: {a: [1]}\n    hosts: [x]\n", 3, "c.vars.a"),
    ("again.yaml", "groups:\n  c: [a:22]\n  d: [a:22]\n", 3, "already defined at line 2"),
    ("noname.yaml", "hosts:\n  - {user: x}\n", 2, "needs a 'name'"),
    ("addr.yaml", "hosts: ['a:xy']\n", 1, "is not a port"),
    ("syntax.toml", '[groups.cache]\nhosts = ["a", "b"\nuser = "x"\n', 3, "invalid TOML"),
    ("eof.toml", '[groups.cache]\nhosts = ["a"', 2, "invalid TOML"),
    (
        "port.toml",
        '[groups.c]\nuser = "x"\n[groups.w]\nhosts = [{name = "a", port = "x"}]',
        4,
        "port",
    ),
    ("key.toml", '[groups.c]\nhosts = ["a"]\ncolour = "red"\n', 3, "unknown key 'colour'"),
]


@pytest.mark.parametrize(("name", "text", "line", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_inventories_fail_with_file_and_line(
    tmp_path: Path, name: str, text: str, line: int, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_inventory(path)
    error = caught.value
    assert (error.path, error.line) == (str(path), line), str(error)
    assert message in error.message
    assert "\n" not in str(error)


@pytest.mark.parametrize("name", ["missing.yaml", "inventory.ini"])
def test_missing_or_unknown_kind_of_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.endswith(".ini"):
        path.write_text("[cache]\na\n")
    with pytest.raises(ConfigError, match=r"cannot read|must be a \.yaml"):
        load_inventory(path)


def test_unknown_group_names_the_groups_line(tmp_path: Path) -> None:
    path = tmp_path / "inv.yaml"
    path.write_text(YAML)
    with pytest.raises(ConfigError) as caught:
        load_inventory(path).group("db")
    assert str(caught.value) == f"{path}:4: unknown host group 'db', expected one of: cache, web"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("h1", (None, "h1", None)),
        ("user@h3:2222", ("user", "h3", 2222)),
        ("a@b@h", ("a@b", "h", None)),
        ("[::1]:2200", (None, "::1", 2200)),
        ("::1", (None, "::1", None)),
        ("127.0.0.2:22", (None, "127.0.0.2", 22)),
    ],
)
def test_parse_address(text: str, expected: tuple[str | None, str, int | None]) -> None:
    assert parse_address(text) == expected


@pytest.mark.parametrize("text", ["", "@h", "h:0", "h:70000", "h:x", "[::1", "[::1]x", "-oProxy"])
def test_parse_address_refuses(text: str) -> None:
    with pytest.raises(ConfigError, match="host"):
        parse_address(text)
