"""Hyperscan as the first layer: the same matches as RE2 alone, its database cached, a switch."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from runbookkit.match import Matcher, Route
from runbookkit.match.hyper import Prefilter
from runbookkit.match.routes import translate

hyperscan = pytest.importorskip("hyperscan")

ATOMS = ["a", "b", "k", "K", "s", "1", " ", ".", r"\d", r"\w", r"\s", r"\S", r"\W", r"\b"]
ATOMS += [r"\B", "[ab]", "[^a]", "[[:space:]]", "^", r"\A", r"\x41", "é"]
# End anchors only end a Pattern: in a CRLF log RE2's combined pass reads `$\b` with the "\r"
# consumed (a known difference of RE2 alone, not of the layers).
ENDS = ["", "", "$", r"\Z", r"\z"]
# Bytes where engines differ most: case folding (Kelvin sign, long s), \v, CR, invalid UTF-8.
CHARS = ["a", "b", "k", "K", "s", "S", "1", " ", "\t", "\r", "\v", "é", "\u212a", "\u017f", "-"]


def routes(patterns: list[str]) -> list[Route]:
    return [Route(id=f"r{n}", title="t", pattern=p, rank=0) for n, p in enumerate(patterns)]


def results(matcher: Matcher, data: bytes) -> tuple[list[tuple[int, str, int, int, str]], int]:
    found = [(m.line, m.route.id, m.start, m.end, m.text) for m in matcher.scan_buffer(data, "l")]
    return found, matcher.count_block(data)[1]


def both(patterns: list[str]) -> tuple[Matcher, Matcher]:
    return Matcher(routes(patterns), hyperscan=True), Matcher(routes(patterns), hyperscan=False)


@st.composite
def pattern(draw: st.DrawFn) -> str:
    def piece() -> str:
        atom = draw(st.sampled_from(ATOMS))
        if draw(st.booleans()):
            atom = f"(?:{atom}|{draw(st.sampled_from(ATOMS))})"
        return atom + draw(st.sampled_from(["", "", "*", "+", "?", "{1,2}"]))

    body = "".join(piece() for _ in range(draw(st.integers(1, 4))))
    text = draw(st.sampled_from(["", "(?i)"])) + body + draw(st.sampled_from(ENDS))
    import re2

    try:
        re2.compile(text)
    except re2.error:
        assume(False)
    return text


lines = st.lists(st.text(st.sampled_from(CHARS), max_size=12), max_size=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(pattern(), min_size=1, max_size=4), lines, st.booleans(), st.booleans())
def test_layered_engine_returns_exactly_what_re2_alone_returns(
    patterns: list[str], text: list[str], crlf: bool, invalid: bool
) -> None:
    data = ("\r\n" if crlf else "\n").join(text).encode()
    if invalid and data:
        data = data[:1] + b"\xff\xc3" + data[1:]
    layered, alone = both(patterns)
    assert results(layered, data) == results(alone, data)


@pytest.mark.parametrize("dense", [64, 1 << 20], ids=["dense", "sparse"])
def test_lines_proposed_across_windows_agree(monkeypatch: pytest.MonkeyPatch, dense: int) -> None:
    monkeypatch.setattr("runbookkit.match.hyper.WINDOW", 4096)
    monkeypatch.setattr("runbookkit.match.hyper.DENSE", dense)
    data = b"".join(b"ok %d\n" % n if n % 7 else b"ERROR disk %d full\n" % n for n in range(20_000))
    layered, alone = both([r"(?i)error.*full$", r"\d+", "^$", r"^ok \d*7$", "^"])
    assert results(layered, data) == results(alone, data)
    assert layered.count_block(data)[0] == alone.count_block(data)[0]


def test_non_ascii_and_invalid_utf8_lines_are_checked_by_re2() -> None:
    data = "naïve\nKELVIN \u212a\nplain\n".encode() + b"bad \xff byte\n"
    layered, alone = both(["(?i)k", r"\S+ \S", "a.ve"])
    assert results(layered, data) == results(alone, data)
    assert [m.line for m in layered.scan_buffer(data, "l") if m.route.id == "r0"] == [2]


def test_pattern_hyperscan_cannot_compile_goes_to_re2_with_a_note() -> None:
    matcher = Matcher(routes(["(?U)disk.+full", "timeout"]), hyperscan=True)
    assert matcher.engines() == {"hyperscan": ["r1"], "re2": ["r0"], "re": []}
    assert len(matcher.notes) == 1 and "runbook 'r0': Hyperscan cannot compile" in matcher.notes[0]
    found = matcher.match("disk is full\nrequest timeout\n")
    assert [(m.line, m.route.id, m.engine) for m in found] == [
        (1, "r0", "re2"),
        (2, "r1", "hyperscan"),
    ]


def test_database_is_cached_and_a_changed_pattern_recompiles_once(tmp_path: Path) -> None:
    first = [translate(p, buffer=True) for p in ["disk.*full", "(?U)x+"]]
    compiled = Prefilter(first, tmp_path)
    assert compiled.compiled and compiled.rejected and compiled.indexes == [0]
    (cached,) = tmp_path.glob("hyperscan-*.db")
    loaded = Prefilter(first, tmp_path)
    assert not loaded.compiled and loaded.rejected == compiled.rejected
    assert loaded.find(b"a\ndisk is full\n", 0, 15) == 13
    changed = Prefilter(["disk.*fuller", *first[1:]], tmp_path)
    assert changed.compiled and len(list(tmp_path.glob("hyperscan-*.db"))) == 2
    assert not Prefilter(["disk.*fuller", *first[1:]], tmp_path).compiled
    cached.write_bytes(b"[]\nnot a database")
    assert Prefilter(first, tmp_path).compiled  # a damaged cache is only a recompile
