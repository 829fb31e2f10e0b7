"""Whole-process start-up of every command, against ``python -c "import markdown_it, pydantic"``.

Run: ``.venv/bin/python bench/startup.py [--runs N]``. Each command runs as a whole process
through the ``runbookkit`` script installed beside the interpreter, as a person runs it (else
``python -m runbookkit``, which also pays for runpy), with this checkout first on PYTHONPATH,
from the project root, on runbooks/redis-connection-refused.md, with
a match cache, a history store and a working copy of that runbook in a temporary directory, so
nothing outside it is read or written. The package's bytecode is compiled first (the machine may
set PYTHONDONTWRITEBYTECODE, and a cold ``.pyc`` would be timed as start-up). Before timing,
each command runs once to warm the caches (parse trees, match routes), the history store and
the page cache. The commands that parse a runbook are also timed with nothing cached (``cold``
rows: the first run after a runbook changed), which the goals do not judge.

Figures are the median wall time and the median CPU time (user + system, which the other
processes on a shared machine disturb less) of N runs, interleaved (one run of every command,
then the next round), each as a ratio to the baseline measured in the same rounds. Goals:
``--help`` and ``--version`` ≤ 0.5×; ``list``, ``parse``, ``show``, ``lint FILE``, ``match``,
``history`` ≤ 1.3×; ``run --dry-run`` ≤ 1.5×.
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
# Commands that parse a runbook, timed again with an empty cache (the first run after the
# runbook changed, and every run where nothing is kept, as a fresh CI checkout): reported only.
COLD = ("list", "parse PATH", "show", "lint FILE", "run --dry-run")


def compile_bytecode() -> None:
    """Write the package's ``.pyc`` files, so that start-up does not include compiling it."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "runbookkit")],
        check=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""},
    )


def entry_point() -> list[str]:
    """How a person starts runbookkit: its console script, else ``python -m runbookkit``."""
    script = Path(sys.executable).with_name("runbookkit")
    return (
        [sys.executable, str(script)] if script.is_file() else [sys.executable, "-m", "runbookkit"]
    )


def once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one whole process."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        child = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode not in (0, 1):
            err.seek(0)
            tail = err.read().decode(errors="replace").strip().splitlines()[-1:]
            raise SystemExit(f"{' '.join(argv[2:])}: exit {child.returncode}: {' '.join(tail)}")
    return elapsed, usage.ru_utime + usage.ru_stime


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
            argvs[label] = [*entry_point(), *shown]
        # The dry run records a run first, so `history` lists one; then warm everything once.
        once(argvs["run --dry-run"], env)
        for argv in argvs.values():
            once(argv, env)
        times: dict[str, list[tuple[float, float]]] = {label: [] for label in argvs}
        times.update({f"{label} (cold)": [] for label in COLD})
        load_before = os.getloadavg()[0]
        for round_ in range(args.runs):
            for label, argv in argvs.items():
                times[label].append(once(argv, env))
            for label in COLD:
                empty = str(Path(tmp) / f"cold-{round_}-{label.split()[0]}")
                times[f"{label} (cold)"].append(
                    once(argvs[label], {**env, "RUNBOOKKIT_CACHE_DIR": empty})
                )
        load_after = os.getloadavg()[0]
    base_wall, base_cpu = medians(times["baseline"])
    print(
        f"median of {args.runs} runs; load average {load_before:.1f} before, "
        f"{load_after:.1f} after; {os.cpu_count()} cores; {' '.join(entry_point()[1:])}"
    )
    print(
        f"baseline `python -c {BASELINE[0]!r}`: {base_wall * 1000:.0f} ms wall, "
        f"{base_cpu * 1000:.0f} ms CPU"
    )
    print(f"{'command':16} {'wall':>7} {'ratio':>6} {'CPU':>7} {'ratio':>6} {'goal':>6}")
    missed = []
    for label, (_, goal) in COMMANDS.items():
        wall, cpu = medians(times[label])
        ratios = (wall / base_wall, cpu / base_cpu)
        verdict = " ".join("ok" if ratio <= goal else "MISSED" for ratio in ratios)
        if max(ratios) > goal:
            missed.append(label)
        print(
            f"{label:16} {wall * 1000:5.0f}ms {ratios[0]:5.2f}x {cpu * 1000:5.0f}ms "
            f"{ratios[1]:5.2f}x {goal:5.2f}x  {verdict}"
        )
    for label in COLD:
        wall, cpu = medians(times[f"{label} (cold)"])
        print(
            f"{label + ' (cold)':16} {wall * 1000:5.0f}ms {wall / base_wall:5.2f}x "
            f"{cpu * 1000:5.0f}ms {cpu / base_cpu:5.2f}x   (nothing cached: the runbook parsed)"
        )
    print("all goals met" if not missed else f"goals missed (wall or CPU): {', '.join(missed)}")


def medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
    """The median wall and the median CPU seconds."""
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


if __name__ == "__main__":
    main()
