"""Benchmark of fleet runs: a 5-step section on 1, 5 and 20 real sshd hosts on loopback.

Prints the wall time of the section on 1, 5 and 20 hosts with ``--parallel 20``, the ratio of 20
hosts to 1 host (goal: <= 3x on a 2-core machine, where every sshd shares the cores with the
client) and the ratio of ``--serial`` to ``--parallel 20`` at 20 hosts (goal: parallel >= 4x
faster). Each figure is the median of several rounds measured in this run; every round opens
its connections afresh, as a real run does.

It also prints the CPU time each host costs at 20 hosts: runbookkit's (this process) and the
servers' (each sshd with the sessions and shells it started, read from /proc once they are
reaped). Loopback servers share this machine's cores, so 20 hosts can't take less than
20 x (both) / cores: the floor printed beside the ratios. On a real fleet only runbookkit's
share is spent here.

With ``--bashrc-ms MS`` every login gets the same ``~/.bashrc`` doing about MS milliseconds of
set-up work before its interactivity guard (as on a server with pyenv or conda set up), which
Debian's bash sources for every command sshd runs; by default the logins have an empty HOME.

    .venv/bin/python bench/fleet.py [--rounds 3] [--steps 5] [--bashrc-ms 0]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runbookkit.execute.runner import RunOptions
from runbookkit.execute.ssh import SshOptions
from runbookkit.fleet.resolve import resolve
from runbookkit.fleet.run import FleetRunner
from runbookkit.fleet.strategy import Strategy
from runbookkit.parsing import parse_file
from runbookkit.plan import plan
from tests.support.bashrc import write_bashrc
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


@dataclass
class Timing:
    """Medians over the rounds: wall time, and the CPU time of runbookkit and of the servers."""

    wall: float
    client_cpu: float
    server_cpu: float


def servers_cpu(servers: FleetServers) -> float:
    """CPU seconds the sshd listeners and every session they started and reaped have used."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for server in servers.servers:
        stat = Path(f"/proc/{server.server.process.pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
        total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return total / tick


def own_cpu() -> float:
    """CPU seconds this process (every thread) has used."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def fleet_time(
    runbook: Path, servers: FleetServers, count: int, strategy: Strategy, rounds: int
) -> Timing:
    """Medians of the section on the first ``count`` servers (after one warm-up round)."""
    inventory = servers.inventory(
        servers.directory / f"inventory-{count}.yaml", {"bench": servers.names()[:count]}
    )
    fleet = resolve(f"@{inventory}", ["bench"], ssh_config=servers.ssh_config)
    assert fleet is not None
    options = RunOptions(ssh=SshOptions(ssh_config=servers.ssh_config))
    planned = plan(parse_file(runbook), "fix")

    def once() -> tuple[float, float, float]:
        server_before, client_before = servers_cpu(servers), own_cpu()
        started = time.perf_counter()
        outcome = FleetRunner(planned, fleet.hosts, options, strategy).run()
        took = time.perf_counter() - started
        client = own_cpu() - client_before
        assert outcome.exit_code == 0, [run.outcome for run in outcome.failed()]
        time.sleep(0.2)  # the servers reap their finished sessions
        return took, client, servers_cpu(servers) - server_before

    once()
    runs = [once() for _ in range(rounds)]
    return Timing(*(statistics.median(run[i] for run in runs) for i in range(3)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument(
        "--bashrc-ms", type=float, default=0, help="give every login a ~/.bashrc of this cost"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rbk-bench-fleet-") as tmp:
        directory = Path(tmp)
        keys = Keys.generate(directory / "keys")
        servers = start_fleet(directory / "servers", 20, keys)
        try:
            if args.bashrc_ms:
                bashrc(servers, args.bashrc_ms)
            runbook = section(directory, args.steps)
            parallel = Strategy.from_flags(parallel=20)
            times = {n: fleet_time(runbook, servers, n, parallel, args.rounds) for n in (1, 5, 20)}
            serial = fleet_time(runbook, servers, 20, Strategy.from_flags(serial=True), args.rounds)
        finally:
            servers.stop()
    print(f"{args.steps}-step section, median of {args.rounds} rounds, --parallel 20:")
    for count, timing in times.items():
        print(f"  {count:>2} host(s): {timing.wall * 1000:7.0f} ms")
    print(f"  20 hosts --serial: {serial.wall * 1000:7.0f} ms")
    one, many = times[1].wall, times[20].wall
    ratio = many / one
    speedup = serial.wall / many
    print(f"20 hosts / 1 host: {ratio:.2f}x  (goal <= 3x: {'met' if ratio <= 3 else 'NOT met'})")
    print(
        f"--serial / --parallel 20 at 20 hosts: {speedup:.2f}x  "
        f"(goal >= 4x: {'met' if speedup >= 4 else 'NOT met'})"
    )
    floor(times[20], one, serial.wall)


def bashrc(servers: FleetServers, ms: float) -> None:
    """Give every login the same ``~/.bashrc``, sized once to cost about ``ms`` milliseconds."""
    first = servers.servers[0].home / ".bashrc"
    cost = write_bashrc(first.parent, ms)
    for server in servers.servers[1:]:
        (server.home / ".bashrc").write_text(first.read_text())
    print(
        f"every login's ~/.bashrc costs {cost * 1000:.1f} ms of CPU "
        "(sourced by a non-interactive bash)"
    )


def floor(timing: Timing, one: float, serial: float) -> None:
    """Print the CPU time per host and the least time 20 hosts can take on this machine's cores."""
    cores = len(os.sched_getaffinity(0))
    client, server = timing.client_cpu / 20, timing.server_cpu / 20
    least = 20 * (client + server) / cores
    print(
        f"CPU per host at 20 hosts: runbookkit {client * 1000:.1f} ms, "
        f"servers (sshd + shells) {server * 1000:.1f} ms"
    )
    print(
        f"CPU floor for 20 hosts on {cores} cores: {least * 1000:.0f} ms "
        f"(servers alone {20 * server / cores * 1000:.0f} ms), so at best "
        f"{least / one:.1f}x one host and {serial / least:.1f}x faster than --serial here"
    )


if __name__ == "__main__":
    main()
