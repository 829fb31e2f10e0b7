"""Benchmark of fleet runs: a 5-step section on 1, 5 and 20 real sshd hosts on loopback.

Prints the wall time of the section on 1, 5 and 20 hosts with ``--parallel 20``, the ratio of 20
hosts to 1 host (goal: <= 3x on a 2-core machine, where every sshd shares the cores with the
client) and the ratio of ``--serial`` to ``--parallel 20`` at 20 hosts (goal: parallel >= 4x
faster). Each figure is the median of several rounds measured in this run; every round opens
its connections afresh, as a real run does.

    .venv/bin/python bench/fleet.py [--rounds 3] [--steps 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runbookkit.execute.runner import RunOptions
from runbookkit.execute.ssh import SshOptions
from runbookkit.fleet.resolve import resolve
from runbookkit.fleet.run import FleetRunner
from runbookkit.fleet.strategy import Strategy
from runbookkit.parsing import parse_file
from runbookkit.plan import plan
from tests.support.fleet_servers import FleetServers, start_fleet
from tests.support.sshd import Keys


def section(directory: Path, steps: int) -> Path:
    """A runbook whose Fix section has ``steps`` small steps, each checking its output."""
    lines = [
        f"# Step {n}: Step {n}\necho step {n}\n# Expected: step {n}\n" for n in range(1, steps + 1)
    ]
    path = directory / "fleet.md"
    path.write_text("# Bench\n\n## Fix\n\n```bash\n" + "\n".join(lines) + "```\n")
    return path


def fleet_time(
    runbook: Path, servers: FleetServers, count: int, strategy: Strategy, rounds: int
) -> float:
    """Median wall time of the section on the first ``count`` servers (after one warm-up)."""
    inventory = servers.inventory(
        servers.directory / f"inventory-{count}.yaml", {"bench": servers.names()[:count]}
    )
    fleet = resolve(f"@{inventory}", ["bench"], ssh_config=servers.ssh_config)
    assert fleet is not None
    options = RunOptions(ssh=SshOptions(ssh_config=servers.ssh_config))
    planned = plan(parse_file(runbook), "fix")

    def once() -> float:
        started = time.perf_counter()
        outcome = FleetRunner(planned, fleet.hosts, options, strategy).run()
        took = time.perf_counter() - started
        assert outcome.exit_code == 0, [run.outcome for run in outcome.failed()]
        return took

    once()
    return statistics.median(once() for _ in range(rounds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rbk-bench-fleet-") as tmp:
        directory = Path(tmp)
        keys = Keys.generate(directory / "keys")
        servers = start_fleet(directory / "servers", 20, keys)
        try:
            runbook = section(directory, args.steps)
            parallel = Strategy.from_flags(parallel=20)
            times = {n: fleet_time(runbook, servers, n, parallel, args.rounds) for n in (1, 5, 20)}
            serial = fleet_time(runbook, servers, 20, Strategy.from_flags(serial=True), args.rounds)
        finally:
            servers.stop()
    print(f"{args.steps}-step section, median of {args.rounds} rounds, --parallel 20:")
    for count, seconds in times.items():
        print(f"  {count:>2} host(s): {seconds * 1000:7.0f} ms")
    print(f"  20 hosts --serial: {serial * 1000:7.0f} ms")
    ratio = times[20] / times[1]
    speedup = serial / times[20]
    print(f"20 hosts / 1 host: {ratio:.2f}x  (goal <= 3x: {'met' if ratio <= 3 else 'NOT met'})")
    print(
        f"--serial / --parallel 20 at 20 hosts: {speedup:.2f}x  "
        f"(goal >= 4x: {'met' if speedup >= 4 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
