"""Benchmark of the run history stores, SQLite and PostgreSQL side by side: record a step, query
a runbook's latest runs, size per run.

Fills each store with RUNBOOKS x RUNS x STEPS (default 1,000 x 100 x 5: 100,000 runs), then
prints medians, each also as a ratio to a baseline measured in the same run: a bare ``sqlite3``
INSERT + COMMIT of a row of the same size into a WAL database and a bare SELECT of the same 20
rows; for PostgreSQL a bare psycopg INSERT + COMMIT of that row on the same server (the round
trip floor), and its last-20 query against SQLite's. Without ``--postgres URL`` it starts a
throwaway local cluster the way the tests do (tests/support/postgres.py).

    .venv/bin/python bench/history.py [--runbooks N] [--runs N] [--steps N] [--samples N]
        [--postgres URL | --sqlite-only]
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
from runbookkit.secrets import Redactor

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


def measure(location: str, runbooks: int, samples: int) -> dict[str, float]:
    """Medians of recording a step (bare and through the recorder) and of a runbook's last 20
    runs, in the store at ``location`` (a path or URL)."""
    figures: dict[str, float] = {}
    store = open_store(location, readonly=False)
    run = run_record(runbooks, 0)
    store.begin_run(run)
    seq = iter(range(1, 10**9))
    figures["record_step"] = timed(
        lambda: store.record_step(run.id, step_record(next(seq))), samples
    )
    recorder = HistoryRecorder(store, redactor=Redactor(["not-in-the-output"]), heartbeat=0)
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

    reader = open_store(location)
    random.seed(7)
    books = [f"runbook-{random.randrange(runbooks):04d}" for _ in range(samples)]
    picks = iter(books * 2)
    figures["list_runs(runbook, limit=20)"] = timed(
        lambda: reader.list_runs(runbook=next(picks), limit=20), samples
    )
    begun = time.perf_counter()
    latest = reader.runs_by_runbook(limit_per_runbook=20)
    figures["runs_by_runbook(20), all runbooks"] = time.perf_counter() - begun
    figures["runs loaded by runs_by_runbook"] = sum(map(len, latest.values()))
    reader.close()
    return figures


def sqlite_baselines(path: Path, runbooks: int, samples: int) -> dict[str, float]:
    """The SQLite floors: bare INSERT+COMMIT of a step-sized row, bare SELECT of 20 runs."""
    figures = {"baseline insert": baseline_insert(path.parent, samples)}
    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    sql = "SELECT * FROM runs WHERE runbook_id = ? ORDER BY started_at DESC LIMIT 20"
    random.seed(7)
    picks = iter([f"runbook-{random.randrange(runbooks):04d}" for _ in range(samples)] * 2)
    figures["baseline select"] = timed(lambda: raw.execute(sql, (next(picks),)).fetchall(), samples)
    raw.close()
    return figures


def fill_postgres(url: str, runbooks: int, runs: int, steps: int) -> float:
    """Fill the PostgreSQL store with COPY (one per runbook); returns the seconds it took."""
    import psycopg

    open_store(url, readonly=False).close()
    begun = time.perf_counter()
    step_rows = [step_record(n) for n in range(1, steps + 1)]
    columns = list(queries.run_row(run_record(0, 0)))
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        for book in range(runbooks):
            records = [run_record(book, index) for index in range(runs)]
            with cur.copy(f"COPY runs ({', '.join(columns)}) FROM STDIN") as copy:
                for run in records:
                    copy.write_row(list(queries.run_row(run).values()))
            with cur.copy(f"COPY steps ({queries.STEP_COLUMNS}) FROM STDIN") as copy:
                for run in records:
                    for step in step_rows:
                        copy.write_row(queries.step_row(run.id, step))
            conn.commit()
        cur.execute("ANALYZE")
        conn.commit()
    return time.perf_counter() - begun


def postgres_baseline(url: str, samples: int) -> float:
    """Bare psycopg: INSERT one row of a step's size and COMMIT, on the same server."""
    import psycopg

    payload = repr(queries.step_row("x" * 26, step_record(3)))
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS floor (id serial PRIMARY KEY, payload text)")
        conn.commit()

        def insert() -> None:
            conn.execute("INSERT INTO floor (payload) VALUES (%s)", (payload,))
            conn.commit()

        return timed(insert, samples)


def throwaway_cluster() -> tuple[str, Callable[[], None]]:
    """A PostgreSQL cluster of the tests' kind (tests/support/postgres.py), and its stop."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.support.postgres import Cluster, available

    missing = available()
    if missing:
        raise SystemExit(f"no --postgres URL and no local cluster: {missing}")
    cluster = Cluster.create()
    cluster.start()
    return cluster.create_database("bench"), cluster.remove


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runbooks", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="an empty PostgreSQL database to fill [default: a throwaway local cluster]",
    )
    parser.add_argument("--sqlite-only", action="store_true", help="leave PostgreSQL out")
    args = parser.parse_args()
    random.seed(5)
    total = args.runbooks * args.runs
    print(
        f"stores: {args.runbooks} runbooks x {args.runs} runs x {args.steps} steps ({total} runs)"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.sqlite"
        print(f"  SQLite filled in {fill(path, args.runbooks, args.runs, args.steps):.1f} s")
        size = path.stat().st_size
        print(
            f"  SQLite size {size / 1e6:.1f} MB, {size / total:.0f} bytes a run "
            f"({len(OUTPUT) + 5} bytes of stdout a step)"
        )
        lite = {**sqlite_baselines(path, args.runbooks, args.samples)}
        lite.update(measure(str(path), args.runbooks, args.samples))
    pg: dict[str, float] = {}
    if not args.sqlite_only:
        url, stop = (args.postgres, lambda: None) if args.postgres else throwaway_cluster()
        try:
            took = fill_postgres(url, args.runbooks, args.runs, args.steps)
            print(f"  PostgreSQL filled in {took:.1f} s")
            pg = {"baseline insert": postgres_baseline(url, args.samples)}
            pg.update(measure(url, args.runbooks, args.samples))
        finally:
            stop()
    report(lite, pg)


def report(lite: dict[str, float], pg: dict[str, float]) -> None:
    """Both backends side by side, each figure also as a ratio to its baseline."""
    ms = 1000
    print(
        f"baselines: SQLite bare INSERT+COMMIT {lite['baseline insert'] * ms:.3f} ms, "
        f"bare SELECT of 20 runs {lite['baseline select'] * ms:.3f} ms"
        + (f"; psycopg bare INSERT+COMMIT {pg['baseline insert'] * ms:.3f} ms" if pg else "")
    )
    print(f"{'median':<32} {'SQLite':>22}" + (f" {'PostgreSQL':>22}" if pg else ""))
    for name, base in (
        ("record_step", "baseline insert"),
        ("recorder, masking included", "baseline insert"),
    ):
        line = f"{name:<32} {lite[name] * ms:8.3f} ms ({lite[name] / lite[base]:4.1f}x floor)"
        if pg:
            line += f" {pg[name] * ms:8.3f} ms ({pg[name] / pg[base]:4.1f}x floor)"
        print(line)
    name = "list_runs(runbook, limit=20)"
    line = (
        f"{name:<32} {lite[name] * ms:8.3f} ms ({lite[name] / lite['baseline select']:4.1f}x bare)"
    )
    if pg:
        line += f" {pg[name] * ms:8.3f} ms ({pg[name] / lite[name]:4.1f}x SQLite)"
    print(line)
    print("goals: PostgreSQL record_step <= 1.5x its floor; its last-20 query <= 2x SQLite's")
    for label, figures in (("SQLite", lite), ("PostgreSQL", pg)):
        if figures:
            print(
                f"{label} runs_by_runbook(20) over every runbook: "
                f"{figures['runs_by_runbook(20), all runbooks']:.2f} s for "
                f"{int(figures['runs loaded by runs_by_runbook'])} runs with their steps"
            )


if __name__ == "__main__":
    main()
