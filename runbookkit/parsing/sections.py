"""Section ids: strip emoji, symbols and mojibake from a title, then map dialect names.

``"📋 Symptoms"``, ``"ðŸ“‹ Symptoms"`` and ``"Meaning"`` all become ``symptoms``; a title that
names no known section gets a slug (``"Rollback Plan (if fix fails)"`` →
``rollback-plan-if-fix-fails``).
"""

from __future__ import annotations

import re
import unicodedata

from runbookkit.parsing.damage import strip_damage

# Canonical id → the names runbook dialects use for it. A name counts as whole words anywhere
# in a title ("Possible Resolutions"), or, ending in "$", only as the whole title ("Steps").
CANONICAL: dict[str, tuple[str, ...]] = {
    "symptoms": (
        "symptoms", "symptom", "meaning", "impact", "overview", "summary", "problem",
        "alert behavior", "alert behaviour",
    ),
    "diagnosis": (
        "diagnosis", "diagnostics", "investigation", "troubleshooting", "triage", "debugging",
        "debug", "troubleshoot", "diagnose", "diagnosing", "investigate", "investigating",
    ),
    "fix": (
        "fix", "mitigation", "remediation", "resolution", "resolve", "fixes", "solution",
        "solutions", "workaround", "workarounds", "recovery", "resolving", "resolutions",
        "fixing", "mitigate", "mitigating", "steps$",
    ),
    "verification": ("verification", "verify", "validation"),
    "rollback": ("rollback", "roll back", "rolling back"),
    "prevention": ("prevention", "prevent"),
    "escalation": ("escalation", "escalate", "escalations"),
    "history": ("history", "recent changes"),
    "related-resources": (
        "related resources", "references", "links", "see also", "resources", "dependencies",
    ),
}  # fmt: skip
_KEYWORDS = sorted(
    (
        (name, canonical)
        for canonical, names in CANONICAL.items()
        for name in names
        if not name.endswith("$")
    ),
    key=lambda pair: -len(pair[0]),
)
_EXACT = {name.rstrip("$"): canonical for canonical, names in CANONICAL.items() for name in names}
_ATTRIBUTES = re.compile(r"\s*\{:?\s*#[^{}]*\}\s*$")


def strip_attributes(title: str) -> str:
    """A heading's text without a trailing Hugo/kramdown attribute block (``{#steps}``)."""
    return _ATTRIBUTES.sub("", title)


def words(title: str) -> str:
    """The title as lower-case words: no emoji, symbols, punctuation or mojibake."""
    kept = []
    for char in strip_damage(title):
        category = unicodedata.category(char)
        kept.append(char.lower() if category[0] in "LN" else " ")
    return " ".join("".join(kept).split())


def slug(title: str) -> str:
    """A URL- and CLI-friendly id for a title."""
    return words(title).replace(" ", "-")


def canonical_id(title: str) -> str | None:
    """The canonical section id a title names, or None.

    When a title holds several names, the one written first wins.
    """
    plain = words(title)
    if plain in _EXACT:
        return _EXACT[plain]
    text = f" {plain} "
    best: tuple[int, str] | None = None
    for name, canonical in _KEYWORDS:
        at = text.find(f" {name} ")
        if at >= 0 and (best is None or at < best[0]):
            best = (at, canonical)
    return best[1] if best else None


def exact_id(title: str) -> str | None:
    """The canonical id when the whole title is one section name ("📋 Overview"), else None."""
    return _EXACT.get(words(title))


class Ids:
    """The ids given out so far in one scope, each suffix counter kept so ``unique`` is O(1)."""

    def __init__(self) -> None:
        self.taken: set[str] = set()
        self._next: dict[str, int] = {}

    def __contains__(self, ident: object) -> bool:
        return ident in self.taken

    def unique(self, candidate: str) -> str:
        """``candidate``, or ``candidate-2``, ``-3``… when it is taken; records the result."""
        result, n = candidate, self._next.get(candidate, 2)
        if result in self.taken:
            result = f"{candidate}-{n}"
            while result in self.taken:
                n += 1
                result = f"{candidate}-{n}"
            self._next[candidate] = n + 1
        self.taken.add(result)
        return result


ROLLBACK = re.compile(r"\brollback\b|\broll back\b", re.IGNORECASE)
