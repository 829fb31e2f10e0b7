"""Benchmark of shell steps: remote ones against real sshd servers on loopback, and local ones.

Two servers run on loopback: a clean login (an empty HOME, so no start-up file weighs on one
method only) and a realistic one whose ``~/.bashrc`` does about ``--bashrc-ms`` of set-up work
before its interactivity guard, as pyenv or conda installers leave it; Debian's bash sources it
for every command sshd runs. The bench prints what one ``ssh HOST true`` costs on each, then:

- Clean login, 20 steps: runbookkit's API (one connection) against the runbook's raw bash (20
  separate ``ssh`` processes; goal >= 5x faster) and against OpenSSH multiplexing (one
  ControlMaster and 20 clients; goal <= 1.3x), and the CLI as a whole process.
- (a) Realistic login: ``runbookkit run FILE --section fix --ssh-config CFG`` as a whole process
  against 20 separate ``ssh`` processes running the same commands (goal >= 10x faster).
- (b) Realistic login: the API from connect to last result (``run(parse_file(path), "fix",
  RunOptions(ssh=...))``) against ONE ``ssh`` process running the 20 commands as one script
  (goal <= 1.3x).
- (c) Locally: 200 ``/bin/true`` commands through the API (session start included, parsing not),
  as 200 commands in one step and as 200 steps, against one ``bash`` running the same 200 lines
  as a script (goal <= 1.5x); and the per-step overhead of a local step against invoke's bare
  ``Context.run``.
- (d) Locally: one step printing ``--big-mb`` MB through the API against ``bash -c`` of the same
  command into a pipe Python reads (goal <= 5x), after a 1 kB step and 1/8 and 1/4 of the size,
  for the trend (how the time grows with the output). The step runs with ``--big-budget``
  seconds as its timeout, and no round starts once the budget is spent, so the default run stays
  finite where the time grows quadratically; a step stopped by the timeout counts as at least
  ``budget / bash`` slower, and the trend is printed.

Every figure is the median of several rounds (after a warm-up, except for the big outputs)
measured in this run, and every ratio is against a baseline measured in the same run, the
methods compared taking turns within each round, since the machine's cores are shared. Goals
print PASS or FAIL beside the ratio, and again at the end.

    PYTHONPATH=. .venv/bin/python bench/ssh.py [--steps 20] [--rounds 5] [--bashrc-ms 50]
        [--local-commands 200] [--big-mb 16] [--big-budget 60]
"""

from __future__ import annotations

import argparse
import compileall
import itertools
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runbookkit.execute.runner import RunOptions
from runbookkit.execute.ssh import SshOptions
from runbookkit.model import Runbook
from runbookkit.parsing import parse_file
from runbookkit.runs import run
from tests.support.bashrc import write_bashrc
from tests.support.sshd import Keys, SshServer, start_sshd

ROOT = Path(__file__).resolve().parent.parent
CLEAN, REALISTIC = "target", "app"  # the two logins' ssh_config aliases
GOALS: list[str] = []  # every goal's line, printed again at the end


def goal(name: str, ratio: float, op: str, target: float, note: str = "") -> None:
    """Print ``ratio`` with its goal and PASS/FAIL, and remember the line for the summary."""
    ok = ratio >= target if op == ">=" else ratio <= target
    line = f"  {name + ':':<44} {ratio:7.2f}x  goal {op} {target:g}x  {'PASS' if ok else 'FAIL'}"
    print(line + note)
    GOALS.append(line + note)


def row(label: str, seconds: float, note: str = "") -> None:
    """Print one measured time under its label, aligned with the others."""
    print(f"  {label + ':':<44} {seconds * 1000:8.1f} ms{note}")


def write_runbook(path: Path, steps: list[list[str]]) -> Path:
    """A runbook whose Fix section has one step per item, each item being its block's lines."""
    blocks = [
        f"# Step {n}: Step {n}\n" + "\n".join(lines) + "\n" for n, lines in enumerate(steps, 1)
    ]
    path.write_text("# Bench\n\n## Fix\n\n```bash\n" + "\n".join(blocks) + "```\n")
    return path


def echo_steps(steps: int, host: str | None) -> list[list[str]]:
    """``steps`` steps echoing their number (on ``host`` over ssh, or locally), checking it."""
    return [
        [f'ssh root@{host} "echo step {n}"' if host else f"echo step {n}", f"# Expected: step {n}"]
        for n in range(1, steps + 1)
    ]


def medians(actions: list[Callable[[], object]], rounds: int, warm: bool = True) -> list[float]:
    """Median wall time of each action over ``rounds`` (after one warm-up unless ``warm`` is off).

    The actions take turns within each round, so a change of load on the shared cores weighs on
    a method and on its baseline alike.
    """
    if warm:
        for action in actions:
            action()
    times: list[list[float]] = [[] for _ in actions]
    for _ in range(rounds):
        for action, spent in zip(actions, times, strict=True):
            started = time.perf_counter()
            action()
            spent.append(time.perf_counter() - started)
    return [statistics.median(spent) for spent in times]


def api_run(runbook: Runbook | Path, options: RunOptions | None = None) -> None:
    """The Fix section through runbookkit's Python API (no terminal view); parses a path first."""
    parsed = parse_file(runbook) if isinstance(runbook, Path) else runbook
    outcome = run(parsed, "fix", options or RunOptions())
    assert outcome.exit_code == 0, outcome.error


def cli_run(path: Path, config: Path, history: Path) -> None:
    """The Fix section through ``python -m runbookkit run`` as a whole process."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    argv = [sys.executable, "-m", "runbookkit", "run", str(path), "--section", "fix", "--quiet"]
    argv += ["--ssh-config", str(config), "--history", str(history)]
    subprocess.run(argv, check=True, capture_output=True, env=env)


def ssh(config: Path, host: str, command: str) -> str:
    """One ``ssh`` process running ``command`` on ``host``; its stdout."""
    argv = ["ssh", "-F", str(config), host, command]
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


def separate_ssh(config: Path, host: str, steps: int) -> None:
    """The raw runbook: one ssh process per command."""
    for n in range(1, steps + 1):
        assert ssh(config, host, f"echo step {n}").strip() == f"step {n}"


def one_ssh_script(config: Path, host: str, steps: int) -> None:
    """One ssh process running every step's command as one script."""
    script = "\n".join(f"echo step {n}" for n in range(1, steps + 1))
    assert ssh(config, host, script).split("\n")[steps - 1] == f"step {steps}"


def control_master(config: Path, host: str, steps: int, socket: Path) -> None:
    """One ControlMaster started, ``steps`` clients through it, the master stopped."""
    base = ["ssh", "-F", str(config), "-o", f"ControlPath={socket}"]
    subprocess.run(
        [*base, "-o", "ControlMaster=yes", "-o", "ControlPersist=yes", "-fN", host],
        check=True,
        capture_output=True,
    )
    try:
        for n in range(1, steps + 1):
            subprocess.run([*base, host, f"echo step {n}"], check=True, capture_output=True)
    finally:
        subprocess.run([*base, "-O", "exit", host], capture_output=True)


def start_servers(directory: Path, bashrc_ms: float) -> tuple[list[SshServer], Path, float]:
    """Start the clean and the realistic login; their ssh_config and the rc file's cost."""
    keys = Keys.generate(directory / "keys")
    servers: list[SshServer] = []
    try:
        for alias in (CLEAN, REALISTIC):
            servers.append(start_sshd(directory / alias, keys))
        rc_cost = write_bashrc(servers[1].home, bashrc_ms)
    except BaseException:
        for server in servers:
            server.stop()
        raise
    known_hosts = directory / "known_hosts"
    known_hosts.write_text("".join(server.known_hosts_line() for server in servers))
    config = directory / "ssh_config"
    config.write_text(
        "\n".join(
            server.ssh_config([alias], known_hosts=known_hosts)
            for server, alias in zip(servers, (CLEAN, REALISTIC), strict=True)
        )
    )
    return servers, config, rc_cost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--bashrc-ms", type=float, default=50, help="the realistic rc file's cost")
    parser.add_argument("--local-commands", type=int, default=200)
    parser.add_argument("--big-mb", type=float, default=16, help="output of the big step, in MB")
    parser.add_argument(
        "--big-budget", type=float, default=60, help="timeout of the big step, in s"
    )
    args = parser.parse_args()
    # An installed package has its bytecode; the CLI's start-up should not include compiling it.
    compileall.compile_dir(ROOT / "runbookkit", quiet=1)
    with tempfile.TemporaryDirectory(prefix="rbk-bench-ssh-") as tmp:
        directory = Path(tmp)
        servers, config, rc_cost = start_servers(directory, args.bashrc_ms)
        try:
            logins(config, rc_cost, args.rounds)
            clean_login(directory, config, args.steps, args.rounds)
            realistic_login(directory, config, args.steps, args.rounds)
        finally:
            for server in servers:
                server.stop()
        local_steps(directory, args.steps, args.local_commands, args.rounds)
        big_output(directory, args.big_mb, args.big_budget, args.rounds)
    print("Goals:")
    print("\n".join(GOALS))


def logins(config: Path, rc_cost: float, rounds: int) -> None:
    """Print what one ``ssh HOST true`` costs with and without the realistic rc file."""
    clean, realistic = medians(
        [lambda: ssh(config, CLEAN, "true"), lambda: ssh(config, REALISTIC, "true")], rounds + 2
    )
    print(f"One `ssh HOST true` (median of {rounds + 2}):")
    row("clean login (empty HOME)", clean)
    row("realistic login (~/.bashrc)", realistic)
    print(
        f"  difference {(realistic - clean) * 1000:+.1f} ms; the rc file alone (CPU), sourced by a "
        f"non-interactive bash: {rc_cost * 1000:.1f} ms"
    )


def clean_login(directory: Path, config: Path, steps: int, rounds: int) -> None:
    """The API, the CLI, separate ssh processes and ControlMaster against the clean login."""
    remote = write_runbook(directory / "clean.md", echo_steps(steps, CLEAN))
    options = RunOptions(ssh=SshOptions(ssh_config=config))
    history, socket = directory / "history.sqlite", directory / "cm.sock"
    rbk, cli, raw, master = medians(
        [
            lambda: api_run(remote, options),
            lambda: cli_run(remote, config, history),
            lambda: separate_ssh(config, CLEAN, steps),
            lambda: control_master(config, CLEAN, steps, socket),
        ],
        rounds,
    )
    print(f"\n{steps}-step remote section, clean login (median of {rounds} rounds)")
    per_step = rbk / steps * 1000
    row("runbookkit (API, one connection)", rbk, f"  ({per_step:.1f} ms/step)")
    row("runbookkit run (CLI, whole process)", cli)
    row(f"{steps} separate ssh processes", raw)
    row(f"ssh ControlMaster + {steps} clients", master)
    goal("clean API vs separate ssh", raw / rbk, ">=", 5)
    goal("clean API vs ControlMaster", rbk / master, "<=", 1.3)
    print(f"  {'CLI speed-up over separate ssh:':<44} {raw / cli:7.2f}x  (no goal)")


def realistic_login(directory: Path, config: Path, steps: int, rounds: int) -> None:
    """Figures (a) and (b): the CLI and the API against the login with a ~/.bashrc."""
    remote = write_runbook(directory / "realistic.md", echo_steps(steps, REALISTIC))
    options = RunOptions(ssh=SshOptions(ssh_config=config))
    history = directory / "history.sqlite"
    cli, raw, rbk, script = medians(
        [
            lambda: cli_run(remote, config, history),
            lambda: separate_ssh(config, REALISTIC, steps),
            lambda: api_run(remote, options),
            lambda: one_ssh_script(config, REALISTIC, steps),
        ],
        rounds,
    )
    print(f"\n{steps}-step remote section, realistic login (median of {rounds} rounds)")
    row("runbookkit run (CLI, whole process)", cli)
    row(f"{steps} separate ssh processes", raw)
    row("runbookkit (API, connect to result)", rbk)
    row(f"one ssh running the {steps} as a script", script)
    goal("(a) CLI vs separate ssh", raw / cli, ">=", 10)
    goal("(b) API vs one ssh script", rbk / script, "<=", 1.3)


def local_steps(directory: Path, steps: int, commands: int, rounds: int) -> None:
    """Figure (c), and the per-step overhead of a local step against invoke's Context.run."""
    from invoke import Context

    local = parse_file(write_runbook(directory / "local.md", echo_steps(steps, None)))
    context = Context()
    bare, rbk = medians(
        [
            lambda: [context.run(f"echo {n}", hide=True, in_stream=False) for n in range(steps)],
            lambda: api_run(local),
        ],
        rounds,
    )
    per_bare, per_rbk = bare / steps * 1000, rbk / steps * 1000
    print(f"\nLocal {steps}-step section (median of {rounds} rounds)")
    print(f"  runbookkit {per_rbk:.2f} ms/step, invoke Context.run {per_bare:.2f} ms/step")
    print(f"  overhead {per_rbk - per_bare:+.2f} ms/step, ratio {per_rbk / per_bare:.2f}x")

    lines = ["/bin/true"] * commands
    one_step = parse_file(write_runbook(directory / "one-step.md", [lines]))
    many_steps = parse_file(write_runbook(directory / "many-steps.md", [[line] for line in lines]))
    script = directory / "true.sh"
    script.write_text("\n".join(lines) + "\n")
    bash, in_one, in_many = medians(
        [
            lambda: subprocess.run(["bash", str(script)], check=True),
            lambda: api_run(one_step),
            lambda: api_run(many_steps),
        ],
        rounds,
    )
    print(f"{commands} local `/bin/true` commands (median of {rounds} rounds)")
    row("one bash running them as a script", bash)
    row(f"runbookkit, {commands} commands in one step", in_one)
    row(f"runbookkit, {commands} steps", in_many)
    goal(f"(c) {commands} commands in one step vs bash", in_one / bash, "<=", 1.5)
    goal(f"(c) {commands} steps vs bash", in_many / bash, "<=", 1.5)


def big_step(directory: Path, size: int) -> tuple[Runbook, str]:
    """A runbook whose one step prints ``size`` bytes, and that command."""
    command = f"head -c {size} /dev/zero | tr '\\0' x"
    return parse_file(write_runbook(directory / f"big-{size}.md", [[command]])), command


def pipe_read(command: str, size: int) -> None:
    """``bash -c command`` with its stdout in a pipe that Python reads to the end, as text."""
    process = subprocess.Popen(["bash", "-c", command], stdout=subprocess.PIPE)
    assert process.stdout is not None
    with process.stdout:
        text = process.stdout.read().decode()
    assert process.wait() == 0 and len(text) == size


def big_api(runbook: Runbook, rounds: int, budget: float) -> tuple[float, int] | None:
    """Median seconds of the big step through the API and the rounds taken; None if it timed out.

    The step runs with ``budget`` as its timeout, and no further round starts once the rounds so
    far have spent the budget, so a slow method can't make the bench run for long.
    """
    times: list[float] = []
    while len(times) < rounds and sum(times) + max(times, default=0) <= budget:
        started = time.perf_counter()
        outcome = run(runbook, "fix", RunOptions(timeout=budget))
        times.append(time.perf_counter() - started)
        if outcome.exit_code != 0:
            return None
    return statistics.median(times), len(times)


def big_output(directory: Path, big_mb: float, budget: float, rounds: int) -> None:
    """Figure (d): one step printing ``big_mb`` MB, after 1/8 and 1/4 of it for the trend."""
    rounds = min(rounds, 3)
    big = int(big_mb * 1_000_000)
    print(f"\nOne local step printing much output (median of up to {rounds} rounds, no warm-up)")
    name = f"(d) {big_mb:g} MB step vs bash into a pipe"
    took: dict[int, float] = {}
    for size in (1000, big // 8, big // 4, big):
        runbook, command = big_step(directory, size)
        (bash,) = medians([lambda: pipe_read(command, size)], rounds)  # noqa: B023 - used now
        api = big_api(runbook, rounds, budget)
        label = f"{size / 1e6:g} MB" if size > 1000 else "1 kB"
        row(f"{label}, bash into a pipe read by Python", bash)
        if api is None:
            print(f"  {label}, runbookkit: stopped by its {budget:g} s timeout (--big-budget)")
            trend(took)
            goal(name, budget / bash, "<=", 5, f"  (at least: stopped after {budget:g} s)")
            return
        took[size] = api[0]
        row(f"{label}, runbookkit", api[0], f"  ({api[0] / bash:.2f}x, {api[1]} rounds)")
    trend(took)
    goal(name, api[0] / bash, "<=", 5)


def trend(took: dict[int, float]) -> None:
    """Print how the big step's time above a quiet step's grows with its output (1 = linear)."""
    fixed, *sizes = took
    for small, large in itertools.pairwise(sizes):
        above = [max(took[size] - took[fixed], 1e-4) for size in (small, large)]
        growth = math.log(above[1] / above[0]) / math.log(large / small)
        print(
            f"  time above a quiet step's grows as size^{growth:.2f} from {small / 1e6:g} to "
            f"{large / 1e6:g} MB (1 = linear, 2 = quadratic)"
        )


if __name__ == "__main__":
    main()
