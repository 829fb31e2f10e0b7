"""Benchmark ``runbookkit match``: lines per second against grep and a naive Python loop.

Generates 200 runbooks whose Patterns look like the redis runbook's (case-insensitive
alternations with ``.*``) and a 1,000,000-line log in which about 0.1% of lines match, then
measures, in the same run and on the same files:

- ``runbookkit match --count --file app.log`` (a whole process: start-up, loading the runbooks,
  compiling, scanning) against ``grep -E -i -c -f patterns.txt app.log``;
- the same through a pipe (``cat app.log | runbookkit match - --count``) against grep on the pipe;
- a naive Python loop trying each compiled ``re`` pattern on each line, timed on a sample and
  extrapolated, as it would take minutes on the whole log.

Goals: ≥ 1.0× grep on the file, ≥ 100× the naive loop, ≥ 0.3× grep on stdin.

    python bench/match.py [--lines N] [--mentions F] [--keep DIR]

``--mentions`` is the share of ordinary lines that name a service (a near miss for the patterns);
grep is fastest with none, which is the default.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
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
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(command, shell=True, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode not in (0, 1):
            sys.exit(f"failed: {command}\n{done.stderr}")
        used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best, cpu, output = min(best, elapsed), min(cpu, used), done.stdout
    return best, cpu, output


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
    parser.add_argument("--keep", type=Path, help="write the data here and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="rbk-match-bench-"))
    try:
        run(args, work)
    finally:
        if args.keep is None:
            shutil.rmtree(work)


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
    env = {**os.environ, "NO_COLOR": "1"}
    rbk = f"{exe} match --runbooks-dir {runbooks} --count"
    grep_env = {**env, "LC_ALL": "C"}  # grep's fastest locale; UTF-8 locales make -i slower
    grep = f"grep -E -i -c -f {grep_patterns}"

    rows = []
    for name, ours, theirs in (
        ("file", f"{rbk} --file {log}", f"{grep} {log}"),
        ("stdin", f"cat {log} | {rbk} -", f"cat {log} | {grep}"),
    ):
        best_of(1, ours, env)  # fills the route cache, as any earlier run would have
        t_ours, c_ours, out = best_of(args.runs, ours, env)
        t_grep, c_grep, grep_out = best_of(args.runs, theirs, grep_env)
        ours_count = int(out.splitlines()[-1].split()[0])
        if ours_count != int(grep_out):
            sys.exit(f"{name}: runbookkit matched {ours_count} lines, grep {grep_out.strip()}")
        rows.append((name, t_ours, t_grep, c_ours, c_grep, ours_count))
    naive, _ = naive_rate(log, min(args.sample, lines))

    print(f"matching lines: {rows[0][5]:,} (runbookkit and grep agree)")
    for name, t_ours, t_grep, c_ours, c_grep, _ in rows:
        print(
            f"{name:<6} runbookkit {lines / t_ours / 1e6:5.2f} M lines/s ({t_ours:.3f} s)  "
            f"grep {lines / t_grep / 1e6:5.2f} M lines/s ({t_grep:.3f} s)  "
            f"ratio {t_grep / t_ours:4.2f}x  |  CPU {c_ours:.3f} s vs {c_grep:.3f} s, "
            f"ratio {c_grep / c_ours:4.2f}x"
        )
    file_rate = lines / rows[0][1]
    print(
        f"naive Python loop (each re pattern on each line): {naive / 1e3:.1f} k lines/s, "
        f"timed on {min(args.sample, lines):,} lines and extrapolated "
        f"({lines / naive:.0f} s for the whole log); runbookkit file ratio {file_rate / naive:.0f}x"
    )
    goals = [
        ("file >= 1.0x grep", rows[0][2] / rows[0][1] >= 1.0),
        ("file >= 100x naive", file_rate / naive >= 100),
        ("stdin >= 0.3x grep", rows[1][2] / rows[1][1] >= 0.3),
    ]
    print("(goals judged on wall time, as the lines/s figures are)")
    print("goals: " + ", ".join(f"{goal}: {'met' if ok else 'MISSED'}" for goal, ok in goals))


if __name__ == "__main__":
    main()
