"""Identical outputs across hosts, grouped: what ``dshbak -c`` does for ``pdsh``.

A fleet diagnosis asks the same question of every host; most answer alike. Grouping the hosts by
the exact text of their answer turns 50 outputs into "47 hosts: active (running)" and the
three that differ, and :func:`hostlist` writes the hosts of a group as ``web-[1-3,7]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_NUMBERED = re.compile(r"^(.*?)(\d+)$")


@dataclass(frozen=True)
class OutputGroup:
    """Hosts whose output was the same text."""

    hosts: tuple[str, ...]
    text: str


def group_outputs(outputs: Iterable[tuple[str, str]]) -> list[OutputGroup]:
    """Group ``(host, text)`` pairs by identical text: the largest group first, then in the
    order the groups' first hosts came (trailing newlines do not count)."""
    groups: dict[str, list[str]] = {}
    for host, text in outputs:
        groups.setdefault(text.rstrip("\n"), []).append(host)
    order = list(groups)
    ranked = sorted(order, key=lambda text: (-len(groups[text]), order.index(text)))
    return [OutputGroup(tuple(groups[text]), text) for text in ranked]


def hostlist(names: Iterable[str]) -> str:
    """Host names written compactly: ``web-1, web-2, web-3, db-7`` as ``web-[1-3],db-7``.

    Names that end in a number are folded by what comes before it, in the order the prefixes
    first come (zero-padded numbers stay padded: ``n[01-03,10]``); other names stay as they are.
    """
    folded: dict[str, list[str]] = {}
    parts: list[tuple[str, bool]] = []  # a name as it is, or a prefix whose numbers fold
    for name in names:
        found = _NUMBERED.match(name)
        if found is None:
            parts.append((name, False))
            continue
        prefix = found.group(1)
        if prefix not in folded:
            folded[prefix] = []
            parts.append((prefix, True))
        folded[prefix].append(found.group(2))
    out = []
    for part, numbered in parts:
        if not numbered:
            out.append(part)
            continue
        digits = folded[part]
        padded = [d for d in digits if len(d) > 1 and d.startswith("0")]
        width = max(len(d) for d in padded) if padded else 0
        numbers = sorted({int(d) for d in digits})
        ranges = _ranges(numbers, width)
        out.append(f"{part}{ranges}" if len(numbers) == 1 else f"{part}[{ranges}]")
    return ",".join(out)


def _ranges(numbers: list[int], width: int) -> str:
    spans: list[list[int]] = []
    for number in numbers:
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    text = [f"{a:0{width}d}" if a == b else f"{a:0{width}d}-{b:0{width}d}" for a, b in spans]
    return ",".join(text)
