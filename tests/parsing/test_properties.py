"""Property tests: whatever text comes in, the parser returns a Runbook or a located ParseError.

Inputs are arbitrary text and bytes, and Markdown-like documents assembled from the pieces real
runbooks are made of (headings, fences, front matter, bold labels, step comments, ssh lines,
task lists, dated items) mixed with random unicode and mojibake, and documents of 20 KB with
long runs of what once made the parser quadratic (open quotes, heredocs, repeated headings).
Every example has a budget of one second.
"""

from __future__ import annotations

import json
import os
import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runbookkit.errors import ParseError
from runbookkit.model import Runbook, from_data, to_json
from runbookkit.parsing import parse_file, parse_text
from tests.conftest import EXAMPLE_BUDGET

PATH = "prop.md"
SETTINGS = settings(
    max_examples=int(os.environ.get("RUNBOOKKIT_PROPERTY_EXAMPLES", "300")),
    deadline=EXAMPLE_BUDGET,
    suppress_health_check=[HealthCheck.too_slow],
)
LARGE = 20_000  # bytes of a large document


def _mojibake(text: str) -> str:
    """UTF-8 read as Windows-1252, losing the bytes it has no character for (as the seed did)."""
    return text.encode("utf-8").decode("cp1252", errors="ignore")


words = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=30,
)
names = st.sampled_from(
    [
        "Symptoms",
        "📋 Symptoms",
        "🔍 Diagnosis",
        "🛠️ Fix",
        "Meaning",
        "Impact",
        "Mitigation",
        "Triage",
        "Investigation",
        "Remediation",
        "Resolution",
        "Prevention",
        "History",
        "References",
        "See also",
        "Rollback Plan",
        "Overview",
        "Immediate Actions",
        "",
        "ðŸ“‹ Symptoms",
        "ðŸ” Diagnosis",
        "ðŸ›\xa0ï¸ Fix",
    ]
)
titles = st.one_of(names, words, names.map(_mojibake), words.map(_mojibake))
languages = st.sampled_from(
    ["", "bash", "sh", "shell", "zsh", "console", "shell-session", "yaml", "text", "promql", "js"]
)
commands = st.one_of(
    words,
    st.sampled_from(
        [
            "# Step 1: Check",
            "# Step 2 - Restart",
            "# 3. Verify",
            "# 10.0.0.1 is the primary",
            "# Expected: PONG",
            "# Expected output:",
            "# Retry: 10 every 1s",
            "# Retry: 0 every 1s",
            "# Retry: 99999999999999999999 every 1e400s",
            "# WARNING: loses data",
            "# runbookkit: ignore RB001, RB002",
            'ssh -i ~/.ssh/k root@10.0.0.1 "redis-cli ping"',
            "ssh -p 99999999999999999999 host cmd",
            "ssh -p 2222 -o A=B -l u h 'uptime'",
            "ssh -o X host",
            "ssh @ cmd",
            "ssh -- host cmd",
            "cat x | ssh host 'wc -l'",
            "rm -rf /tmp/x",
            "redis-cli FLUSHALL",
            "psql -c 'DELETE FROM t'",
            "kill -s KILL 1",
            "for i in 1 2; do",
            "done",
            "if true; then",
            "fi",
            "cat <<EOF",
            "cat <<'END'",
            "EOF",
            "echo 'open quote",
            'echo "open',
            "echo \\",
            "$ redis-cli ping",
            "$",
            "$ echo \\",
            "> continued",
            "PONG",
        ]
    ),
)


digits = st.one_of(
    st.sampled_from(["0", "1", "²", "٣", "-1", "1.5", "65536", "99999999999999999999", "1e400"]),
    st.text(alphabet=st.characters(whitelist_categories=("Nd", "No")), min_size=1, max_size=5),
)
TEMPLATES = [
    "ssh -p {n} {w}@{w} {w}",
    "ssh -i {w} -o {w}={n} -l {w} {w} '{w}'",
    "# Step {n}: {w}",
    "# {n}. {w}",
    "# Retry: {n} every {n}s",
    "# Retry: {n}",
    "# Expected: {w}",
    "$ {w}",
    "{w} <<{w}",
    "rm -{w} {w}",
    "kill -s {w} {n}",
]
simple = st.one_of(st.from_regex(r"[a-z0-9._~/-]{1,8}", fullmatch=True), words)
templated = st.builds(
    lambda template, w, n: template.format(w=w, n=n), st.sampled_from(TEMPLATES), simple, digits
)
commands = st.one_of(commands, templated)


@st.composite
def fences(draw: st.DrawFn) -> str:
    marker = draw(st.sampled_from(["```", "~~~", "````"]))
    body = "\n".join(draw(st.lists(commands, max_size=8)))
    closed = draw(st.booleans()) or draw(st.booleans())
    return f"{marker}{draw(languages)}\n{body}\n" + (f"{marker}\n" if closed else "")


@st.composite
def front_matter(draw: st.DrawFn) -> str:
    lines = draw(
        st.lists(
            st.one_of(
                st.sampled_from(
                    [
                        "title: A runbook",
                        "severity: high",
                        "severity: urgent",
                        "severity: [a, b]",
                        "tags: [a, b]",
                        "tags: {a: 1}",
                        "secrets: TOKEN",
                        "hosts: web",
                        "hosts: [a, b]",
                        "last_updated: 2025-01-01",
                        "last_updated: 2025-13-45",
                        "mttr: 3-5 minutes",
                        "mttr: 5",
                        "pattern: '(unclosed'",
                        "pattern: 12",
                        "title:",
                        "? complex",
                        ": nothing",
                        "- a list",
                        "key: [unclosed",
                        "&anchor a: *anchor",
                    ]
                ),
                words.map(lambda w: f"{w}: {w}"),
            ),
            max_size=6,
        )
    )
    return "---\n" + "\n".join(lines) + "\n---\n"


@st.composite
def blocks(draw: st.DrawFn) -> str:
    level = draw(st.integers(1, 7))
    title = draw(titles)
    return draw(
        st.one_of(
            st.just(f"{'#' * level} {title}"),
            st.just(f"**{title}:**"),
            st.just(f"**{title}:** {draw(words)}"),
            st.just(f"**MTTR Target:** {draw(digits)}-{draw(digits)} minutes"),
            st.just(f"**Last Updated:** {draw(digits)}-{draw(digits)}-{draw(digits)}"),
            st.just(f"- {draw(digits)}-{draw(digits)}-{draw(digits)} - {draw(words)}"),
            st.sampled_from(
                [
                    "**Pattern:** `(?i)redis.*refused`",
                    "**Pattern:** `(unclosed`",
                    "**Severity:** High",
                    "**Severity:** urgent",
                    "**MTTR Target:** 3-5 minutes",
                    "**MTTR Target:** 99999999999999999999999 hours",
                    "**MTTR Target:** soon",
                    "**Last Updated:** 2025-11-24",
                    "**Last Updated:** yesterday",
                    "**Next Review:** 2025-02-30",
                    "**Runbook Version:** 1.0",
                    "**:** empty key",
                    "- [ ] task",
                    "- [x] done task",
                    "- 2025-11-10 - dated item",
                    "- 2025-02-30 - impossible date",
                    "1. ordered",
                    "> quoted **Label:**",
                    "<!-- runbookkit: ignore RB001 -->",
                    "[link](https://example.com)",
                    "| a | b |\n|---|---|\n| [x](y) | 2 |",
                    "---",
                    "***",
                    "    indented code",
                    "<div>\n# Step 1: not markdown\n</div>",
                ]
            ),
            fences(),
            words,
            words.map(_mojibake),
        )
    )


@st.composite
def sections(draw: st.DrawFn) -> str:
    heading = f"{'#' * draw(st.integers(1, 3))} {draw(titles)}"
    return "\n\n".join([heading, *draw(st.lists(blocks(), max_size=5))])


@st.composite
def documents(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.one_of(blocks(), sections()), max_size=8))
    head = draw(st.one_of(st.just(""), front_matter()))
    indent = draw(st.sampled_from(["", "  "]))
    text = head + "\n\n".join(parts)
    if indent:
        text = "\n".join(indent + line for line in text.splitlines())
    return text + draw(st.sampled_from(["", "\n", "\r\n"]))


def _check(parse: object) -> None:
    """Run ``parse`` and require a valid runbook, or a ParseError with a path and a line."""
    try:
        parsed = parse()  # type: ignore[operator]
    except ParseError as exc:
        assert exc.path is not None, exc
        assert exc.line is not None and exc.line >= 1, exc
        assert "\n" not in str(exc), exc
        assert "expected" in exc.message, exc
        return
    assert isinstance(parsed, Runbook)
    # What the parser built is valid: `parse --json` prints it, and the JSON, validated against
    # the model's schema, gives the same runbook back.
    assert from_data(json.loads(to_json(parsed))) == parsed


@SETTINGS
@given(documents())
def test_markdown_like_documents(text: str) -> None:
    _check(lambda: parse_text(text, path=PATH))


@SETTINGS
@given(documents().map(_mojibake))
def test_mojibake_documents(text: str) -> None:
    _check(lambda: parse_text(text, path=PATH))


@SETTINGS
@given(st.text())
def test_arbitrary_text(text: str) -> None:
    _check(lambda: parse_text(text, path=PATH))


@SETTINGS
@given(st.one_of(st.binary(max_size=300), documents().map(lambda t: t.encode("utf-8", "replace"))))
def test_arbitrary_files(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "prop.md")
        with open(path, "wb") as handle:
            handle.write(data)
        _check(lambda: parse_file(path))


# First lines that leave a command open, and lines that keep it going (or close it).
_OPENERS = ["echo 'open", 'echo "open', "cat <<EOF", "cat <<'EOF' |", "for x in a b; do"]
_OPENERS += ["if true; then", "echo a |", "echo a \\", "$ cat <<EOF", "$ echo 'x"]
_GOING = ["text $HOME <TOKEN> ${X} $(date)", "> more 'q", "# Step 1: go", "it's", "EOF", "done"]
_GOING += ['"', "'", "  | grep x \\", "<<END", "## not a heading"]


@st.composite
def long_runs(draw: st.DrawFn) -> str:
    """A code block of one open command over many lines, or many headings of one name."""
    count = draw(st.integers(50, 800))
    if draw(st.booleans()):
        name = draw(st.sampled_from(["Fix", "Fix 2", "Diagnosis"]))
        return f"## {name}\n\nWhat to do when the service stops answering.\n\n" * (count // 3)
    language = draw(st.sampled_from(["bash", "console", "sh", ""]))
    first = draw(st.sampled_from(_OPENERS))
    lines = draw(st.lists(st.sampled_from(_GOING), min_size=1, max_size=4))
    closing = draw(st.sampled_from(["\n```", "\n```", ""]))
    return f"```{language}\n{first}\n" + "\n".join(lines * count) + closing


@st.composite
def large_documents(draw: st.DrawFn) -> str:
    """A generated document followed by long runs, at least :data:`LARGE` bytes in all."""
    parts = [draw(documents())]
    while sum(len(p) for p in parts) < LARGE:
        parts.append(draw(long_runs()))
    return "\n\n".join(parts)


@settings(SETTINGS, max_examples=int(os.environ.get("RUNBOOKKIT_PROPERTY_EXAMPLES", "40")))
@given(large_documents())
def test_large_documents_within_the_budget(text: str) -> None:
    assert len(text) >= LARGE
    _check(lambda: parse_text(text, path=PATH))
