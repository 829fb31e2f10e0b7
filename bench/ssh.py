"""Benchmark of remote steps: a generated 20-step section against a real sshd on loopback.

Prints runbookkit's wall time for the section (one Fabric connection, TCP_NODELAY) and its ratio
to the same 20 commands run as the runbook's raw bash does (20 separate ``ssh`` processes; goal:
runbookkit >= 5x faster) and to OpenSSH multiplexing (one ControlMaster, 20 ``ssh`` clients;
goal: runbookkit <= 1.3x of it). Also the per-step overhead of a local step against invoke's
bare ``Context.run``. Every figure is the median of several rounds measured in this run, all
against the same login (a clean HOME, so no shell start-up files weigh on one method only).

    .venv/bin/python bench/ssh.py [--steps 20] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runbookkit.execute.runner import RunOptions, run
from runbookkit.execute.ssh import SshOptions
from runbookkit.parsing import parse_file
from tests.support.sshd import Keys, client_files, start_sshd


def section(directory: Path, steps: int, remote: bool) -> Path:
    """A runbook whose Fix section has ``steps`` trivial steps (remote or local)."""
    lines = []
    for n in range(1, steps + 1):
        command = f'ssh root@target "echo step {n}"' if remote else f"echo step {n}"
        lines.append(f"# Step {n}: Step {n}\n{command}\n# Expected: step {n}\n")
    path = directory / ("remote.md" if remote else "local.md")
    path.write_text("# Bench\n\n## Fix\n\n```bash\n" + "\n".join(lines) + "```\n")
    return path


def median_time(action: Callable[[], object], rounds: int) -> float:
    """Median wall time of ``action`` over ``rounds`` (after one warm-up)."""
    action()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def plain_ssh(config: Path, steps: int) -> None:
    """The raw runbook: one ssh process per command."""
    for n in range(1, steps + 1):
        subprocess.run(
            ["ssh", "-F", str(config), "target", f"echo step {n}"], check=True, capture_output=True
        )


def control_master(config: Path, steps: int, socket: Path) -> None:
    """One ControlMaster started, ``steps`` clients through it, the master stopped."""
    base = ["ssh", "-F", str(config), "-o", f"ControlPath={socket}"]
    subprocess.run(
        [*base, "-o", "ControlMaster=yes", "-o", "ControlPersist=yes", "-fN", "target"],
        check=True,
        capture_output=True,
    )
    try:
        for n in range(1, steps + 1):
            subprocess.run([*base, "target", f"echo step {n}"], check=True, capture_output=True)
    finally:
        subprocess.run([*base, "-O", "exit", "target"], capture_output=True)


def runbookkit_run(path: Path, config: Path) -> None:
    """The section through runbookkit's Python API (no terminal view)."""
    outcome = run(parse_file(path), "fix", RunOptions(ssh=SshOptions(ssh_config=config)))
    assert outcome.exit_code == 0, outcome.error


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        server = start_sshd(directory / "sshd", Keys.generate(directory / "keys"))
        try:
            files = client_files(server, directory / "client", ["target"])
            measure(directory, files.ssh_config, args.steps, args.rounds)
        finally:
            server.stop()


def measure(directory: Path, config: Path, steps: int, rounds: int) -> None:
    """Measure every method and print the figures."""
    remote = section(directory, steps, remote=True)
    rbk = median_time(lambda: runbookkit_run(remote, config), rounds)
    cli = median_time(
        lambda: subprocess.run(
            [
                sys.executable,
                "-m",
                "runbookkit",
                "run",
                str(remote),
                "-s",
                "fix",
                "--quiet",
                "--ssh-config",
                str(config),
                "--history",
                str(directory / "history.sqlite"),
            ],
            check=True,
            capture_output=True,
        ),
        rounds,
    )
    raw = median_time(lambda: plain_ssh(config, steps), rounds)
    master = median_time(lambda: control_master(config, steps, directory / "cm.sock"), rounds)
    print(f"{steps}-step remote section on loopback sshd (median of {rounds} rounds)")
    per_step = rbk / steps * 1000
    print(f"  runbookkit (API, one connection):   {rbk * 1000:8.1f} ms  ({per_step:.1f} ms/step)")
    print(f"  runbookkit run (CLI, whole process): {cli * 1000:7.1f} ms")
    print(f"  {steps} separate ssh processes:       {raw * 1000:8.1f} ms")
    print(f"  ssh ControlMaster + {steps} clients:  {master * 1000:8.1f} ms")
    print(f"  speed-up over separate ssh:   {raw / rbk:5.1f}x   (goal >= 5x)")
    print(f"  ratio to ControlMaster:       {rbk / master:5.2f}x   (goal <= 1.3x)")
    print(f"  CLI speed-up over separate ssh: {raw / cli:5.1f}x")
    local_overhead(directory, steps, rounds)


def local_overhead(directory: Path, steps: int, rounds: int) -> None:
    """Per-step cost of a local runbookkit step against invoke's bare Context.run."""
    from invoke import Context

    local = parse_file(section(directory, steps, remote=False))
    context = Context()
    bare = median_time(
        lambda: [context.run(f"echo step {n}", hide=True, in_stream=False) for n in range(steps)],
        rounds,
    )
    rbk = median_time(lambda: run(local, "fix"), rounds)
    per_bare, per_rbk = bare / steps * 1000, rbk / steps * 1000
    print(
        f"local step: runbookkit {per_rbk:.2f} ms/step, invoke Context.run {per_bare:.2f} ms/step"
    )
    print(f"  overhead {per_rbk - per_bare:+.2f} ms/step, ratio {per_rbk / per_bare:.2f}x")


if __name__ == "__main__":
    main()
