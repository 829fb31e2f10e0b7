"""ssh_config lookups through the host index give exactly what paramiko's own lookup gives."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from paramiko import SSHConfig

from runbookkit.execute.ssh import HostBlocks

NAMES = ["web-1", "web-2", "db-1", "Web-1", "bastion", "10.0.0.7"]
PATTERNS = [*NAMES, "web-*", "*", "db-?", "!web-2", "[wd]*", "*-1"]
OPTIONS = [
    "Port 2201",
    "Port 2202",
    "User ops",
    "User root",
    "HostName %h.example",
    "HostName 127.0.0.9",
    "IdentityFile ~/.ssh/id_%h",
    "IdentityFile ~/.ssh/shared",
    "ProxyJump bastion",
]


def parsed(text: str) -> SSHConfig:
    config = SSHConfig()
    config.parse(io.StringIO(text))
    return config


blocks = st.lists(
    st.tuples(
        st.one_of(
            st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=3).map(
                lambda patterns: "Host " + " ".join(patterns)
            ),
            st.sampled_from(["Match host web-*", "Match user root", "Match all"]),
        ),
        st.lists(st.sampled_from(OPTIONS), min_size=1, max_size=3),
    ),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(blocks, st.sampled_from([*NAMES, "other"]))
def test_a_lookup_is_paramikos_lookup(written: list[tuple[str, list[str]]], host: str) -> None:
    text = "".join(f"{head}\n" + "".join(f"  {o}\n" for o in options) for head, options in written)
    assert HostBlocks(parsed(text)).lookup(host) == parsed(text).lookup(host)


def test_the_blocks_of_other_hosts_are_not_read() -> None:
    text = "".join(f"Host web-{n}\n  Port {2200 + n}\n" for n in range(200))
    config = parsed(text + "Host web-*\n  User ops\n")
    index = HostBlocks(config)
    tried: list[object] = []
    real = SSHConfig._pattern_matches

    def counted(self: SSHConfig, patterns: object, target: str) -> bool:
        tried.append(patterns)
        return real(self, patterns, target)

    SSHConfig._pattern_matches = counted  # type: ignore[method-assign]
    try:
        assert index.lookup("web-7") == {"hostname": "web-7", "port": "2207", "user": "ops"}
    finally:
        SSHConfig._pattern_matches = real  # type: ignore[method-assign]
    assert len(tried) <= 6  # paramiko's two passes over the implicit, named and wildcard blocks


def test_canonicalization_reads_every_block() -> None:
    # (MaxDots 0 and a dotted name: paramiko skips the DNS lookups canonicalization makes.)
    text = "CanonicalizeHostname yes\nCanonicalizeMaxDots 0\nCanonicalDomains example\n"
    config = parsed(text + "Host web-1.a\n  Port 2201\nHost db-1\n  Port 2202\n")
    assert HostBlocks(config).lookup("web-1.a") == config.lookup("web-1.a")
