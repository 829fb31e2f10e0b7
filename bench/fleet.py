"""Benchmark of fleet runs, side by side: runbookkit, pyinfra, ansible-playbook and plain ssh.

The same job on the same N real sshd servers on loopback (N = 1, 5, 20, 50): 5 steps per host,
each ``echo step K``. Each tool runs as a whole process, as a person would start it, cold: no
connection and no ControlMaster survives from one round to the next.

- runbookkit: ``runbookkit run fleet.md -s fix --hosts @inventory.yaml --parallel N``.
- pyinfra: ``pyinfra -y --parallel N inventory.py deploy.py``, 5 ``server.shell`` operations.
- ansible-playbook: 5 ``raw`` tasks, ``gather_facts: false``, pipelining, ``forks = N``,
  ControlMaster with ControlPersist (its own ControlPath each round; the masters are stopped,
  and their CPU counted as the client's, after the round).
- ssh (the reference): N ``ssh`` processes at once, each running the 5 commands as one script.

For each it prints the wall time, the client's CPU per host (the process and every child it
reaped, from ``wait4``) and the servers' CPU per host (each sshd with the sessions and shells it
reaped, from /proc), the median of ``--rounds`` rounds taken in turns, and the ratios the goals
are about: at 20 and 50 hosts runbookkit's wall time <= 0.5x pyinfra's and <= 0.25x Ansible's,
and its client CPU per host <= 0.5x pyinfra's. The servers share this machine's cores with the
client, so every wall time includes the servers' work; the CPU floor
((client + servers) / cores) is printed beside runbookkit's wall time, to show where its time
goes.

pyinfra and ansible-core come from the ``bench`` extra. pyinfra 3 needs paramiko < 5, which
runbookkit does not, so give the peers a virtualenv of their own and point the bench at it::

    python -m venv /tmp/peers-venv && /tmp/peers-venv/bin/pip install pyinfra ansible-core
    .venv/bin/python bench/fleet.py --peers /tmp/peers-venv/bin   # or RUNBOOKKIT_BENCH_PEERS

(``pip install -e '.[bench]'`` in a venv of its own works too.) A peer that can't be found is
left out, with how to install it.

    .venv/bin/python bench/fleet.py [--rounds 3] [--hosts 1,5,20,50] [--peers DIR]
"""

from __future__ import annotations

import argparse
import compileall
import os
import pwd
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.fleet_servers import FleetServers, start_fleet  # noqa: E402
from tests.support.sshd import Keys  # noqa: E402

STEPS = 5
PEERS_ENV = "RUNBOOKKIT_BENCH_PEERS"
INSTALL = (
    "python -m venv /tmp/peers-venv && /tmp/peers-venv/bin/pip install pyinfra ansible-core, "
    "then --peers /tmp/peers-venv/bin"
)


@dataclass
class Round:
    """One whole process: wall seconds, the client's CPU seconds, the servers' CPU seconds."""

    wall: float
    client: float
    server: float


@dataclass
class Job:
    """The command of one tool for N hosts, and what to do after each round (stop masters)."""

    command: list[str]
    env: dict[str, str]
    after: Callable[[], float] | None = None  # returns extra client CPU seconds it found


def servers_cpu(servers: FleetServers) -> float:
    """CPU seconds the sshd listeners and every session they started and reaped have used."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for server in servers.servers:
        stat = Path(f"/proc/{server.server.process.pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
        total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return total / tick


def process_cpu(pid: int) -> float:
    """CPU seconds of a running process (not its children), 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(job: Job, servers: FleetServers, log: Path) -> Round:
    """Run ``job`` once as a whole process; its CPU (and its reaped children's) from wait4."""
    server_before = servers_cpu(servers)
    started = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            job.command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=job.env
        )
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    client = usage.ru_utime + usage.ru_stime
    if job.after is not None:
        client += job.after()
    time.sleep(0.3)  # the servers reap their finished sessions
    if proc.returncode != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-5:]
        raise RuntimeError(f"exit {proc.returncode}: " + " / ".join(tail))
    return Round(wall, client, servers_cpu(servers) - server_before)


def find(name: str, peers: str | None) -> str | None:
    """A peer's executable: in ``--peers``/``$RUNBOOKKIT_BENCH_PEERS``, on PATH, or beside this
    Python."""
    for directory in filter(None, (peers, os.environ.get(PEERS_ENV))):
        candidate = Path(directory) / name
        if os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    beside = Path(sys.executable).parent / name
    return str(beside) if os.access(beside, os.X_OK) else None


class Bench:
    """The servers and the files each tool reads for the first N of them."""

    def __init__(self, directory: Path, servers: FleetServers) -> None:
        self.directory = directory
        self.servers = servers
        self.env = {**os.environ, "NO_COLOR": "1", "HOME": str(directory / "home")}
        # As in a login: without USER, every ssh_config lookup (paramiko's, OpenSSH's) asks
        # the password database who we are, once per Host block.
        user = pwd.getpwuid(os.getuid()).pw_name
        self.env.setdefault("USER", user)
        self.env.setdefault("LOGNAME", user)
        (directory / "home").mkdir(exist_ok=True)
        self.runbook = directory / "fleet.md"
        steps = "\n".join(f"# Step {n}: Step {n}\necho step {n}\n" for n in range(1, STEPS + 1))
        self.runbook.write_text(f"# Bench\n\n## Fix\n\n```bash\n{steps}```\n")
        self.rounds = 0

    def hosts(self, count: int) -> list[tuple[str, str, int]]:
        return [(s.name, s.address, s.port) for s in self.servers.servers[:count]]

    def runbookkit(self, count: int) -> Job:
        inventory = self.servers.inventory(
            self.directory / f"inventory-{count}.yaml", {"bench": self.servers.names()[:count]}
        )
        env = {**self.env, "RUNBOOKKIT_HISTORY": str(self.directory / "history.sqlite")}
        env["PYTHONPATH"] = str(ROOT)
        command = [sys.executable, "-m", "runbookkit", "run", str(self.runbook), "-s", "fix"]
        command += ["--hosts", f"@{inventory}", "--group", "bench", "--parallel", str(count)]
        return Job([*command, "--ssh-config", str(self.servers.ssh_config)], env)

    def pyinfra(self, program: str, count: int) -> Job:
        keys, known = self.servers.keys, self.servers.known_hosts
        inventory = self.directory / f"pyinfra_inventory_{count}.py"
        rows = [
            f"    ({address!r}, {{'ssh_port': {port}, 'ssh_user': 'root', "
            f"'ssh_key': {str(keys.client)!r}, 'ssh_known_hosts_file': {str(known)!r}, "
            "'ssh_strict_host_key_checking': 'yes'}),"
            for _, address, port in self.hosts(count)
        ]
        inventory.write_text("bench = [\n" + "\n".join(rows) + "\n]\n")
        deploy = self.directory / "pyinfra_deploy.py"
        deploy.write_text(
            "from pyinfra.operations import server\n\n"
            + "".join(
                f"server.shell(name='step {n}', commands=['echo step {n}'])\n"
                for n in range(1, STEPS + 1)
            )
        )
        command = [program, "-y", "--parallel", str(count), str(inventory), str(deploy)]
        return Job(command, self.env)

    def ansible(self, program: str, count: int) -> Job:
        keys, known = self.servers.keys, self.servers.known_hosts
        inventory = self.directory / f"ansible_{count}.ini"
        lines = ["[bench]"] + [
            f"{name} ansible_host={address} ansible_port={port} ansible_user=root "
            f"ansible_ssh_private_key_file={keys.client}"
            for name, address, port in self.hosts(count)
        ]
        inventory.write_text("\n".join(lines) + "\n")
        playbook = self.directory / "playbook.yml"
        tasks = "".join(
            f"    - name: step {n}\n      raw: echo step {n}\n" for n in range(1, STEPS + 1)
        )
        playbook.write_text(f"- hosts: bench\n  gather_facts: false\n  tasks:\n{tasks}")
        self.rounds += 1
        control = self.directory / f"cp-{self.rounds}"  # a new ControlPath each round: cold
        control.mkdir()
        config = self.directory / f"ansible-{self.rounds}.cfg"
        config.write_text(
            f"[defaults]\nforks = {count}\nhost_key_checking = True\nstdout_callback = default\n"
            "[ssh_connection]\npipelining = True\n"
            f"ssh_args = -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile={known}"
            " -o IdentitiesOnly=yes\n"
            f"control_path_dir = {control}\n"
        )
        env = {**self.env, "ANSIBLE_CONFIG": str(config), "ANSIBLE_HOME": str(control / "home")}
        command = [program, "-i", str(inventory), str(playbook)]
        return Job(command, env, after=lambda: stop_masters(control))

    def ssh(self, count: int) -> Job:
        script = "; ".join(f"echo step {n}" for n in range(1, STEPS + 1))
        config = self.servers.ssh_config
        calls = " ".join(
            f"ssh -F {config} -o BatchMode=yes {name} '{script}' & "
            for name, _, _ in self.hosts(count)
        )
        return Job(["sh", "-c", f"{calls} wait"], self.env)


def stop_masters(control: Path) -> float:
    """Stop the ControlPersist masters of a round; return the CPU seconds they had used."""
    used = 0.0
    for socket in control.glob("*"):
        if not socket.is_socket():
            continue
        check = subprocess.run(
            ["ssh", "-o", f"ControlPath={socket}", "-O", "check", "bench"],
            capture_output=True,
            text=True,
        )
        found = check.stderr.split("pid=")[-1].rstrip(")\n ") if "pid=" in check.stderr else ""
        if found.isdigit():
            used += process_cpu(int(found))
        subprocess.run(
            ["ssh", "-o", f"ControlPath={socket}", "-O", "exit", "bench"], capture_output=True
        )
    return used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hosts", default="1,5,20,50", help="host counts, comma-separated")
    parser.add_argument("--peers", help=f"directory of pyinfra and ansible-playbook [{PEERS_ENV}]")
    args = parser.parse_args()
    # The peers' packages were compiled when pip installed them; an installed runbookkit is too.
    compileall.compile_dir(ROOT / "runbookkit", quiet=1)
    counts = [int(n) for n in args.hosts.split(",")]
    peers = {name: find(name, args.peers) for name in ("pyinfra", "ansible-playbook")}
    for name, found in peers.items():
        if found is None:
            print(f"{name} not found: left out (install it: {INSTALL})")
    with open("/proc/loadavg") as load:
        print(f"load average before: {' '.join(load.read().split()[:3])} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="rbk-bench-fleet-") as tmp:
        directory = Path(tmp)
        keys = Keys.generate(directory / "keys")
        servers = start_fleet(directory / "servers", max(counts), keys)
        try:
            results = run_all(Bench(directory, servers), counts, peers, args.rounds)
        finally:
            servers.stop()
    with open("/proc/loadavg") as load:
        print(f"load average after: {' '.join(load.read().split()[:3])}")
    report(results, counts)


Results = dict[int, dict[str, Round]]


def run_all(bench: Bench, counts: list[int], peers: dict[str, str | None], rounds: int) -> Results:
    """Every tool on every count, in turns within each round; the medians."""
    tools: dict[str, Callable[[int], Job]] = {"runbookkit": bench.runbookkit}
    pyinfra, ansible = peers["pyinfra"], peers["ansible-playbook"]
    if pyinfra:
        tools["pyinfra"] = lambda n: bench.pyinfra(pyinfra, n)
    if ansible:
        tools["ansible-playbook"] = lambda n: bench.ansible(ansible, n)
    tools["ssh x N"] = bench.ssh
    log = bench.directory / "tool.log"
    broken: set[str] = set()
    for name, job in tools.items():  # warm the page cache; nothing of a connection is kept
        try:
            measure(job(1), bench.servers, log)
        except RuntimeError as exc:
            print(f"{name} failed, left out: {exc}")
            broken.add(name)
    out: Results = {}
    for count in counts:
        taken: dict[str, list[Round]] = {name: [] for name in tools if name not in broken}
        for _ in range(rounds):
            for name in taken:
                taken[name].append(measure(tools[name](count), bench.servers, log))
        out[count] = {
            name: Round(
                *(statistics.median(getattr(r, f) for r in got) for f in Round.__annotations__)
            )
            for name, got in taken.items()
        }
        print(f"  {count} hosts measured", flush=True)
    return out


def report(results: Results, counts: list[int]) -> None:
    cores = len(os.sched_getaffinity(0))
    print(f"\n{STEPS} echo steps per host, each tool a whole process, cold, median of the rounds")
    for count in counts:
        row = results[count]
        print(f"\n{count} host(s):{'wall':>22}{'client CPU/host':>18}{'server CPU/host':>18}")
        for name, r in row.items():
            print(
                f"  {name:<18}{r.wall:>10.2f} s{r.client / count * 1000:>14.1f} ms"
                f"{r.server / count * 1000:>14.1f} ms"
            )
        own = row["runbookkit"]
        floor = (own.client + own.server) / cores
        print(
            f"  runbookkit: {own.client:.2f} s client + {own.server:.2f} s servers CPU = "
            f"{floor:.2f} s on {cores} cores; the rest of its wall time, "
            f"{max(own.wall - floor, 0):.2f} s, is waiting (for round trips, and for the cores "
            "while other work has them)"
        )
        goals = count >= 20
        for peer, wall_goal, cpu_goal in (("pyinfra", 0.5, 0.5), ("ansible-playbook", 0.25, None)):
            if peer not in row:
                continue
            theirs = row[peer]
            wall = own.wall / theirs.wall
            line = f"  runbookkit / {peer}: wall {wall:.2f}x"
            if goals:
                line += f" (goal <= {wall_goal}x: {'met' if wall <= wall_goal else 'NOT met'})"
            cpu = own.client / theirs.client if theirs.client else float("inf")
            line += f", client CPU {cpu:.2f}x"
            if goals and cpu_goal is not None:
                line += f" (goal <= {cpu_goal}x: {'met' if cpu <= cpu_goal else 'NOT met'})"
            line += f", server CPU {own.server / theirs.server:.2f}x" if theirs.server else ""
            print(line)
        if "ssh x N" in row:
            print(f"  runbookkit / ssh x N: wall {own.wall / row['ssh x N'].wall:.2f}x")
    costs(results, counts)


def costs(results: Results, counts: list[int]) -> None:
    """Each tool's client CPU split into what one process costs and what each more host adds."""
    if 1 not in counts or max(counts) == 1:
        return
    top = max(counts)
    print(f"\nclient CPU: one process with 1 host, and each host more (from 1 to {top} hosts)")
    for name, one in results[1].items():
        many = results[top].get(name)
        if many is None:
            continue
        extra = (many.client - one.client) / (top - 1)
        server = (many.server - one.server) / (top - 1)
        print(
            f"  {name:<18}{one.client * 1000:>8.0f} ms + {extra * 1000:5.1f} ms/host "
            f"(servers {server * 1000:5.1f} ms/host)"
        )


if __name__ == "__main__":
    main()
