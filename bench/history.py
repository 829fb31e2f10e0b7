"""Benchmark of the run history store: record a step, query a runbook's latest runs, size per run.

Fills a store with RUNBOOKS x RUNS x STEPS (default 1,000 x 100 x 5), then prints medians, each
also as a ratio to a baseline measured in the same run: a bare ``sqlite3`` INSERT + COMMIT of a
row of the same size into a WAL database, and a bare SELECT of the same 20 rows.

    .venv/bin/python bench/history.py [--runbooks N] [--runs N] [--steps N] [--samples N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from runbookkit.execute.events import RunStarted, StepFinished, StepResult, StepStatus
from runbookkit.history import HistoryRecorder, open_store, queries
from runbookkit.history.records import RunRecord, StepRecord

T0 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
OUTPUT = "".join(f"{i:>4} INFO redis-server ready to accept connections tcp\n" for i in range(5))


def run_record(runbook: int, index: int) -> RunRecord:
    """The ``index``-th run of runbook number ``runbook``, runs spread over a year."""
    started = T0 + dt.timedelta(minutes=index * 5000 + runbook)
    return RunRecord(
        id=f"{started:%Y%m%d%H%M%S}-{runbook:04d}-{index:03d}",
        runbook_id=f"runbook-{runbook:04d}",
        runbook_title=f"Runbook number {runbook}",
        runbook_sha256=f"{runbook:064x}",
        section="fix",
        operator="ops@box",
        targets=["redis@cache-1:22"],
        version="0.1.0",
        started_at=started,
        finished_at=started + dt.timedelta(seconds=12),
        status="passed",  # type: ignore[arg-type]
        exit_code=0,
        planned_steps=5,
    )


def step_record(number: int) -> StepRecord:
    """A step with a typical command and a few lines of output."""
    return StepRecord(
        seq=number,
        number=number,
        title=f"Check the service, part {number}",
        target="redis@cache-1:22",
        commands=[f"systemctl status redis-server --no-pager | head -n {number}", "redis-cli ping"],
        status=StepStatus.passed,
        exit_code=0,
        duration=0.1 * number,
        expected="PONG",
        matched=True,
        stdout=OUTPUT + "PONG\n",
        line=20 + 8 * number,
    )


def fill(path: Path, runbooks: int, runs: int, steps: int) -> float:
    """Fill the store in bulk (one transaction per runbook); returns the seconds it took."""
    open_store(path, readonly=False).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = NORMAL")
    begun = time.perf_counter()
    step_rows = [step_record(n) for n in range(1, steps + 1)]
    for book in range(runbooks):
        conn.execute("BEGIN")
        for index in range(runs):
            run = run_record(book, index)
            conn.execute(queries.INSERT_RUN, queries.run_row(run))
            conn.executemany(queries.INSERT_STEP, [queries.step_row(run.id, s) for s in step_rows])
        conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return time.perf_counter() - begun


def timed(action: Callable[[], object], samples: int) -> float:
    """Median seconds of ``action`` over ``samples`` calls."""
    times = []
    for _ in range(samples):
        begun = time.perf_counter_ns()
        action()
        times.append(time.perf_counter_ns() - begun)
    return statistics.median(times) / 1e9


def baseline_insert(folder: Path, samples: int) -> float:
    """Bare sqlite3: INSERT one row of a step's size and COMMIT, in a WAL database."""
    conn = sqlite3.connect(folder / "baseline.sqlite", isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, payload TEXT)")
    payload = repr(queries.step_row("x" * 26, step_record(3)))

    def insert() -> None:
        conn.execute("BEGIN")
        conn.execute("INSERT INTO rows (payload) VALUES (?)", (payload,))
        conn.execute("COMMIT")

    result = timed(insert, samples)
    conn.close()
    return result


def measure(path: Path, runbooks: int, samples: int) -> dict[str, float]:
    """Medians of recording a step and of the queries, with their baselines."""
    figures: dict[str, float] = {"baseline insert": baseline_insert(path.parent, samples)}
    store = open_store(path, readonly=False)
    run = run_record(runbooks, 0)
    store.begin_run(run)
    seq = iter(range(1, 10**9))
    figures["record_step"] = timed(
        lambda: store.record_step(run.id, step_record(next(seq))), samples
    )
    recorder = HistoryRecorder(store, secrets=["not-in-the-output"], heartbeat=0)
    second = run_record(runbooks, 1)
    recorder(
        RunStarted(
            second.id,
            second.runbook_id,
            second.runbook_title,
            second.runbook_sha256,
            "fix",
            "ops@box",
            second.targets,
            5,
            second.started_at,
            "0.1.0",
        )
    )
    result = StepResult(**{k: v for k, v in vars(step_record(3)).items() if k != "seq"})
    event = StepFinished(second.id, result)
    figures["recorder, masking included"] = timed(lambda: recorder(event), samples)
    store.close()

    reader = open_store(path)
    books = [f"runbook-{random.randrange(runbooks):04d}" for _ in range(samples)]
    picks = iter(books * 2)
    figures["list_runs(runbook, limit=20)"] = timed(
        lambda: reader.list_runs(runbook=next(picks), limit=20), samples
    )
    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    sql = "SELECT * FROM runs WHERE runbook_id = ? ORDER BY started_at DESC LIMIT 20"
    picks = iter(books * 2)
    figures["baseline select"] = timed(lambda: raw.execute(sql, (next(picks),)).fetchall(), samples)
    begun = time.perf_counter()
    latest = reader.runs_by_runbook(limit_per_runbook=20)
    figures["runs_by_runbook(20), all runbooks"] = time.perf_counter() - begun
    figures["runs loaded by runs_by_runbook"] = sum(map(len, latest.values()))
    reader.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runbooks", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--samples", type=int, default=2000)
    args = parser.parse_args()
    random.seed(5)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.sqlite"
        total = args.runbooks * args.runs
        print(f"store: {args.runbooks} runbooks x {args.runs} runs x {args.steps} steps")
        print(f"  filled in {fill(path, args.runbooks, args.runs, args.steps):.1f} s")
        size = path.stat().st_size
        print(
            f"  size {size / 1e6:.1f} MB, {size / total:.0f} bytes a run "
            f"({len(OUTPUT) + 5} bytes of stdout a step)"
        )
        f = measure(path, args.runbooks, args.samples)
    ms = 1000
    print(
        f"baseline: bare INSERT+COMMIT {f['baseline insert'] * ms:.3f} ms, "
        f"bare SELECT of 20 runs {f['baseline select'] * ms:.3f} ms"
    )
    for name, base, goal in (
        ("record_step", "baseline insert", 1.0),
        ("recorder, masking included", "baseline insert", 1.0),
        ("list_runs(runbook, limit=20)", "baseline select", 5.0),
    ):
        ratio = f[name] / f[base]
        print(
            f"{name:<32} median {f[name] * ms:7.3f} ms = {ratio:5.1f}x {base} (goal <= {goal:g} ms)"
        )
    print(
        f"runs_by_runbook(20) over every runbook: {f['runs_by_runbook(20), all runbooks']:.2f} s "
        f"for {int(f['runs loaded by runs_by_runbook'])} runs with their steps"
    )


if __name__ == "__main__":
    main()
