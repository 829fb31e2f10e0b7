"""Common shapes of secrets in commands and output, found and masked.

Lint reports them (a secret written into a runbook); history masks them (and every value given
with ``--secret``) before anything is stored or printed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

MASK = "***"


@dataclass(frozen=True)
class Shape:
    """A kind of secret: its name, and a pattern whose group ``secret`` is the secret part."""

    name: str
    pattern: re.Pattern[str]


SHAPES: tuple[Shape, ...] = (
    Shape(
        "private key block",
        re.compile(
            r"(?P<secret>-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----.*?"
            r"(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|\Z))",
            re.DOTALL,
        ),
    ),
    Shape(
        "password in a URL",
        re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]+:(?P<secret>[^\s@/]+)@"),
    ),
    Shape(
        "bearer token",
        re.compile(r"(?i)\b(?:authorization:\s*)?bearer\s+(?P<secret>[A-Za-z0-9._~+/=-]{8,})"),
    ),
    Shape("AWS access key", re.compile(r"\b(?P<secret>(?:AKIA|ASIA)[0-9A-Z]{16})\b")),
    Shape(
        "AWS secret key",
        re.compile(r"(?i)aws_secret_access_key\s*[=:]\s*[\"']?(?P<secret>[A-Za-z0-9/+=]{40})"),
    ),
    Shape(
        "password or token value",
        re.compile(
            r"(?i)(?:^|[\s\"'&?;,-])-{0,2}(?:password|passwd|pwd|token|secret|api[_-]?key)"
            r"\s*[=:]\s*[\"']?(?P<secret>[^\s\"'&;,]+)"
        ),
    ),
    Shape(
        "redis-cli password", re.compile(r"redis-cli\b[^\n|;&]*?\s-a\s+(?P<secret>[^\s\"';|&]+)")
    ),
)


@dataclass(frozen=True)
class Found:
    """A secret found in a text: its shape and where it is (character offsets)."""

    shape: str
    start: int
    end: int


def find(text: str) -> list[Found]:
    """Every secret-shaped value in ``text``, in order of position."""
    found = []
    for shape in SHAPES:
        for match in shape.pattern.finditer(text):
            value = match.group("secret")
            if value and not _placeholder(value):
                found.append(Found(shape.name, match.start("secret"), match.end("secret")))
    return sorted(found, key=lambda f: f.start)


def redact(text: str, values: Iterable[str] = ()) -> str:
    """``text`` with the given secret values and every secret shape replaced by ``***``."""
    for value in sorted({v for v in values if v}, key=len, reverse=True):
        text = text.replace(value, MASK)
    spans = find(text)
    for item in reversed(spans):
        text = text[: item.start] + MASK + text[item.end :]
    return text


def _placeholder(value: str) -> bool:
    """A value that only names where a secret goes (``${PASSWORD}``, ``***``, ``<token>``)."""
    stripped = value.strip("\"'")
    return (
        stripped.startswith(("$", "{{", "<", "%"))
        or stripped == MASK
        or set(stripped) <= {"*", "x", "X", "."}
    )
