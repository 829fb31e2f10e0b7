"""Fleet runs end to end: real sshd servers on 127.0.0.2…, the real command line, its history."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, run_cli
from tests.execute.test_errors import remote_processes, wait_for
from tests.support.fleet_servers import FleetServers
from tests.support.runbooks import write_runbook

pytestmark = pytest.mark.ssh

PROBE_OK = '#!/bin/sh\necho "probe ok on $(hostname)"\n'
PROBE_FAIL = "#!/bin/sh\necho 'probe: disk full' >&2\nexit 1\n"


THREE_STEPS = """
# Step 1: Where
echo "at $SSH_CONNECTION"

# Step 2: Probe
probe

# Step 3: Done
echo done
"""


@pytest.fixture
def fleet(fleet_servers: FleetServers) -> FleetServers:
    """The module's servers with a passing ``probe`` on every host (tests make some fail)."""
    for server in fleet_servers.servers:
        server.stand_in("probe", PROBE_OK)
    return fleet_servers


def events(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def finished(stream: list[dict[str, Any]]) -> dict[str, list[tuple[int, str]]]:
    """Each host's (step, status) in the order they finished."""
    out: dict[str, list[tuple[int, str]]] = {}
    for event in stream:
        if event["event"] == "StepFinished":
            result = event["result"]
            out.setdefault(result["host"], []).append((result["number"], result["status"]))
    return out


def run_fleet(
    fleet: FleetServers,
    tmp_path: Path,
    *args: str,
    steps: str = THREE_STEPS,
    history: str | None = None,
):
    runbook = write_runbook(tmp_path, steps, name="fleet")
    inventory = fleet.inventory(tmp_path / "inventory.yaml")
    return run_cli(
        "run",
        str(runbook),
        "--section",
        "fix",
        "--hosts",
        f"@{inventory}",
        "--ssh-config",
        str(fleet.ssh_config),
        *args,
        cwd=tmp_path,
        env={"RUNBOOKKIT_HISTORY": history or str(tmp_path / "history.sqlite")},
    )


def test_a_fleet_run_records_each_hosts_results_in_postgresql(fleet, tmp_path, pg_url):
    from runbookkit.history import open_store

    fleet.by_name("host-2").stand_in("probe", PROBE_FAIL)
    try:
        result = run_fleet(fleet, tmp_path, "--json", history=pg_url)
    finally:
        fleet.by_name("host-2").stand_in("probe", PROBE_OK)
    assert result.returncode == 1, result.stderr
    run_id = events(result.stdout)[0]["run_id"]
    with open_store(pg_url) as store:
        outcomes = store.host_outcomes([run_id])[run_id]
        recorded = store.get_run(run_id)
    assert sorted(outcomes) == fleet.names()
    assert {name for name, failed in outcomes.items() if failed} == {"host-2"}
    assert {step.host for step in recorded.steps} == set(fleet.names())


def test_every_host_runs_every_step_on_its_own_connection(fleet, tmp_path):
    result = run_fleet(fleet, tmp_path, "--json", "--parallel", "4")
    assert result.returncode == 0, result.stderr
    stream = events(result.stdout)
    assert [e["event"] for e in stream].count("RunStarted") == 1
    assert stream[-1]["event"] == "RunFinished" and stream[-1]["status"] == "passed"
    run_ids = {e["run_id"] for e in stream}
    assert len(run_ids) == 1
    assert finished(stream) == {
        name: [(1, "passed"), (2, "passed"), (3, "passed")] for name in fleet.names()
    }
    for event in stream:
        if event["event"] == "StepFinished" and event["result"]["number"] == 1:
            server = fleet.by_name(event["result"]["host"])
            assert f"{server.address} {server.port}" in event["result"]["stdout"]
    # One run in the history, with every host's steps.
    shown = run_cli(
        "history", "show", run_ids.pop(), "--json", "--history", str(tmp_path / "history.sqlite")
    )
    assert shown.returncode == 0, shown.stderr
    record = json.loads(shown.stdout)
    assert record["status"] == "passed"
    assert sorted({s["host"] for s in record["steps"]}) == fleet.names()
    assert len(record["steps"]) == 3 * len(fleet.names())


def test_a_fleet_run_of_one_step_is_partial(fleet, tmp_path):
    result = run_fleet(fleet, tmp_path, "--json", "--step", "3")
    assert result.returncode == 0, result.stderr
    stream = events(result.stdout)
    assert stream[0]["event"] == "RunStarted" and stream[0]["partial"] == "step 3 of 3"
    store = str(tmp_path / "history.sqlite")
    run_id = stream[0]["run_id"]
    record = json.loads(run_cli("history", "show", run_id, "--json", "--history", store).stdout)
    assert record["partial"] == "step 3 of 3"
    assert {s["number"] for s in record["steps"]} == {3}
    text = run_cli("history", "show", run_id, "--history", store).stdout
    assert "  status    partial: passed step 3 of 3 (exit 0)" in text
    assert "host host-1: 1 step(s), partial: passed" in text


def test_one_failing_host_fails_the_run_and_the_others_finish(fleet, tmp_path):
    fleet.by_name("host-2").stand_in("probe", PROBE_FAIL)
    result = run_fleet(fleet, tmp_path)
    assert result.returncode == 1
    out = result.stdout
    assert "step 1 Where: passed on 4/4 hosts" in out
    assert "step 2 Probe: passed on 3/4 hosts (host-2 failed)" in out
    assert "step 3 Done: passed on 3/4 hosts" in out
    assert "host-2 failed at step 2 (Probe): exit 1: probe: disk full" in out
    assert "    host-2: probe: disk full" in out
    assert "failed on 1 of 4 hosts: host-2" in result.stderr
    # history show groups the steps by host.
    runs = run_cli("history", "--json", "--history", str(tmp_path / "history.sqlite"))
    run_id = json.loads(runs.stdout)[0]["id"]
    shown = run_cli("history", "show", run_id, "--history", str(tmp_path / "history.sqlite"))
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    assert "  hosts     4" in text
    assert "host host-1: 3 step(s), passed" in text
    assert "host host-2: 2 step(s), failed at step 2" in text
    headers = [line for line in text.splitlines() if line.startswith("host ")]
    assert [h.split(":")[0] for h in headers] == [f"host {n}" for n in fleet.names()]
    block = text.split("host host-3:")[1].split("host host-4:")[0]
    assert block.count("[host-3]") == 3 and "[host-1]" not in block


@pytest.mark.parametrize(
    ("args", "failing", "expected"),
    [
        # --serial --fail-fast: nothing starts after host-2 failed.
        (("--serial", "--fail-fast"), ["host-2"], {"host-1": 3, "host-2": 2}),
        # --max-failures 1: the second failure stops the fleet.
        (
            ("--serial", "--max-failures", "1"),
            ["host-2", "host-3"],
            {"host-1": 3, "host-2": 2, "host-3": 2},
        ),
        # Without a failure limit every host runs.
        (("--serial",), ["host-2", "host-3"], {"host-1": 3, "host-2": 2, "host-3": 2, "host-4": 3}),
        # --batch 2: host-2 fails in the first batch, the second never starts.
        (("--batch", "2"), ["host-2"], {"host-1": 3, "host-2": 2}),
        # --batch 2: the first batch passed, so the second runs (and host-3 fails in it).
        (("--batch", "2"), ["host-3"], {"host-1": 3, "host-2": 3, "host-3": 2, "host-4": 3}),
        # --continue-on-error rolls on past a failed batch.
        (
            ("--batch", "2", "--continue-on-error"),
            ["host-1"],
            {"host-1": 2, "host-2": 3, "host-3": 3, "host-4": 3},
        ),
    ],
)
def test_strategies_and_failure_limits(fleet, tmp_path, args, failing, expected):
    for name in failing:
        fleet.by_name(name).stand_in("probe", PROBE_FAIL)
    result = run_fleet(fleet, tmp_path, "--json", *args)
    assert result.returncode == 1, result.stderr
    ran = finished(events(result.stdout))
    assert {host: len(steps) for host, steps in ran.items()} == expected
    for host in failing:
        if host in ran:
            assert ran[host][-1] == (2, "failed")


def test_batches_start_only_after_the_previous_batch(fleet, tmp_path):
    result = run_fleet(fleet, tmp_path, "--json", "--batch", "2")
    assert result.returncode == 0, result.stderr
    order = [
        (e["event"], e.get("host") or e.get("result", {}).get("host"))
        for e in events(result.stdout)
        if e["event"] in ("StepStarted", "StepFinished")
    ]
    first_of_second = min(i for i, (kind, host) in enumerate(order) if host in ("host-3", "host-4"))
    last_of_first = max(i for i, (kind, host) in enumerate(order) if host in ("host-1", "host-2"))
    assert last_of_first < first_of_second


def test_per_host_variables_fill_placeholders(fleet, tmp_path):
    inventory = tmp_path / "vars.yaml"
    lines = ["groups:", "  cache:", "    vars: {role: replica}", "    hosts:"]
    for index, server in enumerate(fleet.servers[:2]):
        role = ", vars: {role: primary}" if index == 0 else ""
        lines.append(
            f"      - {{name: {server.name}, hostname: {server.address}, "
            f"port: {server.port}{role}}}"
        )
    inventory.write_text("\n".join(lines) + "\n")
    runbook = write_runbook(
        tmp_path, '# Step 1: Role\necho "role=${role}"', name="fleet", front="hosts: cache\n"
    )
    result = run_cli(
        "run",
        str(runbook),
        "-s",
        "fix",
        "--hosts",
        f"@{inventory}",
        "--ssh-config",
        str(fleet.ssh_config),
        "--json",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    outputs = {
        e["result"]["host"]: e["result"]["stdout"].strip()
        for e in events(result.stdout)
        if e["event"] == "StepFinished"
    }
    assert outputs == {"host-1": "role=primary", "host-2": "role=replica"}


@pytest.mark.parametrize(
    ("inventory", "args", "message"),
    [
        ("groups:\n  cache: [a\n", (), "inventory.yaml:3: invalid YAML"),
        (
            "groups:\n  cache: [host-1]\n",
            ("--group", "db"),
            "inventory.yaml:1: unknown host group 'db'",
        ),
    ],
)
def test_a_bad_inventory_runs_nothing(fleet, tmp_path, inventory, args, message):
    (tmp_path / "inventory.yaml").write_text(inventory)
    marker = 'touch "$HOME/ran-$(date +%s%N)"'
    runbook = write_runbook(tmp_path, f"# Step 1: Mark\n{marker}", name="fleet")
    before = {s.name: sorted(s.home.glob("ran-*")) for s in fleet.servers}
    result = run_cli(
        "run",
        str(runbook),
        "-s",
        "fix",
        "--hosts",
        "@inventory.yaml",
        *args,
        "--ssh-config",
        str(fleet.ssh_config),
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert {s.name: sorted(s.home.glob("ran-*")) for s in fleet.servers} == before


def _spawn_fleet(fleet: Any, tmp_path: Path, runbook: Path) -> Any:
    pexpect = pytest.importorskip("pexpect")
    inventory = fleet.inventory(tmp_path / "inventory.yaml")
    env = {
        **os.environ,
        "NO_COLOR": "1",
        "COLUMNS": "200",
        "RUNBOOKKIT_HISTORY": str(tmp_path / "h.sqlite"),
    }
    args = ["-m", "runbookkit", "run", str(runbook), "-s", "fix", "--hosts", f"@{inventory}"]
    args += ["--ssh-config", str(fleet.ssh_config)]
    return pexpect.spawn(sys.executable, args, cwd=str(ROOT), env=env, encoding="utf-8", timeout=60)


def test_skipping_a_destructive_step_skips_it_on_every_host_and_goes_on(fleet, tmp_path):
    pexpect = pytest.importorskip("pexpect")
    steps = '# Step 1: Clean\nrm -rf "$HOME/keep"\n\n# Step 2: Mark\ntouch "$HOME/ran-mark"'
    runbook = write_runbook(tmp_path, steps, name="fleet")
    for server in fleet.servers:
        (server.home / "keep").mkdir(exist_ok=True)
    child = _spawn_fleet(fleet, tmp_path, runbook)
    child.expect(r"s to skip it, a to abort: ")
    child.sendline("s")
    child.expect(pexpect.EOF)
    child.close()
    rest = child.before
    assert "DESTRUCTIVE" not in rest  # asked once, not once per host
    assert "step 2 Mark: passed on 4/4 hosts" in rest
    assert child.exitstatus == 0, rest
    assert all((s.home / "ran-mark").exists() for s in fleet.servers)
    assert all((s.home / "keep").is_dir() for s in fleet.servers)  # step 1 ran nowhere


def test_destructive_step_is_confirmed_once_for_every_host(fleet, tmp_path):
    pexpect = pytest.importorskip("pexpect")
    runbook = write_runbook(
        tmp_path,
        '# Step 1: Clean\nrm -rf "$HOME/scratch"\n\n# Step 2: Done\necho done',
        name="fleet",
    )
    inventory = fleet.inventory(tmp_path / "inventory.yaml")
    env = {
        **os.environ,
        "NO_COLOR": "1",
        "COLUMNS": "200",
        "RUNBOOKKIT_HISTORY": str(tmp_path / "h.sqlite"),
    }
    child = pexpect.spawn(
        sys.executable,
        [
            "-m",
            "runbookkit",
            "run",
            str(runbook),
            "-s",
            "fix",
            "--hosts",
            f"@{inventory}",
            "--ssh-config",
            str(fleet.ssh_config),
        ],
        cwd=str(ROOT),
        env=env,
        encoding="utf-8",
        timeout=60,
    )
    child.expect("DESTRUCTIVE")
    child.expect(r"Type the step number \(1\)")
    shown = child.before
    for server in fleet.servers:
        assert f"on root@{server.address}:{server.port}: rm -rf" in shown
    child.sendline("1")
    child.expect(pexpect.EOF)
    child.close()
    rest = child.before
    assert "DESTRUCTIVE" not in rest  # asked once, not once per host
    assert "step 1 Clean: passed on 4/4 hosts" in rest
    assert child.exitstatus == 0


def test_destructive_step_without_a_terminal_is_refused_on_every_host(fleet, tmp_path):
    runbook = write_runbook(tmp_path, '# Step 1: Clean\nrm -rf "$HOME/scratch"', name="fleet")
    result = run_fleet(fleet, tmp_path, steps='# Step 1: Clean\nrm -rf "$HOME/scratch"')
    assert result.returncode == 3
    assert "step 1 Clean: passed on 0/4 hosts" in result.stdout
    assert runbook.exists()


def test_a_refused_destructive_step_is_shown_on_each_host_it_would_have_run_on(fleet, tmp_path):
    result = run_fleet(fleet, tmp_path, "--json", steps='# Step 1: Clean\nrm -rf "$HOME/x"')
    assert result.returncode == 3
    events = [json.loads(line) for line in result.stdout.splitlines()]
    where = {f"root@{s.address}:{s.port}" for s in fleet.servers}
    started = [e for e in events if e["event"] == "StepStarted"]
    finished = [e["result"] for e in events if e["event"] == "StepFinished"]
    assert {e["target"] for e in started} == where
    assert {(r["status"], r["target"]) for r in finished} == {("declined", w) for w in where}


def test_a_host_going_down_mid_run_reports_a_connection_error(ssh_keys, tmp_path):
    from tests.support.fleet_servers import start_fleet

    servers = start_fleet(tmp_path / "servers", 3, ssh_keys, first=20)
    try:
        steps = (
            "# Step 1: One\necho one\n\n# Step 2: Wait\nsleep 2; echo two\n\n"
            "# Step 3: Three\necho three"
        )
        runbook = write_runbook(tmp_path, steps, name="fleet")
        inventory = servers.inventory(tmp_path / "inventory.yaml")
        env = {**os.environ, "RUNBOOKKIT_HISTORY": str(tmp_path / "h.sqlite")}
        command = [
            sys.executable,
            "-m",
            "runbookkit",
            "run",
            str(runbook),
            "-s",
            "fix",
            "--hosts",
            f"@{inventory}",
            "--ssh-config",
            str(servers.ssh_config),
            "--json",
        ]
        with subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
        ) as proc:
            assert proc.stdout is not None
            stream = []
            for line in proc.stdout:
                event = json.loads(line)
                stream.append(event)
                if event["event"] == "StepStarted" and (event["host"], event["number"]) == (
                    "host-2",
                    2,
                ):
                    servers.by_name("host-2").drop()
            code = proc.wait(60)
    finally:
        servers.stop()
    assert code == 1
    ran = finished(stream)
    assert ran["host-1"] == ran["host-3"] == [(1, "passed"), (2, "passed"), (3, "passed")]
    assert ran["host-2"] == [(1, "passed"), (2, "failed")]
    error = next(
        e["result"]["error"]
        for e in stream
        if e["event"] == "StepFinished"
        and e["result"]["host"] == "host-2"
        and e["result"]["number"] == 2
    )
    assert "connection" in error.lower()


def test_ctrl_c_stops_every_host_and_exits_130(fleet, tmp_path):
    marker = f"sleep 5{random.randrange(10**6)}.5"  # unique, to find the hosts' processes
    steps = f"# Step 1: Hang\n{marker}; echo late\n\n# Step 2: Never\necho never"
    runbook = write_runbook(tmp_path, steps, name="fleet")
    inventory = fleet.inventory(tmp_path / "inventory.yaml")
    env = {**os.environ, "RUNBOOKKIT_HISTORY": str(tmp_path / "h.sqlite")}
    command = [
        *(sys.executable, "-m", "runbookkit", "run", str(runbook), "-s", "fix"),
        *("--hosts", f"@{inventory}", "--ssh-config", str(fleet.ssh_config), "--json"),
    ]
    with subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        stream, started = [], set()
        for line in proc.stdout:
            event = json.loads(line)
            stream.append(event)
            if event["event"] == "StepStarted":
                started.add(event["host"])
                if started == set(fleet.names()):
                    proc.send_signal(signal.SIGINT)
        code = proc.wait(10)
    assert code == 130
    assert stream[-1]["event"] == "RunFinished" and stream[-1]["status"] == "interrupted"
    ran = finished(stream)
    assert all(steps == [(1, "failed")] for steps in ran.values()), ran
    # The commands that were running on the hosts are stopped too, not only cut off from us.
    assert wait_for(lambda: not remote_processes(marker), 5), remote_processes(marker)


def test_secrets_from_the_environment_are_masked_on_every_host(fleet, tmp_path):
    steps = "# Step 1: Print\nprintf 'fleet-'; sleep 0.2; printf '%s\\n' \"${PW#fleet-}\""
    runbook = write_runbook(tmp_path, steps, name="fleet")
    inventory = fleet.inventory(tmp_path / "inventory.yaml")
    done = run_cli(
        "run", str(runbook), "-s", "fix", "--hosts", f"@{inventory}",
        "--ssh-config", str(fleet.ssh_config), "--json", "--secret-env", "PW",
        cwd=tmp_path,
        env={"RUNBOOKKIT_HISTORY": str(tmp_path / "history.sqlite"), "PW": "fleet-s3cr3t"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    stream = events(done.stdout)
    shown = {}
    for event in stream:
        if event["event"] == "StepOutput":
            shown[event["host"]] = shown.get(event["host"], "") + event["text"]
    assert shown == dict.fromkeys(fleet.names(), "***\n")
    assert "s3cr3t" not in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--serial", "--parallel", "2"), "--serial and --parallel contradict each other"),
        (("--max-failures", "-1"), "--max-failures -1: expected 0 or more"),
    ],
)
def test_strategy_errors_name_the_flags(tmp_path: Path, flags: tuple[str, ...], message: str):
    """The library's strategy names its parameters; the command line words them as flags."""
    from runbookkit.errors import ConfigError
    from runbookkit.fleet.strategy import Strategy

    given = {"serial": True, "parallel": 2} if "--serial" in flags else {"max_failures": -1}
    with pytest.raises(ConfigError) as raised:
        Strategy.from_flags(**given)  # type: ignore[arg-type]
    assert "--" not in raised.value.message
    runbook = write_runbook(tmp_path, "echo one", name="fleet")
    done = run_cli("run", str(runbook), "-s", "fix", "--hosts", "h1,h2", *flags, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().startswith(message), done.stderr


def _two_secret_hosts(servers: list[Any] | None = None) -> list[Any]:
    """Two hosts whose ``db_pw`` (secret) differ, each given the other's as a plain ``peer``."""
    from runbookkit.fleet.hosts import Host

    values = ["alpha-s3cr3t", "beta-s3cr3t"]
    hosts = []
    for index, mine in enumerate(values):
        place = {"hostname": "127.0.0.9"}
        if servers is not None:
            place = {"hostname": servers[index].address, "port": servers[index].port}
        peer = values[1 - index]
        hosts.append(Host(f"host-{index + 1}", **place, vars={"db_pw": mine, "peer": peer}))
    return hosts


def test_the_fleet_and_every_host_runner_mask_with_one_redactor_of_every_hosts_secrets(tmp_path):
    from runbookkit import runs
    from runbookkit.execute.runner import RunOptions
    from runbookkit.fleet.resolve import Fleet
    from runbookkit.fleet.run import FleetRunner

    path = write_runbook(tmp_path, 'echo "$db_pw $peer"', name="fleet", front="secrets: [db_pw]\n")
    parsed = runs.load(path)
    options = runs.run_options(RunOptions(), parsed)
    hosts = _two_secret_hosts()
    given = runs.run_redactor(options, Fleet(hosts))
    assert given.values == ("alpha-s3cr3t", "beta-s3cr3t")
    fleet = FleetRunner(runs.plan_for(parsed, "fix", options), hosts, options, redactor=given)
    assert fleet.redactor is given
    assert all(runner.redactor is given for runner in fleet.runners.values())
    # Nothing connected yet, and each host's runner already masks the other host's secret.
    assert given.text("host-2 says alpha-s3cr3t") == "host-2 says ***"
    alone = FleetRunner(runs.plan_for(parsed, "fix", options), hosts, options)
    assert alone.redactor.values == given.values  # without one given: its own, as complete


def test_a_secret_of_one_host_is_masked_in_every_hosts_output_on_screen_and_in_the_store(
    fleet, tmp_path
):
    from runbookkit.history import open_store

    hosts = _two_secret_hosts(fleet.servers[:2])
    inventory = tmp_path / "inventory.yaml"
    lines = ["groups:", "  pair:", "    hosts:"]
    for host in hosts:
        lines.append(
            f"      - {{name: {host.name}, hostname: {host.hostname}, port: {host.port}, "
            f"vars: {{db_pw: {host.vars['db_pw']}, peer: {host.vars['peer']}}}}}"
        )
    inventory.write_text("\n".join(lines) + "\n")
    steps = '# Step 1: Print\necho "mine=$db_pw peer=$peer"; echo "$peer" >&2'
    runbook = write_runbook(tmp_path, steps, name="fleet", front="secrets: [db_pw]\n")
    store = tmp_path / "history.sqlite"
    args = ("run", str(runbook), "-s", "fix", "--hosts", f"@{inventory}")
    args += ("--ssh-config", str(fleet.ssh_config), "--history", str(store))
    as_json = run_cli(*args, "--json", cwd=tmp_path)
    plain = run_cli(*args, "--output", "prefixed", cwd=tmp_path)
    assert as_json.returncode == 0, as_json.stderr
    assert plain.returncode == 0, plain.stderr
    stream = events(as_json.stdout)
    shown = {e["result"]["host"]: e["result"] for e in stream if e["event"] == "StepFinished"}
    with open_store(store) as opened:
        kept = {step.host: step for step in opened.get_run(stream[0]["run_id"]).steps}
    assert sorted(shown) == sorted(kept) == ["host-1", "host-2"]
    for name, result in shown.items():
        assert (result["stdout"], result["stderr"]) == ("mine=*** peer=***\n", "***\n")
        assert (kept[name].stdout, kept[name].stderr) == (result["stdout"], result["stderr"])
    for name in ("host-1", "host-2"):
        assert f"{name} | mine=*** peer=***" in plain.stdout.splitlines()
    text = as_json.stdout + as_json.stderr + plain.stdout + plain.stderr
    text += store.read_bytes().decode("utf-8", "replace")
    assert "alpha-s3cr3t" not in text and "beta-s3cr3t" not in text
