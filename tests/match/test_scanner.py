"""The buffer scan agrees with a plain line-by-line loop, however the buffer is cut up."""

from __future__ import annotations

import io
import itertools
import random
import re

import pytest

from runbookkit.match import Matcher, Route, scanner

PATTERNS = [
    "(?i)(ECONNREFUSED.*(redis|:6379)|redis.*connection.*refused|redis.*error)",
    "(?i)(postgres.*(timed? ?out|timeout)|ETIMEDOUT.*:5432)",
    r"^FATAL\b.*disk",
    r"oom-kill$",
    r"disk\Z",
    r"caf[ée] (crash|panic)",
]
PIECES = [
    "redis",
    "ERROR",
    "connection",
    "refused",
    "postgres",
    "timed out",
    "ETIMEDOUT 10.0.0.1:5432",
    "FATAL",
    "disk",
    "oom-kill",
    "café crash",
    "cafe panic",
    "ok",
    "\u00e9t\u00e9",
    "\ufffd",
    "  at x",
    ":6379",
]


def reference(data: bytes, patterns: list[str]) -> list[tuple[int, str]]:
    """(line, route id) by trying each Python ``re`` pattern on each decoded line."""
    compiled = [(f"r{n}", re.compile(p)) for n, p in enumerate(patterns)]
    text = data.decode("utf-8", "replace")
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    if text.endswith("\n"):
        lines.pop()
    return [
        (number, name)
        for number, line in enumerate(lines, 1)
        for name, pattern in compiled
        if pattern.search(line)
    ]


def random_log(seed: int, lines: int) -> bytes:
    rnd = random.Random(seed)
    out = []
    for _ in range(lines):
        words = [w.encode() for w in rnd.choices(PIECES, k=rnd.randrange(0, 5))]
        if rnd.random() < 0.1:  # an invalid byte somewhere on the line
            words.insert(rnd.randrange(len(words) + 1), bytes([rnd.choice([0xFF, 0xC3, 0x80])]))
        out.append(b" ".join(words))
    return b"\n".join(out) + (b"\n" if seed % 2 else b"")


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("threads", [1, 3])
@pytest.mark.parametrize("patterns", [PATTERNS, PATTERNS[:-1]], ids=["utf8", "ascii"])
@pytest.mark.parametrize("head", [0, 30_000], ids=["mixed", "ascii-head"])
@pytest.mark.parametrize("newline", [b"\n", b"\r\n"], ids=["lf", "crlf"])
def test_scan_agrees_with_a_line_by_line_loop(
    seed: int, threads: int, patterns: list[str], head: int, newline: bytes, monkeypatch
) -> None:
    monkeypatch.setattr(scanner, "MIN_PART", 1000)
    monkeypatch.setattr(scanner, "cores", lambda: threads)
    data = (b"ok\n" * head + random_log(seed, 3000)).replace(b"\n", newline)
    routes = [Route(id=f"r{n}", title="t", pattern=p, rank=0) for n, p in enumerate(patterns)]
    matcher = Matcher(routes)
    found = sorted((m.line, m.route.id) for m in matcher.scan_buffer(data, "log"))
    assert found == sorted(reference(data, patterns))
    counts, lines = matcher.count_block(data)
    assert lines == len({line for line, _ in found})
    assert sum(counts.values()) == len(found)


def test_parts_are_whole_lines(monkeypatch) -> None:
    monkeypatch.setattr(scanner, "MIN_PART", 10)
    monkeypatch.setattr(scanner, "cores", lambda: 4)
    data = b"".join(b"line %d\n" % n for n in range(100))
    parts = scanner._parts(data)
    assert len(parts) == 4
    assert parts[0][0] == 0 and parts[-1][1] == len(data)
    for (_, end), (start, _) in itertools.pairwise(parts):
        assert end == start and data[end - 1 : end] == b"\n"


@pytest.mark.parametrize("chunk", [1, 7, 64, 1 << 20])
def test_streams_in_any_chunks_agree_with_the_buffer(chunk: int, monkeypatch) -> None:
    from runbookkit.match import stream

    monkeypatch.setattr(stream, "CHUNK", chunk)
    data = random_log(5, 400)
    routes = [Route(id=f"r{n}", title="t", pattern=p, rank=0) for n, p in enumerate(PATTERNS)]
    matcher = Matcher(routes)
    expected = [(m.line, m.route.id, m.continuation) for m in matcher.scan_buffer(data, "-")]
    streamed = [(m.line, m.route.id, m.continuation) for m in matcher.scan(io.BytesIO(data))]
    assert streamed == expected
    assert stream.count(matcher, io.BytesIO(data)) == matcher.count_block(data)
