"""Grouping identical outputs across hosts, and host lists written compactly."""

from __future__ import annotations

from runbookkit.fleet.grouped import OutputGroup, group_outputs, hostlist


def test_identical_outputs_are_one_group_the_largest_first() -> None:
    outputs = [
        ("web-1", "inactive\n"),
        ("web-2", "active (running)\n"),
        ("web-3", "active (running)"),
        ("web-4", "active (running)\n"),
    ]
    assert group_outputs(outputs) == [
        OutputGroup(("web-2", "web-3", "web-4"), "active (running)"),
        OutputGroup(("web-1",), "inactive"),
    ]


def test_groups_of_equal_size_keep_the_order_they_came_in() -> None:
    groups = group_outputs([("a", "x"), ("b", "y"), ("c", "y"), ("d", "x")])
    assert [g.text for g in groups] == ["x", "y"]


def test_numbered_hosts_are_folded_into_ranges() -> None:
    assert hostlist(["web-1", "web-2", "web-3", "web-7", "db"]) == "web-[1-3,7],db"
    assert hostlist(["web-3"]) == "web-3"
    assert hostlist(["n01", "n02", "n03", "n10"]) == "n[01-03,10]"
    assert hostlist(["a-2", "b-1", "a-1"]) == "a-[1-2],b-1"
    assert hostlist(["cache", "bastion"]) == "cache,bastion"
