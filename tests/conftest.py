"""Shared test helpers: paths, and running the real command line (in this process or its own)."""

from __future__ import annotations

import os
import signal
import subprocess as _subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest

# A shell that starts a job in the background (`scripts/test &`, some CI runners) makes it ignore
# SIGINT, and an ignored signal stays ignored across exec: every `runbookkit` the tests start
# would then shrug off Ctrl-C. A handler of our own is reset to the default by exec instead.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-slow",
        action="store_true",
        help="also run the tests marked slow (the default when CI is set, as in CI)",
    )


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out the tests marked slow, unless CI is set, ``--run-slow`` or ``-m`` is given or
    the test's file is named on the command line."""
    if _in_ci() or config.getoption("--run-slow") or config.getoption("markexpr"):
        return
    here = config.invocation_params.dir
    named = {
        (here / arg.split("::")[0]).resolve()
        for arg in config.args
        if "::" in arg or arg.endswith(".py")
    }
    slow = [item for item in items if item.get_closest_marker("slow") and item.path not in named]
    if slow:
        config.hook.pytest_deselected(items=slow)
        chosen = set(map(id, slow))
        items[:] = [item for item in items if id(item) not in chosen]


# The time budget of one example of the parsers' property tests (``settings(deadline=…)``).
EXAMPLE_BUDGET = timedelta(seconds=1)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
GOLDEN = ROOT / "tests" / "golden"
RUNBOOKS = ROOT / "runbooks"
SEED = DATA / "seed.md"
REDIS = RUNBOOKS / "redis-connection-refused.md"


class _Expired(BaseException):
    """Raised in the main thread when an in-process run outlives its ``timeout``.

    A BaseException, so that the command's own ``except Exception`` does not turn it into an
    internal error: it reaches :func:`run_cli`, which raises what ``subprocess.run`` would.
    """


def run_cli(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    input: str | None = None,
    timeout: float = 60,
    subprocess: bool = False,
) -> _subprocess.CompletedProcess[str]:
    """Run ``runbookkit ARGS`` and capture its exit code, stdout and stderr.

    By default the command runs in this process (``runbookkit.cli.main`` under click's
    ``CliRunner`` isolation), which saves a Python start-up per call; ``subprocess=True`` runs
    ``python -m runbookkit ARGS`` instead, for what needs a process of its own: the entry point,
    signals, terminals, a process that must be killed after ``timeout``. Both see ``NO_COLOR=1``
    and ``COLUMNS=200`` on top of ``env``, never ``RUNBOOKKIT_DEBUG``, and run in ``cwd`` (the
    checkout by default).
    """
    if subprocess:
        full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
        full_env.pop("RUNBOOKKIT_DEBUG", None)
        return _subprocess.run(
            [sys.executable, "-m", "runbookkit", *args],
            cwd=cwd or ROOT,
            env=full_env,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    return _run_in_process(list(args), cwd or ROOT, env or {}, input, timeout)


def _run_in_process(
    args: list[str], cwd: Path, env: dict[str, str], input: str | None, timeout: float
) -> _subprocess.CompletedProcess[str]:
    """``runbookkit.cli.main(args)`` with what a fresh process would give it, then restored."""
    import builtins
    import gc
    import traceback

    import click.formatting
    import click.termui
    from click.testing import CliRunner

    from runbookkit.cli import main

    overrides: dict[str, str | None] = {"NO_COLOR": "1", "COLUMNS": "200", **env}
    overrides["RUNBOOKKIT_DEBUG"] = None
    runner = CliRunner()
    previous_dir = os.getcwd()
    in_main_thread = threading.current_thread() is threading.main_thread()

    def expire(signum: int, frame: object) -> None:
        raise _Expired

    with runner.isolation(input=input, env=overrides, color=False) as (out, err, _):
        # What a process with pipes for its streams gets: help as wide as COLUMNS allows
        # (CliRunner forces 80 columns) and prompts that do not echo the answer.
        click.formatting.FORCED_WIDTH = None
        click.termui.visible_prompt_func = builtins.input
        os.chdir(cwd)
        if in_main_thread:
            previous_alarm = signal.signal(signal.SIGALRM, expire)
            signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            try:
                main(args)
                code: int = 0
            except SystemExit as exc:
                if exc.code is None or isinstance(exc.code, int):
                    code = int(exc.code or 0)  # ExitCode members as the plain int
                else:  # sys.exit("message"): Python prints it and exits with 1
                    print(exc.code, file=sys.stderr)
                    code = 1
            except _Expired:
                raise _subprocess.TimeoutExpired(["runbookkit", *args], timeout) from None
            except Exception:  # what a process would print before exiting with 1
                traceback.print_exc(file=sys.stderr)
                code = 1
            finally:
                if in_main_thread:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                    signal.signal(signal.SIGALRM, previous_alarm)
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os.chdir(previous_dir)
            # The command freezes what start-up built (gc.freeze) for a process about to exit;
            # this process goes on, and its later garbage must stay collectable.
            gc.unfreeze()
        return _subprocess.CompletedProcess(
            ["runbookkit", *args],
            code,
            out.getvalue().decode("utf-8", "replace"),
            err.getvalue().decode("utf-8", "replace"),
        )


@pytest.fixture(scope="session")
def _cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def _cache_in_tmp(_cache_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """What commands keep between runs (parse trees, routes) goes to the tests' own directory."""
    monkeypatch.setenv("RUNBOOKKIT_CACHE_DIR", str(_cache_dir))


@pytest.fixture(autouse=True)
def _history_in_tmp(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Runs made by tests are recorded in a store of their own, never in the checkout."""
    store = tmp_path_factory.mktemp("history") / "history.sqlite"
    monkeypatch.setenv("RUNBOOKKIT_HISTORY", str(store))


@pytest.fixture
def cli():
    """The :func:`run_cli` helper as a fixture."""
    return run_cli


# Real servers on loopback (tests/support): sshd and redis-server, stopped by PID at teardown.

SSHD_MISSING = not Path("/usr/sbin/sshd").exists()
REDIS_MISSING = not Path("/usr/bin/redis-server").exists()


@pytest.fixture(scope="session")
def ssh_keys(tmp_path_factory):
    """Host key, accepted client key and an unaccepted key, generated once per session."""
    from tests.support.sshd import Keys

    return Keys.generate(tmp_path_factory.mktemp("ssh-keys"))


@pytest.fixture
def sshd_factory(tmp_path, ssh_keys):
    """Start sshd servers: ``sshd_factory(address="127.0.0.2", env={...})``; all stopped after.

    ``keys`` replaces the session's keys (a host key of its own), ``extra`` adds sshd_config lines.
    """
    from tests.support.sshd import Keys, start_sshd

    if SSHD_MISSING:
        pytest.skip("sshd is not installed (scripts/system-deps installs it)")
    servers = []

    def start(
        address: str = "127.0.0.1",
        env: dict[str, str] | None = None,
        keys: Keys | None = None,
        extra: str = "",
    ):
        directory = tmp_path / f"sshd-{len(servers)}"
        server = start_sshd(directory, keys or ssh_keys, address=address, env=env, extra=extra)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def sshd(sshd_factory):
    """One real sshd on 127.0.0.1 (a free port), accepting ``ssh_keys.client`` for root."""
    return sshd_factory()


@pytest.fixture
def redis_factory(tmp_path):
    """Create redis services (``redis_factory(broken=False)``, not started); all stopped after."""
    from tests.support.redis import RedisService

    if REDIS_MISSING:
        pytest.skip("redis-server is not installed (scripts/system-deps installs it)")
    services = []

    def create(broken: bool = False, address: str = "127.0.0.1"):
        directory = tmp_path / f"redis-{len(services)}"
        service = RedisService.create(directory, address=address, broken=broken)
        services.append(service)
        return service

    yield create
    for service in services:
        service.stop()


@pytest.fixture
def redis_server(redis_factory):
    """A running real redis-server on a free loopback port."""
    service = redis_factory()
    service.start()
    return service


@pytest.fixture
def redis_host(sshd_factory, redis_factory, tmp_path):
    """The redis runbook's host 46.149.70.219, played by a test sshd with a real redis service.

    ``redis_host(broken=False)`` returns a :class:`tests.support.hosts.RedisHost` whose
    ``ssh_config`` maps 46.149.70.219 to the sshd; its login has ``systemctl``, ``pm2`` and
    ``redis-cli`` stand-ins acting on the service (started unless ``running=False``).
    """
    from tests.support.hosts import make_redis_host

    def make(broken: bool = False, running: bool = True):
        service = redis_factory(broken=broken)
        if running and not broken:
            service.start()
        server = sshd_factory()
        return make_redis_host(server, service, tmp_path / f"client-{server.port}")

    return make


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL cluster on a free loopback port for the session, stopped by PID."""
    from tests.support.postgres import Cluster, available

    missing = available()
    if missing and _in_ci():
        pytest.fail(f"{missing}: CI must run the PostgreSQL tests")
    if missing:
        pytest.skip(missing)
    cluster = Cluster.create()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def pg_url(pg_cluster, request) -> str:
    """The URL (password in it) of a new, empty database on the session's cluster."""
    import re

    name = re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:40]
    return pg_cluster.create_database(f"t{len(pg_cluster.databases)}_{name}")
