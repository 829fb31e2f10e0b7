"""Lint 1,000 generated runbooks and compare with parsing the same corpus.

Run: ``.venv/bin/python bench/lint.py [COUNT]``. The runbooks are variations of
runbooks/redis-connection-refused.md (same size): other services, ports, hosts, step titles,
dates, and a share of them with damaged text, secrets, unmarked destructive steps or a Pattern
that misses its example, so every rule has work to do. Figures are printed as ratios against
parse-only (read + parse each file, one process) measured in the same run.
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


def lint_serial(paths: list[Path]) -> None:
    from runbookkit.lint import Options, lint_paths

    lint_paths(paths, Options(), jobs=1)


def lint_cli(directory: Path) -> None:
    command = [sys.executable, "-m", "runbookkit", "lint", str(directory)]
    subprocess.run(command, capture_output=True, check=False)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        paths = corpus(directory, count)
        size = sum(p.stat().st_size for p in paths) / count
        parse_only(paths[:20])  # warm imports and caches for both in-process runs
        lint_serial(paths[:20])
        baseline = min(timed(parse_only, paths) for _ in range(3))
        serial = min(timed(lint_serial, paths) for _ in range(3))
        cli = min(timed(lint_cli, directory) for _ in range(3))
    load = os.getloadavg()[0]
    print(f"{count} runbooks of {size / 1024:.1f} KB each, best of 3, load average {load:.1f}")
    print(f"{'':32} {'wall':>8} {'ratio':>7} {'cpu':>8} {'ratio':>7}")
    for label, (wall, cpu) in [
        ("parse-only, one process", baseline),
        ("lint in-process, one process", serial),
        ("runbookkit lint DIR (CLI, pool)", cli),
    ]:
        print(
            f"{label:32} {wall:7.2f}s {wall / baseline[0]:6.2f}x "
            f"{cpu:7.2f}s {cpu / baseline[1]:6.2f}x"
        )


if __name__ == "__main__":
    main()
