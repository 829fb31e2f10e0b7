"""In what order and how many at once the hosts of a fleet run: parallel, serial or rolling.

Fabric's ``ThreadingGroup`` runs one thread per connection with no upper bound and one command at
a time across the whole group. A fleet run needs each host to go through its own sequence of
steps, at most N hosts at once, and to stop starting hosts after failures, so the same
thread-per-connection model is driven through a bounded thread pool
(:class:`~concurrent.futures.ThreadPoolExecutor`) instead: a host starts when a worker is free,
in inventory order, and runs to its end there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Generic, TypeVar

from runbookkit.errors import ConfigError
from runbookkit.fleet.hosts import Host

T = TypeVar("T")
DEFAULT_PARALLEL = 10


@dataclass(frozen=True)
class Strategy:
    """How a fleet run proceeds.

    Attributes:
        parallel: at most this many hosts run at once.
        batch: rolling batches of this many hosts (None: one window over all hosts).
        max_failures: once more hosts than this have failed, no new host starts (None: no limit).
        halt_batches: the next batch starts only when every host of the previous one passed.
    """

    parallel: int = DEFAULT_PARALLEL
    batch: int | None = None
    max_failures: int | None = None
    halt_batches: bool = True

    @classmethod
    def from_flags(
        cls,
        *,
        parallel: int | None = None,
        serial: bool = False,
        batch: int | None = None,
        fail_fast: bool = False,
        max_failures: int | None = None,
        continue_on_error: bool = False,
    ) -> Strategy:
        """The strategy that ``parallel``/``serial``/``batch`` and the failure rules describe.

        Raises:
            ConfigError: flags that contradict each other, or numbers below 1 (0 for failures).
        """
        if serial and parallel is not None:
            raise ConfigError("serial and parallel contradict each other; give one")
        if sum([fail_fast, max_failures is not None, continue_on_error]) > 1:
            names = "fail_fast, max_failures and continue_on_error"
            raise ConfigError(f"{names} contradict each other; give one")
        for name, value, least in (("parallel", parallel, 1), ("batch", batch, 1)):
            if value is not None and value < least:
                raise ConfigError(f"{name} {value}: expected a whole number of at least {least}")
        if max_failures is not None and max_failures < 0:
            raise ConfigError(f"max_failures {max_failures}: expected 0 or more")
        width = 1 if serial else parallel or batch or DEFAULT_PARALLEL
        limit = 0 if fail_fast else max_failures
        return cls(
            parallel=width,
            batch=batch,
            max_failures=limit,
            halt_batches=not continue_on_error and max_failures is None,
        )

    def describe(self) -> str:
        """One line for the run header: ``parallel 10``, ``batches of 2``, …"""
        how = "serial" if self.parallel == 1 and not self.batch else f"parallel {self.parallel}"
        if self.batch:
            how = f"batches of {self.batch} ({how})"
        if self.max_failures is not None:
            how += f", stop after {self.max_failures + 1} failed host(s)"
        return how


@dataclass
class HostResult(Generic[T]):
    """What happened on one host: its result, or None when it was never started."""

    host: Host
    result: T | None


def run_fleet(
    hosts: Sequence[Host],
    work: Callable[[Host], T],
    passed: Callable[[T], bool],
    strategy: Strategy,
    *,
    on_interrupt: Callable[[], None] | None = None,
) -> list[HostResult[T]]:
    """Run ``work`` for each host as ``strategy`` says; outcomes come back in host order.

    ``work`` must turn step failures into results (``passed`` tells them apart) rather than raise.
    A host not started because of earlier failures has ``result`` None. On Ctrl-C no host
    starts any more, ``on_interrupt`` is called (to cut the running hosts short), the running
    hosts are waited for, and the ``KeyboardInterrupt`` goes on.
    """
    lock = threading.Lock()
    failures = 0
    halted = False
    results: dict[int, T] = {}

    def guarded(index: int) -> None:
        nonlocal failures
        with lock:
            if halted or (strategy.max_failures is not None and failures > strategy.max_failures):
                return
        result = work(hosts[index])
        with lock:
            results[index] = result
            failures += 0 if passed(result) else 1

    size = strategy.batch or len(hosts) or 1
    batches = [range(start, min(start + size, len(hosts))) for start in range(0, len(hosts), size)]
    workers = max(1, min(strategy.parallel, size))
    submitted: list[Future[None]] = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="host") as pool:
        try:
            for batch in batches:
                futures = [pool.submit(guarded, index) for index in batch]
                submitted += futures
                # Wake up now and then: a Ctrl-C delivered to another thread is only noticed by
                # the main thread when it runs Python code again.
                while wait(futures, timeout=0.1).not_done:
                    pass
                failed = any(i in results and not passed(results[i]) for i in batch)
                if strategy.batch and strategy.halt_batches and failed:
                    halted = True
        except BaseException:
            halted = True
            # Keep cutting the running hosts short until they are all done: a host that was
            # still connecting when Ctrl-C came must not run its step to the end.
            while True:
                if on_interrupt is not None:
                    on_interrupt()
                if not wait(submitted, timeout=0.1).not_done:
                    break
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return [HostResult(host, results.get(index)) for index, host in enumerate(hosts)]
