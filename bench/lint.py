"""Lint 1,000 generated runbooks and compare with parsing the same corpus.

Run: ``.venv/bin/python bench/lint.py [COUNT]``. The runbooks are variations of
runbooks/redis-connection-refused.md (same size): other services, ports, hosts, step titles,
dates, and a share of them with damaged text, secrets, unmarked destructive steps or a Pattern
that misses its example, so every rule has work to do. Figures are CPU per file, as ratios
against parse-only (read + parse + validate each file, one process) measured in the same run;
`runbookkit lint FILE` (a whole process, as pre-commit runs it) is compared with
`runbookkit parse FILE`. ShellCheck's cost is its own line: lint with it minus lint without.
The package's bytecode is compiled first, so that no whole process pays for compiling it (the
machine may set PYTHONDONTWRITEBYTECODE).
"""

from __future__ import annotations

import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from startup import compile_bytecode  # bench/startup.py, beside this file

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = (ROOT / "runbooks" / "redis-connection-refused.md").read_text(encoding="utf-8")
SERVICES = [
    ("Redis", "redis-server", 6379),
    ("Postgres", "postgresql", 5432),
    ("RabbitMQ", "rabbitmq-server", 5672),
    ("Memcached", "memcached", 11211),
    ("Elasticsearch", "elasticsearch", 9200),
    ("MySQL", "mysql", 3306),
]


def generate(index: int, rng: random.Random) -> str:
    """One runbook: the template with another service, host, dates and some defects."""
    name, unit, port = rng.choice(SERVICES)
    host = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    text = (
        TEMPLATE.replace("Redis", name)
        .replace("redis-server", unit)
        .replace("6379", str(port))
        .replace("46.149.70.219", host)
        .replace("2025-11-24", f"2026-{rng.randrange(1, 12):02d}-{rng.randrange(1, 28):02d}")
        .replace("2025-12-24", f"2027-{rng.randrange(1, 12):02d}-{rng.randrange(1, 28):02d}")
        .replace("Check Redis", f"Check {name} #{index}")
    )
    roll = rng.random()
    if roll < 0.1:
        text = text.replace("## 📋 Symptoms", "## ðŸ“‹ Symptoms")
    elif roll < 0.2:
        text = text.replace('"redis-cli ping"', '"redis-cli -a hunter2 ping"')
    elif roll < 0.3:
        text = text.replace("(WARNING: loses all cache)", "")
    elif roll < 0.4:
        text = text.replace("**Pattern:** `(?i)", "**Pattern:** `")
    return text


def corpus(directory: Path, count: int) -> list[Path]:
    """Write ``count`` generated runbooks into ``directory``."""
    rng = random.Random(20261126)
    paths = []
    for index in range(count):
        path = directory / f"runbook-{index:04d}.md"
        path.write_text(generate(index, rng), encoding="utf-8")
        paths.append(path)
    return paths


def timed(func: object, *args: object) -> tuple[float, float]:
    """Wall seconds and CPU seconds (this process and its children) of one call."""
    before = _cpu()
    start = time.perf_counter()
    func(*args)  # type: ignore[operator]
    return time.perf_counter() - start, _cpu() - before


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def parse_only(paths: list[Path]) -> None:
    from runbookkit.parsing import parse_file

    for path in paths:
        parse_file(path)


def lint_serial(paths: list[Path], shellcheck: bool = False) -> None:
    from runbookkit.lint import LintOptions, lint_paths

    lint_paths(paths, LintOptions(shellcheck=shellcheck), jobs=1)


def lint_shellcheck(paths: list[Path]) -> None:
    lint_serial(paths, True)


def run_cli(*args: str) -> None:
    command = [sys.executable, "-m", "runbookkit", *args]
    subprocess.run(command, capture_output=True, check=False, cwd=ROOT)


def lint_cli(directory: Path) -> None:
    run_cli("lint", "--no-shellcheck", str(directory))


def per_file(func: object, paths: list[Path], *args: str) -> None:
    for path in paths:
        func(*args, str(path))  # type: ignore[operator]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    compile_bytecode()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        paths = corpus(directory, count)
        size = sum(p.stat().st_size for p in paths) / count
        parse_only(paths[:20])  # warm imports and caches for both in-process runs
        lint_serial(paths[:20])
        baseline = min(timed(parse_only, paths) for _ in range(3))
        serial = min(timed(lint_serial, paths) for _ in range(3))
        checked = min(timed(lint_shellcheck, paths) for _ in range(3))
        cli = min(timed(lint_cli, directory) for _ in range(3))
        few = paths[:10]  # whole processes: start-up is the cost, ten files are enough
        parse_one = min(timed(per_file, run_cli, few, "parse") for _ in range(3))
        lint_one = min(timed(per_file, run_cli, few, "lint", "--no-shellcheck") for _ in range(3))
    load = os.getloadavg()[0]
    print(f"{count} runbooks of {size / 1024:.1f} KB each, best of 3, load average {load:.1f}")
    print("CPU per file; ratios against parse-only (in-process) or `runbookkit parse FILE`")
    print(f"{'':40} {'wall/file':>10} {'cpu/file':>10} {'ratio':>7}")
    rows = [
        ("parse-only, in-process", baseline, count, baseline),
        ("lint in-process (ShellCheck off)", serial, count, baseline),
        ("runbookkit lint DIR (CLI, pool, off)", cli, count, baseline),
        (
            "ShellCheck alone (lint on - lint off)",
            (checked[0] - serial[0], checked[1] - serial[1]),
            count,
            baseline,
        ),
        ("runbookkit parse FILE (whole process)", parse_one, len(few), parse_one),
        ("runbookkit lint FILE (whole process)", lint_one, len(few), parse_one),
    ]
    for label, (wall, cpu), files, (_, base_cpu) in rows:
        base_files = count if base_cpu is baseline[1] else len(few)
        ratio = (cpu / files) / (base_cpu / base_files)
        print(f"{label:40} {wall / files * 1000:8.2f}ms {cpu / files * 1000:8.2f}ms {ratio:6.2f}x")
    print(
        "goals (ShellCheck off): lint in-process <= 1.5x parse-only, lint FILE <= 1.3x parse FILE"
    )


if __name__ == "__main__":
    main()
