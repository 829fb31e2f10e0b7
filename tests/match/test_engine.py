"""The matcher as a library: routing, RE2 safety, fallbacks, encodings and stack traces."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from runbookkit import finder
from runbookkit.match import Matcher, PatternError, Route
from runbookkit.parsing import parse_file
from tests.conftest import REDIS, RUNBOOKS, SEED
from tests.support.runbooks import write_runbook

SEED_EXAMPLE = "Error: connect ECONNREFUSED 127.0.0.1:6379"
REDIS_CLI = "Could not connect to Redis at 127.0.0.1:6379: Connection refused"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    runbooks, errors = finder.load_all(RUNBOOKS)
    assert not errors
    return Matcher(runbooks)


def route(pattern: str, name: str = "r", severity: str | None = "high", rank: int = 1) -> Route:
    return Route(id=name, title=name.title(), pattern=pattern, severity=severity, rank=rank)


@pytest.mark.parametrize(
    "text",
    [
        SEED_EXAMPLE,
        REDIS_CLI,
        "ioredis: Unhandled error event: Error: connect ECONNREFUSED 10.0.0.5:6379",
        "[ContextService] redis connection refused, retrying",
    ],
)
def test_redis_errors_route_to_redis(matcher: Matcher, text: str) -> None:
    matches = matcher.match(text)
    assert [m.route.id for m in matches] == ["redis-connection-refused"]
    assert matches[0].matched and matches[0].matched in text


def test_every_symptoms_example_routes_to_redis(matcher: Matcher) -> None:
    runbook = parse_file(REDIS)
    assert runbook.examples
    for example in runbook.examples:
        first_line = example.text.splitlines()[0]
        ids = {m.route.id for m in matcher.match(example.text)}
        assert ids == {"redis-connection-refused"}, first_line


def test_seed_pattern_is_case_sensitive_and_misses_redis_cli() -> None:
    seed = Matcher([parse_file(SEED)])
    assert seed.match(SEED_EXAMPLE) == []  # the seed's own example: why the runbook was repaired
    assert Matcher([parse_file(REDIS)]).match(REDIS_CLI)


@pytest.mark.parametrize(
    "text",
    ["GET /health 200 3ms", "postgres connection refused", "ECONNREFUSED 10.0.0.1:5432", ""],
)
def test_unrelated_lines_route_nowhere(matcher: Matcher, text: str) -> None:
    assert matcher.match(text) == []


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        ("(a+)+$", "a" * 50 + "!"),
        ("(x+x+)+y", "x" * 5000),
        ("(?i)(ECONNREFUSED.*(redis|:6379)|redis.*error)", "redis " * 2_000_000),
    ],
)
def test_catastrophic_patterns_finish_fast(pattern: str, text: str) -> None:
    matcher = Matcher([route(pattern)])
    started = time.perf_counter()
    matcher.match(text)
    assert time.perf_counter() - started < 1.0


def test_ten_megabyte_single_line_finishes_fast() -> None:
    line = "x" * 10_000_000 + " redis error"
    matcher = Matcher([route("(?i)(a+)+$"), route("(?i)redis.*error", "redis")])
    started = time.perf_counter()
    matches = matcher.match(line)
    assert time.perf_counter() - started < 1.0
    assert [m.route.id for m in matches] == ["redis"]
    assert matches[0].start == 10_000_001


@pytest.mark.parametrize(
    ("pattern", "hit", "miss"),
    [
        ("(?i)redis.*refused", "REDIS: Connection REFUSED", "redis: accepted"),
        ("redis.*refused", "redis: refused", "REDIS: REFUSED"),
        (r"timeout\Z", "upstream timeout", "timeout later"),
        (r"\Afatal", "fatal: out of memory", "not fatal"),
        ("^ERROR .*disk$", "ERROR no disk", "ERROR no disk space"),
        (r"(?P<port>\d+) refused", "6379 refused", "port refused"),
    ],
)
def test_python_syntax_and_inline_flags(pattern: str, hit: str, miss: str) -> None:
    matcher = Matcher([route(pattern)])
    assert matcher.match(hit), hit
    assert not matcher.match(miss), miss
    assert [m.line for m in matcher.match(f"{miss}\n{hit}\n{miss}")] == [2]


def test_matches_never_span_lines() -> None:
    matcher = Matcher([route(r"redis\s+down"), route("a[^x]*b", "ab")])
    assert matcher.match("redis\ndown\na\nb\n") == []
    assert [m.line for m in matcher.match("x\nredis  down\n")] == [2]


def test_matches_of_a_line_come_most_severe_first() -> None:
    routes = [
        route("error", "low-one", "low", 3),
        route("redis", "critical-one", "critical", 0),
        route("redis error", "high-one", "high", 1),
    ]
    matches = Matcher(routes).match("redis error")
    assert [m.route.id for m in matches] == ["critical-one", "high-one", "low-one"]


@pytest.mark.parametrize(
    "pattern", [r"(\w+) \1 again", r"refused(?! by policy)", r"(?<=redis )down"]
)
def test_patterns_re2_refuses_fall_back_to_python_re(pattern: str) -> None:
    matcher = Matcher([route(pattern, "odd"), route("fast", "plain")])
    assert len(matcher.warnings) == 1 and "'odd'" in matcher.warnings[0]
    text = "ok\nsame same again\nconnection refused\nredis down\nfast lane\n"
    found = [(m.route.id, m.line) for m in matcher.match(text)]
    assert ("plain", 5) in found
    assert len([f for f in found if f[0] == "odd"]) == 1


def test_invalid_pattern_is_named_with_file_and_line(tmp_path: Path) -> None:
    bad = Route(id="bad", title="Bad", pattern="(unclosed", rank=0, path="bad.md", line=3)
    with pytest.raises(PatternError) as caught:
        Matcher([bad])
    assert str(caught.value).startswith("bad.md:3: invalid regex in Pattern of runbook 'bad'")
    lenient = Matcher([bad, route("ok")], strict=False)
    assert len(lenient.errors) == 1 and lenient.match("ok")


def test_invalid_utf8_is_replaced_and_lines_stay_right() -> None:
    matcher = Matcher([route("(?i)redis.*error")])
    data = b"caf\xe9\n\xff\xfe\nredis \xff error\nok\nredis error \xc3\n"
    matches = list(matcher.scan_buffer(data, "log"))
    assert [(m.line, m.text) for m in matches] == [
        (3, "redis \ufffd error"),
        (5, "redis error \ufffd"),
    ]


def test_runbooks_without_pattern_are_left_out(runbooks_dir: Path) -> None:
    write_runbook(runbooks_dir, name="disk", pattern="No space left")
    (runbooks_dir / "notes.md").write_text("# Notes\n\n## Fix\n\n```bash\necho hi\n```\n")
    runbooks, _ = finder.load_all(runbooks_dir)
    assert [r.id for r in Matcher(runbooks).routes] == ["disk"]


NODE_TRACE = (
    "Error: connect ECONNREFUSED 127.0.0.1:6379\n"
    "    at TCPConnectWrap.afterConnect [as oncomplete] (net.js:1144:16)\n"
    "    at ContextService.getContext (context-service.js:45)\n"
    "next request\n"
)
PYTHON_TRACE = (
    "ERROR redis error while reading context\n"
    "Traceback (most recent call last):\n"
    '  File "app.py", line 3, in <module>\n'
    "    r.ping()\n"
    "    ^^^^^^^^\n"
    '  File "redis/client.py", line 10, in ping\n'
    "    raise ConnectionError\n"
    "redis.exceptions.ConnectionError: Connection refused\n"
)


@pytest.mark.parametrize(("text", "attached"), [(NODE_TRACE, 2), (PYTHON_TRACE, 6)])
def test_stack_trace_lines_are_attached(matcher: Matcher, text: str, attached: int) -> None:
    first = matcher.match(text)[0]
    assert first.line == 1
    assert first.continuation == text.splitlines()[1 : 1 + attached]


@pytest.mark.parametrize(
    ("pattern", "line", "buffer"),
    [
        ("plain", "plain", "plain"),
        (r"end\Z", r"end\z", r"end(?:\r?$)"),
        ("end$", "end$", r"end(?:\r?$)"),
        (r"\Astart", r"\Astart", "^start"),
        (r"dir\\Z", r"dir\\Z", r"dir\\Z"),
        (r"a\\\Z", r"a\\\z", r"a\\(?:\r?$)"),
        (r"[$]|[]$]|[^]$]|[\]$]x$", r"[$]|[]$]|[^]$]|[\]$]x$", r"[$]|[]$]|[^]$]|[\]$]x(?:\r?$)"),
        (r"cost \$5", r"cost \$5", r"cost \$5"),
    ],
)
def test_python_anchors_are_translated(pattern: str, line: str, buffer: str) -> None:
    from runbookkit.match.routes import translate

    assert translate(pattern, buffer=False) == line
    assert translate(pattern, buffer=True) == buffer


def test_first_stops_at_the_first_matching_line(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("ok\nredis error\nok\nredis error\n")
    matcher = Matcher([route("redis error"), route("(?i)REDIS", "any")])
    assert [(m.line, m.route.id) for m in matcher.scan_file(log, first=True)] == [
        (2, "any"),
        (2, "r"),
    ]
    assert [m.line for m in matcher.scan_file(log)] == [2, 2, 4, 4]


def test_environment_switch_leaves_re2_alone_with_the_same_matches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    routes = [route("(?i)disk.*full", "disk"), route(r"timed? ?out\b", "slow", rank=2)]
    log = "Disk is FULL\nok\nrequest timed out\n"
    auto = [(m.line, m.route.id, m.start, m.end) for m in Matcher(routes).match(log)]
    monkeypatch.setenv("RUNBOOKKIT_MATCH_ENGINE", "re2")
    matcher = Matcher(routes)
    assert matcher.engines() == {"hyperscan": [], "re2": ["disk", "slow"], "re": []}
    found = matcher.match(log)
    assert [m.engine for m in found] == ["re2", "re2"]
    assert (
        [(m.line, m.route.id, m.start, m.end) for m in found]
        == auto
        == [
            (1, "disk", 0, 12),
            (3, "slow", 8, 17),
        ]
    )


def test_z_anchors_each_line_of_a_buffer() -> None:
    matcher = Matcher([route(r"foo\z")])
    assert [m.line for m in matcher.match("foo\nbar\nfoo")] == [1, 3]


def test_no_line_after_the_final_newline() -> None:
    matcher = Matcher([route("^$")])
    assert [m.line for m in matcher.match("a\n")] == []
    assert [m.line for m in matcher.match("a\n\nb\n")] == [2]
