"""Build time of the docs site: the plugin's history and catalog against the same pages without.

Generates N runbooks with RUNS recorded runs each (5 steps per run) in a temporary directory,
then times real ``mkdocs build`` runs, each in a fresh process:

- plain: a plain build of the same runbook files as ordinary pages, without the plugin;
- baseline: the plugin with no history store and no catalog (the same runbook pages);
- full: the plugin with the history (run history tables and a runs page per runbook) and catalog,
  its cache warm (a rebuild: ``mkdocs serve``, or a CI job that keeps the cache directory);
- first: the same full build with nothing kept (a fresh checkout, or every runbook edited).

Each build of a round runs once before the timed rounds (the plugin's cache and the system's
file cache warm alike), then the rounds interleave the four builds. Prints the ratios to the
plain build at 500 runbooks (goal ≤ 1.25×) and the times at 10, 100 and 500 runbooks. Usage:
``python bench/docs.py [--theme material|mkdocs] [--repeat 3] [--dir DIR] [--sizes 10,100,500]``
(the sites are built under DIR, the working directory by default: a slow file system, as some
temporary directories are, weighs on the runs pages).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from runbookkit.execute.events import RunStatus, StepStatus
from runbookkit.history import RunRecord, StepRecord, open_store

SEVERITIES = ["critical", "high", "medium", "low", "info"]
SIZES = (10, 100, 500)
RUNS = 50


def runbook_text(index: int) -> str:
    """A runbook in the seed's shape: header lines, Symptoms, Diagnosis, Fix, footer."""
    review = dt.date(2025, 1, 1) + dt.timedelta(days=7 * index % 900)
    return f"""# Service {index} is down - Runbook

**Pattern:** `(?i)service-{index}.*(refused|timeout)`
**Severity:** {SEVERITIES[index % 5].capitalize()}
**MTTR Target:** 5-10 minutes
**Last Updated:** 2025-11-24

## Symptoms

- Error message contains: `service-{index} refused`

**Examples:**
```
ERROR service-{index} refused connection on port {8000 + index}
```

## Diagnosis

```bash
# Step 1: Check the service
systemctl status service-{index}

# Step 2: Check the port
ss -ltn | grep {8000 + index}
```

## Fix

```bash
# Step 1: Restart the service
systemctl restart service-{index}

# Step 2: Check it answers
curl -fsS http://127.0.0.1:{8000 + index}/health
# Expected: ok

# Step 3: Check the logs
journalctl -u service-{index} -n 20
```

---

**Author:** Ops team
**Next Review:** {review.isoformat()}
"""


def make_runs(runbook_id: str, sha256: str, count: int) -> list[RunRecord]:
    """``count`` finished runs of one runbook, one an hour, newest last, 5 steps each."""
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=count + 1)
    runs = []
    for number in range(count):
        failed = number % 7 == 3
        began = start + dt.timedelta(hours=number)
        steps = [
            StepRecord(
                seq=step,
                number=step,
                title=f"Step {step} of {runbook_id}",
                target="ops@10.0.0.5:22",
                commands=[f"systemctl status {runbook_id} --lines {step}"],
                status=StepStatus.failed if failed and step == 5 else StepStatus.passed,
                exit_code=3 if failed and step == 5 else 0,
                duration=0.05 * step,
                expected="active" if step == 2 else None,
                matched=True if step == 2 else None,
                stdout=f"line {step}: {runbook_id} is active (running)\n" * 8,
            )
            for step in range(1, 6)
        ]
        runs.append(
            RunRecord(
                id=f"{number:04d}{hashlib.sha1(f'{runbook_id}{number}'.encode()).hexdigest()[:22]}",
                runbook_id=runbook_id,
                runbook_title=f"{runbook_id} is down",
                runbook_sha256=sha256 if number > 10 else "0" * 64,
                section="fix" if number % 2 else "diagnosis",
                operator="ops@bastion",
                targets=["ops@10.0.0.5:22"],
                version="0.1.0",
                started_at=began,
                finished_at=began + dt.timedelta(seconds=0.75),
                status=RunStatus.failed if failed else RunStatus.passed,
                exit_code=1 if failed else 0,
                failed_step=5 if failed else None,
                steps=steps,
            )
        )
    return runs


def make_site(root: Path, count: int, runs: int) -> tuple[Path, Path]:
    """Write ``count`` runbooks, their history and two mkdocs.yml (baseline and full)."""
    books = root / "runbooks"
    books.mkdir(parents=True)
    (root / "docs").mkdir()
    (root / "docs" / "index.md").write_text("# Runbooks\n", encoding="utf-8")
    store = open_store(root / "history.sqlite", readonly=False)
    for index in range(count):
        text = runbook_text(index)
        (books / f"service-{index}.md").write_text(text, encoding="utf-8")
        sha256 = hashlib.sha256(text.encode()).hexdigest()
        store.import_runs(make_runs(f"service-{index}", sha256, runs))
    store.close()
    return root / "history.sqlite", books


def write_config(root: Path, name: str, theme: str, plugin: dict[str, object] | None) -> Path:
    """A mkdocs.yml building ``root``'s docs and runbooks into ``site-NAME``.

    With ``plugin`` None, a plain build: the runbooks are copied among the docs as ordinary
    pages (Material's Google Fonts off, as the plugin turns them off).
    """
    docs = "docs"
    plugins: list[object] = [{"runbookkit": {"runbooks_dir": "runbooks", **(plugin or {})}}]
    theme_config: dict[str, object] = {"name": theme}
    if plugin is None:
        docs, plugins = "docs-plain", []
        shutil.copytree(root / "docs", root / docs)
        shutil.copytree(root / "runbooks", root / docs / "runbooks")
        theme_config["font"] = False
    config = {
        "site_name": "Bench",
        "docs_dir": docs,
        "site_dir": f"site-{name}",
        "theme": theme_config,
        "markdown_extensions": ["admonition", "tables"],
        "plugins": plugins,
    }
    path = root / f"mkdocs-{name}.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


_BUILD = """
import logging, sys, time
from mkdocs.commands.build import build
from mkdocs.config import load_config
logging.getLogger("mkdocs").setLevel(logging.ERROR)
config = load_config(sys.argv[1])
began = time.perf_counter()
build(config)
print(time.perf_counter() - began)
"""


def build_time(config: Path, cache: Path) -> float:
    """Seconds of one real ``mkdocs build`` of ``config``, in a fresh process that keeps what
    it keeps in ``cache``."""
    env = {**os.environ, "RUNBOOKKIT_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", _BUILD, str(config)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if done.returncode != 0:
        raise SystemExit(f"mkdocs build of {config} failed:\n{done.stderr}")
    return float(done.stdout.strip().splitlines()[-1])


def file_cost(directory: Path, count: int = 1000) -> float:
    """Milliseconds to create one small file in ``directory`` (file systems differ a lot)."""
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        began = time.perf_counter()
        for index in range(count):
            (Path(tmp) / f"{index}.html").write_text("x" * 12_000, encoding="utf-8")
        return (time.perf_counter() - began) / count * 1000


def measure(count: int, theme: str, repeat: int, where: Path) -> tuple[list[float], int]:
    """Median plain, baseline, full and first build times for ``count`` runbooks, and the
    runs/ files made (the builds interleaved, so load weighs on each alike)."""
    with tempfile.TemporaryDirectory(dir=where) as tmp:
        root = Path(tmp)
        history, _ = make_site(root, count, RUNS)
        plain = write_config(root, "plain", theme, None)
        base = write_config(root, "base", theme, {"history": "missing.sqlite"})
        full = write_config(root, "full", theme, {"history": str(history), "catalog": "catalog.md"})
        cache = root / "cache"
        builds = [(plain, cache), (base, cache), (full, cache)]
        for config, kept in builds:  # warm-up: the caches, and the system's file cache
            build_time(config, kept)
        times: list[list[float]] = [[] for _ in range(len(builds) + 1)]
        for round_ in range(repeat):
            empty = root / f"cache-{round_}"  # nothing kept
            for index, (config, kept) in enumerate([*builds, (full, empty)]):
                times[index].append(build_time(config, kept))
        files = len(list((root / "site-full" / "runs").glob("*")))
        return [statistics.median(found) for found in times], files


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--theme", default="material", choices=["material", "mkdocs"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path.cwd(), help="where to build the sites")
    parser.add_argument(
        "--sizes",
        type=lambda text: tuple(int(n) for n in text.split(",")),
        default=SIZES,
        help="runbook counts to measure, the last one judged against the goal",
    )
    args = parser.parse_args()
    print(f"theme {args.theme}, {RUNS} runs per runbook, median of {args.repeat} builds")
    print(f"sites built in {args.dir}: {file_cost(args.dir):.3f} ms to create a file there")
    print(
        f"{'runbooks':>8}  {'plain':>7}  {'baseline':>9}  {'full':>7}  {'first':>7}  "
        f"{'full/plain':>10}  {'first/plain':>11}  {'full/base':>9}  runs/ files"
    )
    ratios = {}
    for count in args.sizes:
        (plain, base, full, first), files = measure(
            count, args.theme, args.repeat, args.dir.resolve()
        )
        ratios[count] = (full / plain, first / plain)
        print(
            f"{count:>8}  {plain:>6.2f}s  {base:>8.2f}s  {full:>6.2f}s  {first:>6.2f}s  "
            f"{full / plain:>9.2f}×  {first / plain:>10.2f}×  {full / base:>8.2f}×  {files}"
        )
    last = args.sizes[-1]
    by_plain, first_by_plain = ratios[last]
    print(
        f"at {last} runbooks: {by_plain:.2f}× a plain build as a rebuild, {first_by_plain:.2f}× "
        "with nothing kept (goal ≤ 1.25×)"
    )


if __name__ == "__main__":
    main()
