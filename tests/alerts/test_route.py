"""Routing an alert to its runbook: each rule, their order, and unrouted alerts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from runbookkit.alerts.event import AlertEvent, AlertSource, AlertState
from runbookkit.alerts.route import Router, words
from runbookkit.errors import ParseError
from runbookkit.parsing import parse_file

RUNBOOKS = {
    "redis-down.md": "# Redis down\n\n**Pattern:** `(?i)redis.*refused`\n\n## Diagnosis\n\n"
    "```bash\nredis-cli ping\n```\n",
    "kube-pod-crash-looping.md": "# Pods restarting\n\n## Diagnosis\n\n"
    "```bash\nkubectl get pods\n```\n",
    "disk.md": "# DiskAlmostFull\n\n**Pattern:** `disk .* full`\n\n## Diagnosis\n\n"
    "```bash\ndf -h\n```\n",
    "labelled.md": "---\nalerts: [HighLatency, LatencySLOBurn]\nmatch_labels: {env: prod}\n"
    "on_alert: fix\n---\n# Latency\n\n## Fix\n\n```bash\ntrue\n```\n",
    "by-labels.md": "---\nmatch_labels:\n  team: storage\n  tier: 1\n---\n# Storage\n\n"
    "## Diagnosis\n\n```bash\nls\n```\n",
}


def alert(
    name: str = "",
    text: str = "",
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> AlertEvent:
    return AlertEvent(
        source=AlertSource.alertmanager,
        state=AlertState.firing,
        key="k",
        name=name,
        received_at=dt.datetime.now(dt.UTC),
        labels=labels or {},
        annotations={**({"summary": text} if text else {}), **(annotations or {})},
    )


@pytest.fixture
def router(tmp_path: Path) -> Router:
    for name, text in RUNBOOKS.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "broken.md").write_text("---\nmatch_labels: [a, b]\n---\n# Broken\n")
    found, errors = Router.from_directory(tmp_path)
    assert [Path(e.path or "").name for e in errors] == ["broken.md"]
    return found


def test_words() -> None:
    assert words("KubePodCrashLooping") == "kube-pod-crash-looping"
    assert words("kube_pod_crash_looping") == words("Kube Pod Crash Looping")
    assert words("HTTPErrorsHigh") == "http-errors-high"
    assert words("Disk5xxErrors") == "disk5xx-errors"


@pytest.mark.parametrize(
    "url",
    [
        "redis-down",
        "redis-down.md",
        "https://git.example/ops/runbooks/blob/main/redis-down.md",
        "https://docs.example/runbooks/redis-down/",
        "https://docs.example/runbooks/redis-down/index.html#diagnosis",
        "/runbooks/Redis%20down/../redis-down.html",
    ],
)
def test_runbook_url_names_a_runbook(router: Router, url: str) -> None:
    routed = router.route(alert("Whatever", annotations={"runbook_url": url}))
    assert (routed.runbook_id, routed.rule) == ("redis-down", "runbook_url")


def test_runbook_url_comes_before_the_name(router: Router) -> None:
    routed = router.route(alert("DiskAlmostFull", annotations={"runbook_url": "x/redis-down.md"}))
    assert routed.runbook_id == "redis-down"


def test_unknown_runbook_url_falls_through_to_the_next_rules(router: Router) -> None:
    routed = router.route(alert("DiskAlmostFull", annotations={"runbook_url": "x/nothing.md"}))
    assert (routed.runbook_id, routed.rule) == ("disk", "name")


def test_name_is_an_id_or_a_title(router: Router) -> None:
    assert router.route(alert("KubePodCrashLooping")).runbook_id == "kube-pod-crash-looping"
    assert router.route(alert("DiskAlmostFull")).runbook_id == "disk"  # its H1
    assert router.route(alert("RedisDown")).runbook_id == "redis-down"


def test_front_matter_alerts_and_labels(tmp_path: Path, router: Router) -> None:
    prod = router.route(alert("LatencySloBurn", labels={"env": "prod"}))
    assert (prod.runbook_id, prod.rule) == ("labelled", "front_matter")
    assert router.route(alert("LatencySloBurn", labels={"env": "dev"})).runbook is None
    storage = router.route(alert("Anything", labels={"team": "storage", "tier": "1", "x": "y"}))
    assert storage.runbook_id == "by-labels"
    assert router.route(alert("Anything", labels={"team": "storage"})).runbook is None


def test_front_matter_fields_are_parsed(tmp_path: Path) -> None:
    path = tmp_path / "labelled.md"
    path.write_text(RUNBOOKS["labelled.md"])
    meta = parse_file(path).metadata
    assert meta.alerts == ["HighLatency", "LatencySLOBurn"]
    assert meta.match_labels == {"env": "prod"}
    assert meta.on_alert == "fix"
    header = tmp_path / "header.md"
    header.write_text("# H\n\n**Match labels:** env=prod, job=redis\n**Alerts:** A, B\n")
    meta = parse_file(header).metadata
    assert (meta.match_labels, meta.alerts) == ({"env": "prod", "job": "redis"}, ["A", "B"])


def test_bad_match_labels_is_a_parse_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_text("---\ntitle: x\nmatch_labels: [a]\n---\n# X\n")
    with pytest.raises(ParseError) as caught:
        parse_file(path)
    assert caught.value.line == 3
    assert "match_labels must map label names to values" in caught.value.message


def test_pattern_matches_the_alert_text(router: Router) -> None:
    routed = router.route(alert("CacheErrors", "app says: Redis connection refused on :6379"))
    assert (routed.runbook_id, routed.rule) == ("redis-down", "pattern")
    described = alert("X", annotations={"description": "the disk /var is full"})
    assert router.route(described).runbook_id == "disk"


def test_no_rule_leaves_it_unrouted(router: Router) -> None:
    routed = router.route(alert("SomethingElse", "all quiet"))
    assert (routed.runbook, routed.rule, routed.runbook_id) == (None, None, None)
