"""Shared test helpers: paths, and running the real command line in a subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

# A shell that starts a job in the background (`scripts/test &`, some CI runners) makes it ignore
# SIGINT, and an ignored signal stays ignored across exec: every `runbookkit` the tests start
# would then shrug off Ctrl-C. A handler of our own is reset to the default by exec instead.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# The time budget of one example of the parsers' property tests (``settings(deadline=…)``).
EXAMPLE_BUDGET = timedelta(seconds=1)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
GOLDEN = ROOT / "tests" / "golden"
RUNBOOKS = ROOT / "runbooks"
SEED = DATA / "seed.md"
REDIS = RUNBOOKS / "redis-connection-refused.md"


def run_cli(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    input: str | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m runbookkit ARGS`` and capture its output."""
    full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    full_env.pop("RUNBOOKKIT_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "runbookkit", *args],
        cwd=cwd or ROOT,
        env=full_env,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
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
    if missing and os.environ.get("CI"):
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
