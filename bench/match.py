"""Benchmark ``runbookkit match``: whole processes against grep, warm and cold, and a 1 GB log.

Generates 200 runbooks whose Patterns look like the redis runbook's (case-insensitive
alternations with ``.*``) and a 1,000,000-line log in which about 0.1% of lines match, then
measures, in the same run and on the same files:

- ``runbookkit match --count --file app.log`` (a whole process: start-up, loading the cached
  routes and Hyperscan database, scanning) against ``LC_ALL=C grep -E -i -c -f patterns.txt``;
- the same through a pipe (``cat app.log | runbookkit match - --count``) against grep on a pipe;
- the first run after a runbook changed (cold: that runbook parsed again, the Hyperscan database
  compiled again), and RE2 alone (``RUNBOOKKIT_MATCH_ENGINE=re2``) for reference;
- a naive Python loop trying each compiled ``re`` pattern on each line, timed on a sample and
  extrapolated, as it would take minutes on the whole log;
- with ``--big``: a log of about 1 GB (the log repeated, written and deleted here): time and
  peak memory (RSS) of ``--count --file`` on it against the 1 M-line log, to show that memory
  stays bounded (the file is mapped, not read in) and time scales linearly.

Goals: file ≥ 2× grep, stdin ≥ 1× grep, ≥ 100× the naive loop, start-up (one message, warm
cache) ≤ 1.3× ``python -c "import markdown_it, pydantic"``; with ``--big``, time per byte within
1.5× the small log's and peak memory under 200 MB.

    python bench/match.py [--lines N] [--mentions F] [--runs N] [--big] [--keep DIR]

``--mentions`` is the share of ordinary lines that name a service (a near miss for the patterns);
grep is fastest with none, which is the default.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SERVICES = (  # noqa: SIM905
    "redis postgres mysql kafka rabbitmq elasticsearch mongodb memcached nginx haproxy etcd "
    "consul vault zookeeper cassandra clickhouse minio keycloak grafana prometheus loki "
    "jaeger traefik envoy coredns kubelet containerd docker jenkins gitlab sentry celery "
    "sidekiq pgbouncer mariadb influxdb nats pulsar solr opensearch"
).split()
PORTS = [6379, 5432, 3306, 9092, 5672, 9200, 27017, 11211, 80, 8404, 2379, 8500, 8200, 2181]
PORTS += [9042, 8123, 9000, 8080, 3000, 9090, 3100, 16686, 8081, 9901, 53, 10250, 10010, 2375]
PORTS += [8082, 8929, 9001, 5555, 7433, 6432, 3307, 8086, 4222, 6650, 8983, 9201]
# One Pattern per (kind, service): 5 × 40 = 200, shaped like the redis runbook's.
KINDS = [
    (
        "connection-refused",
        "(?i)(ECONNREFUSED.*({s}|:{p})|{s}.*connection.*refused|{s}.*error|connect.*{p}.*(fail|refused))",
        "Error: connect ECONNREFUSED 10.0.0.7:{p} ({s})",
    ),
    (
        "timeout",
        "(?i)({s}.*(timed? ?out|timeout)|ETIMEDOUT.*:{p}|{s}.*deadline.*exceeded)",
        "{s} client: request timed out after 5000ms",
    ),
    (
        "out-of-memory",
        "(?i)({s}.*(out of memory|oom|cannot allocate)|oom.?kill.*{s})",
        "kernel: Out of memory: oom-kill process {s}",
    ),
    (
        "certificate",
        "(?i)({s}.*(certificate|tls|ssl).*(expired|invalid|verify)|x509.*{s})",
        "{s}: TLS handshake failed: certificate has expired",
    ),
    (
        "disk-full",
        "(?i)({s}.*(disk|no space|quota).*(full|left|exceeded)|ENOSPC.*{s})",
        "{s} write failed: No space left on device (disk full)",
    ),
]
SEVERITIES = ["Critical", "High", "Medium", "Low"]
WORDS = (  # noqa: SIM905
    "request handled user session cache hit miss ratio queue depth worker started stopped "
    "job scheduled completed latency p99 bytes sent received upstream healthy ready pool "
    "size idle active commit offset partition leader replica snapshot compaction flush index "
    "shard query rows fetched"
).split()


def patterns() -> list[tuple[str, str, str]]:
    """(runbook id, Pattern, example error) for the 200 runbooks."""
    return [
        (f"{service}-{kind}", pattern.format(s=service, p=port), example.format(s=service, p=port))
        for kind, pattern, example in KINDS
        for service, port in zip(SERVICES, PORTS, strict=True)
    ]


def write_runbooks(directory: Path) -> None:
    """One Markdown runbook per Pattern, with a Symptoms example and a Fix step."""
    directory.mkdir(parents=True)
    for number, (name, pattern, example) in enumerate(patterns()):
        (directory / f"{name}.md").write_text(
            f"# {name.replace('-', ' ').title()}\n\n"
            f"**Pattern:** `{pattern}`\n"
            f"**Severity:** {SEVERITIES[number % len(SERVICES) % 4]}\n"
            f"**MTTR Target:** {5 + number % 10}-{10 + number % 10} minutes\n\n"
            f"## Symptoms\n\n**Examples:**\n```\n{example}\n```\n\n"
            f"## Fix\n\n```bash\nsystemctl restart {name.split('-')[0]}\n```\n",
            encoding="utf-8",
        )


def write_log(path: Path, lines: int, rate: float, mentions: float, seed: int = 7) -> None:
    """A log of ``lines`` lines, ``rate`` of them errors that some runbook answers."""
    rnd = random.Random(seed)
    examples = [example for _, _, example in patterns()]
    with path.open("w", encoding="utf-8") as out:
        for i in range(lines):
            stamp = f"2026-11-26T06:{i // 60000 % 60:02d}:{i // 1000 % 60:02d}.{i % 1000:03d}Z"
            if rnd.random() < rate:
                out.write(f"{stamp} ERROR [svc-{rnd.randrange(40)}] {rnd.choice(examples)}\n")
                continue
            tag = rnd.choice(SERVICES) if rnd.random() < mentions else "app"
            words = " ".join(rnd.choices(WORDS, k=8))
            out.write(
                f"{stamp} INFO  [{tag}-{rnd.randrange(64)}] {words} "
                f"id={rnd.getrandbits(48):012x} {rnd.randrange(1000)}ms\n"
            )


def best_of(runs: int, command: str, env: dict[str, str]) -> tuple[float, float, str]:
    """The fastest wall time and CPU time (user + sys, every process) of a shell line, its output.

    CPU time is reported too because on a busy machine wall time mostly measures the others.
    """
    best, cpu, output = float("inf"), float("inf"), ""
    for _ in range(runs):
        elapsed, used, output, _ = measure(["sh", "-c", command], env)
        best, cpu = min(best, elapsed), min(cpu, used)
    return best, cpu, output


def measure(argv: list[str], env: dict[str, str]) -> tuple[float, float, str, int]:
    """Wall time, CPU time, output and peak RSS in MB of one process (and its children)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(argv, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        output, problem = out.read().decode(), err.read().decode(errors="replace")
    if child.returncode not in (0, 1):
        sys.exit(f"failed: {' '.join(argv)}\n{problem}")
    return elapsed, usage.ru_utime + usage.ru_stime, output, usage.ru_maxrss // 1024


def naive_rate(log: Path, sample: int) -> tuple[float, int]:
    """Lines/s of trying each compiled ``re`` pattern on each line, over the first lines."""
    compiled = [re.compile(pattern) for _, pattern, _ in patterns()]
    with log.open(encoding="utf-8") as handle:
        lines = [next(handle) for _ in range(sample)]
    started = time.perf_counter()
    matched = 0
    for line in lines:
        hits = [p for p in compiled if p.search(line)]
        matched += bool(hits)
    return sample / (time.perf_counter() - started), matched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--mentions", type=float, default=0.0)
    parser.add_argument("--sample", type=int, default=20_000, help="lines for the naive loop")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--big", action="store_true", help="also a 1 GB log (needs 1 GB of disk)")
    parser.add_argument("--keep", type=Path, help="write the data here and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="rbk-match-bench-"))
    try:
        run(args, work)
    finally:
        if args.keep is None:
            shutil.rmtree(work)
        (work / "big.log").unlink(missing_ok=True)


def run(args: argparse.Namespace, work: Path) -> None:
    """Generate the data in ``work`` and print every figure."""
    runbooks, log, grep_patterns = work / "runbooks", work / "app.log", work / "patterns.txt"
    if not log.exists():
        write_runbooks(runbooks)
        write_log(log, args.lines, 0.001, args.mentions)
        # grep has no inline flags: every Pattern is (?i), so grep gets -i instead.
        grep_patterns.write_text("".join(p.removeprefix("(?i)") + "\n" for _, p, _ in patterns()))
    lines = sum(1 for _ in log.open("rb"))
    size = log.stat().st_size
    print(
        f"log: {lines:,} lines, {size / 1e6:.0f} MB; 200 runbooks; {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}; best of {args.runs}"
    )
    exe = shutil.which("runbookkit", path=str(Path(sys.executable).parent)) or "runbookkit"
    cache = work / "cache"
    env = {**os.environ, "NO_COLOR": "1", "RUNBOOKKIT_CACHE_DIR": str(cache)}
    rbk = f"{exe} match --runbooks-dir {runbooks} --count"
    grep_env = {**env, "LC_ALL": "C"}  # grep's fastest locale; UTF-8 locales make -i slower
    grep = f"grep -E -i -c -f {grep_patterns}"
    engine = subprocess.run(
        [*rbk.split(), "--verbose", "x"], env=env, capture_output=True, text=True
    ).stderr.splitlines()
    print("; ".join(line for line in engine if line.startswith("engine:")))

    rows = []
    for name, ours, theirs in (
        ("file", f"{rbk} --file {log}", f"{grep} {log}"),
        ("stdin", f"cat {log} | {rbk} -", f"cat {log} | {grep}"),
    ):
        best_of(1, ours, env)  # fills the caches, as any earlier run would have
        t_ours, c_ours, out = best_of(args.runs, ours, env)
        t_grep, c_grep, grep_out = best_of(args.runs, theirs, grep_env)
        ours_count = int(out.splitlines()[-1].split()[0])
        if ours_count != int(grep_out):
            sys.exit(f"{name}: runbookkit matched {ours_count} lines, grep {grep_out.strip()}")
        rows.append((name, t_ours, t_grep, c_ours, c_grep, ours_count))
    cold = cold_run(runbooks, f"{rbk} --file {log}", env)
    t_start, c_start, _ = best_of(args.runs, f"{rbk} 'no error here'", env)
    t_base, c_base, _ = best_of(
        args.runs, f"{sys.executable} -c 'import markdown_it, pydantic'", env
    )
    t_re2, c_re2, _ = best_of(
        args.runs, f"{rbk} --file {log}", {**env, "RUNBOOKKIT_MATCH_ENGINE": "re2"}
    )
    naive, _ = naive_rate(log, min(args.sample, lines))

    print(f"matching lines: {rows[0][5]:,} (runbookkit and grep agree)")
    for name, t_ours, t_grep, c_ours, c_grep, _ in rows:
        print(
            f"{name:<6} runbookkit {lines / t_ours / 1e6:5.2f} M lines/s ({t_ours:.3f} s)  "
            f"grep {lines / t_grep / 1e6:5.2f} M lines/s ({t_grep:.3f} s)  "
            f"ratio {t_grep / t_ours:4.2f}x  |  CPU {c_ours:.3f} s vs {c_grep:.3f} s, "
            f"ratio {c_grep / c_ours:4.2f}x"
        )
    print(
        f"cold   (a runbook changed: parsed again, Hyperscan database compiled again) "
        f"{cold:.3f} s, ratio {rows[0][2] / cold:4.2f}x grep"
    )
    print(
        f"start  (one message, warm cache) {t_start:.3f} s, CPU {c_start:.3f} s; "
        f"python -c 'import markdown_it, pydantic' {t_base:.3f} s, CPU {c_base:.3f} s: "
        f"{t_start / t_base:4.2f}x"
    )
    print(
        f"re2    (RUNBOOKKIT_MATCH_ENGINE=re2, file) {t_re2:.3f} s, CPU {c_re2:.3f} s, "
        f"ratio {rows[0][2] / t_re2:4.2f}x grep"
    )
    file_rate = lines / rows[0][1]
    print(
        f"naive Python loop (each re pattern on each line): {naive / 1e3:.1f} k lines/s, "
        f"timed on {min(args.sample, lines):,} lines and extrapolated "
        f"({lines / naive:.0f} s for the whole log); runbookkit file ratio {file_rate / naive:.0f}x"
    )
    goals = [
        ("file >= 2x grep", rows[0][2] / rows[0][1] >= 2.0),
        ("stdin >= 1x grep", rows[1][2] / rows[1][1] >= 1.0),
        ("file >= 100x naive", file_rate / naive >= 100),
        ("start-up <= 1.3x import markdown_it, pydantic", t_start <= 1.3 * t_base),
    ]
    if args.big:
        goals += big_log(work, log, exe, runbooks, env, rows[0][5], t_start)
    print("(goals judged on wall time, as the lines/s figures are)")
    print("goals: " + ", ".join(f"{goal}: {'met' if ok else 'MISSED'}" for goal, ok in goals))


def cold_run(runbooks: Path, command: str, env: dict[str, str]) -> float:
    """Wall time of the first run after one runbook's Pattern changed (and back again)."""
    path = runbooks / "redis-timeout.md"
    original = path.read_text(encoding="utf-8")
    try:
        path.write_text(original.replace("deadline", "dead-line"), encoding="utf-8")
        return best_of(1, command, env)[0]
    finally:
        path.write_text(original, encoding="utf-8")
        best_of(1, command, env)


def big_log(
    work: Path,
    log: Path,
    exe: str,
    runbooks: Path,
    env: dict[str, str],
    matched: int,
    start: float,
) -> list[tuple[str, bool]]:
    """Time and peak memory of ``--count --file`` on about 1 GB (the log repeated) vs the log.

    Time per byte is compared without ``start``, the start-up of a process.
    """
    big = work / "big.log"
    copies = max(1, round(1e9 / log.stat().st_size))
    with big.open("wb") as out:
        for _ in range(copies):
            with log.open("rb") as part:
                shutil.copyfileobj(part, out, 16 << 20)
    try:
        argv = [exe, "match", "--runbooks-dir", str(runbooks), "--count", "--file"]
        t_small, _, _, rss_small = measure([*argv, str(log)], env)
        t_big, c_big, out, rss_big = measure([*argv, str(big)], env)
    finally:
        big.unlink()
    count = int(out.splitlines()[-1].split()[0])
    if count != matched * copies:
        sys.exit(f"big log: runbookkit matched {count} lines, expected {matched * copies}")
    scan_small, scan_big = max(t_small - start, 1e-3), max(t_big - start, 1e-3)
    per_byte = (scan_big / copies) / scan_small
    print(
        f"big    {copies * log.stat().st_size / 1e9:.2f} GB ({copies} copies): {t_big:.2f} s "
        f"(CPU {c_big:.2f} s), {count:,} lines matched; peak RSS {rss_big} MB vs {rss_small} MB "
        f"on the {log.stat().st_size / 1e6:.0f} MB log; time per byte {per_byte:.2f}x the "
        "small log's (start-up taken off both)"
    )
    return [("big: time per byte <= 1.5x", per_byte <= 1.5), ("big: RSS < 200 MB", rss_big < 200)]


if __name__ == "__main__":
    main()
