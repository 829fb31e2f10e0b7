"""Whole-process start-up of every command, against ``python -c "import markdown_it, pydantic"``.

Run: ``.venv/bin/python bench/startup.py [--runs N]``. Each command runs as a whole process
(``python -m runbookkit …``) from the project root, on runbooks/redis-connection-refused.md, with
a match cache, a history store and a working copy of that runbook in a temporary directory, so
nothing outside it is read or written. The package's bytecode is compiled first (the machine may
set PYTHONDONTWRITEBYTECODE, and a cold ``.pyc`` would be timed as start-up). Before timing,
each command runs once to warm the match cache, the history store and the page cache.

Figures are the median wall time of N runs, interleaved (one run of every command, then the next
round), as a ratio to the baseline measured in the same rounds. Goals: ``--help`` and
``--version`` ≤ 0.5×; ``list``, ``parse``, ``show``, ``lint FILE``, ``match``, ``history``
≤ 1.3×; ``run --dry-run`` ≤ 1.5×.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNBOOK = ROOT / "runbooks" / "redis-connection-refused.md"
MESSAGE = "Error: connect ECONNREFUSED 10.0.0.7:6379"
BASELINE = ("import markdown_it, pydantic",)

# label → (arguments after `python -m runbookkit`, goal as a ratio to the baseline)
COMMANDS: dict[str, tuple[tuple[str, ...], float]] = {
    "--help": (("--help",), 0.5),
    "--version": (("--version",), 0.5),
    "list": (("list",), 1.3),
    "parse NAME": (("parse", "redis-connection-refused"), 1.3),
    "parse PATH": (("parse", "{copy}"), 1.3),
    "show": (("show", "redis-connection-refused", "--section", "diagnosis"), 1.3),
    "lint FILE": (("lint", "--no-shellcheck", "{copy}"), 1.3),
    "match TEXT": (("match", MESSAGE), 1.3),
    "history": (("history",), 1.3),
    "run --dry-run": (("run", "redis-connection-refused", "-s", "diagnosis", "--dry-run"), 1.5),
}


def compile_bytecode() -> None:
    """Write the package's ``.pyc`` files, so that start-up does not include compiling it."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "runbookkit")],
        check=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""},
    )


def once(argv: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one whole process."""
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:]
        raise SystemExit(f"{' '.join(argv[2:])}: exit {done.returncode}: {' '.join(tail)}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command (median)")
    args = parser.parse_args()
    compile_bytecode()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "handed-over.md"
        shutil.copyfile(RUNBOOK, copy)
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "RUNBOOKKIT_CACHE_DIR": str(Path(tmp) / "cache"),
            "RUNBOOKKIT_HISTORY": str(Path(tmp) / "history.sqlite"),
            "NO_COLOR": "1",
        }
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        argvs = {"baseline": [sys.executable, "-c", *BASELINE]}
        for label, (command, _) in COMMANDS.items():
            shown = [part.replace("{copy}", str(copy)) for part in command]
            argvs[label] = [sys.executable, "-m", "runbookkit", *shown]
        # The dry run records a run first, so `history` lists one; then warm everything once.
        once(argvs["run --dry-run"], env)
        for argv in argvs.values():
            once(argv, env)
        times: dict[str, list[float]] = {label: [] for label in argvs}
        load_before = os.getloadavg()[0]
        for _ in range(args.runs):
            for label, argv in argvs.items():
                times[label].append(once(argv, env))
        load_after = os.getloadavg()[0]
    base = statistics.median(times["baseline"])
    print(
        f"median of {args.runs} runs; load average {load_before:.1f} before, "
        f"{load_after:.1f} after; {os.cpu_count()} cores"
    )
    print(f"baseline `python -c {BASELINE[0]!r}`: {base * 1000:.0f} ms")
    print(f"{'command':16} {'median':>8} {'ratio':>7} {'goal':>7}")
    missed = []
    for label, (_, goal) in COMMANDS.items():
        median = statistics.median(times[label])
        ratio = median / base
        verdict = "ok" if ratio <= goal else "MISSED"
        if ratio > goal:
            missed.append(label)
        print(f"{label:16} {median * 1000:6.0f}ms {ratio:6.2f}x {goal:6.2f}x  {verdict}")
    print("all goals met" if not missed else f"goals missed: {', '.join(missed)}")


if __name__ == "__main__":
    main()
