"""The fleet scheduler: how many hosts at once, in what order, and when it stops starting hosts."""

from __future__ import annotations

import threading
import time

import pytest

from runbookkit.errors import ConfigError
from runbookkit.fleet.hosts import Host
from runbookkit.fleet.strategy import Strategy, run_fleet

HOSTS = [Host(f"h{i}", f"h{i}") for i in range(1, 9)]


class Work:
    """Runs a 'host' for a short while, records concurrency and order, fails the chosen ones."""

    def __init__(self, failing: set[str], seconds: float = 0.1) -> None:
        self.failing = failing
        self.seconds = seconds
        self.lock = threading.Lock()
        self.running = 0
        self.peak = 0
        self.started: list[str] = []

    def __call__(self, host: Host) -> bool:
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
            self.started.append(host.name)
        time.sleep(self.seconds)
        with self.lock:
            self.running -= 1
        return host.name not in self.failing


def _run(
    strategy: Strategy, failing: set[str] = frozenset()
) -> tuple[Work, dict[str, bool | None]]:
    work = Work(set(failing))
    outcomes = run_fleet(HOSTS, work, bool, strategy)
    assert [o.host for o in outcomes] == HOSTS
    return work, {o.host.name: o.result for o in outcomes}


@pytest.mark.parametrize(("flags", "peak"), [({}, 8), ({"parallel": 3}, 3), ({"serial": True}, 1)])
def test_at_most_n_hosts_at_once(flags: dict[str, object], peak: int) -> None:
    work, results = _run(Strategy.from_flags(**flags))  # type: ignore[arg-type]
    # Never more than N; with 0.1 s per host, more than one at once whenever N allows it.
    assert min(peak, 2) <= work.peak <= peak
    assert all(results.values())
    assert work.started[:1] == ["h1"]


def test_serial_keeps_inventory_order() -> None:
    work, _ = _run(Strategy.from_flags(serial=True))
    assert work.started == [h.name for h in HOSTS]


def test_by_default_every_host_runs_whatever_fails() -> None:
    _, results = _run(Strategy.from_flags(serial=True), {"h2", "h5"})
    assert [results[f"h{i}"] for i in range(1, 9)] == [
        True,
        False,
        True,
        True,
        False,
        True,
        True,
        True,
    ]


def test_fail_fast_starts_no_host_after_the_first_failure() -> None:
    _, results = _run(Strategy.from_flags(serial=True, fail_fast=True), {"h3"})
    assert [results[f"h{i}"] for i in range(1, 9)] == [True, True, False, *[None] * 5]


def test_fail_fast_lets_running_hosts_finish() -> None:
    together = threading.Barrier(4, timeout=10)
    started: list[str] = []

    def work(host: Host) -> bool:
        started.append(host.name)
        if host.name in ("h1", "h2", "h3", "h4"):
            together.wait()  # the first four are all running when h1 fails
        if host.name == "h1":
            return False
        time.sleep(0.2)
        return True

    outcomes = run_fleet(HOSTS, work, bool, Strategy.from_flags(parallel=4, fail_fast=True))
    results = {o.host.name: o.result for o in outcomes}
    assert sorted(started) == ["h1", "h2", "h3", "h4"]
    assert [results[h] for h in ("h1", "h2", "h3", "h4")] == [False, True, True, True]
    assert all(results[f"h{i}"] is None for i in range(5, 9))


def test_max_failures_allows_that_many() -> None:
    _, results = _run(Strategy.from_flags(serial=True, max_failures=1), {"h2", "h4", "h6"})
    assert [results[f"h{i}"] for i in range(1, 9)] == [True, False, True, False, *[None] * 4]


def test_batches_roll_only_after_a_clean_batch() -> None:
    work, results = _run(Strategy.from_flags(batch=3), {"h5"})
    assert work.peak <= 3
    assert [results[f"h{i}"] for i in range(1, 7)] == [True, True, True, True, False, True]
    assert results["h7"] is None and results["h8"] is None


def test_batches_wait_for_the_whole_previous_batch() -> None:
    work = Work(set())
    run_fleet(HOSTS, work, bool, Strategy.from_flags(batch=3, parallel=10))
    # h1–h3 all start before any of h4–h6; the window never slides across a batch edge.
    assert set(work.started[:3]) == {"h1", "h2", "h3"}
    assert set(work.started[3:6]) == {"h4", "h5", "h6"}
    assert work.peak <= 3


def test_continue_on_error_rolls_on_past_failed_batches() -> None:
    _, results = _run(Strategy.from_flags(batch=2, continue_on_error=True), {"h1", "h4"})
    assert all(results[f"h{i}"] is not None for i in range(1, 9))


def test_batches_with_max_failures_keep_rolling_within_the_budget() -> None:
    _, results = _run(Strategy.from_flags(batch=2, max_failures=1), {"h1", "h4"})
    assert results["h3"] is True and results["h4"] is False
    assert all(results[f"h{i}"] is None for i in range(5, 9))


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"serial": True, "parallel": 2}, "^serial and parallel"),
        ({"fail_fast": True, "max_failures": 2}, "contradict"),
        ({"fail_fast": True, "continue_on_error": True}, "contradict"),
        ({"parallel": 0}, "^parallel 0"),
        ({"batch": 0}, "^batch 0"),
        ({"max_failures": -1}, "^max_failures -1"),
    ],
)
def test_contradictions_are_refused(flags: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Strategy.from_flags(**flags)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("flags", "text"),
    [
        ({}, "parallel 10"),
        ({"serial": True}, "serial"),
        ({"batch": 2}, "batches of 2 (parallel 2)"),
        ({"fail_fast": True}, "parallel 10, stop after 1 failed host(s)"),
    ],
)
def test_describe(flags: dict[str, object], text: str) -> None:
    assert Strategy.from_flags(**flags).describe() == text  # type: ignore[arg-type]
