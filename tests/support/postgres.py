"""A real, throwaway PostgreSQL cluster on a loopback port: ``initdb`` into a temp dir, then
``postgres`` started and stopped by its PID.

As root, the cluster is made and run as the ``postgres`` user (PostgreSQL refuses root). Logins
need a password (scram-sha-256), so a wrong one is refused as on a real server.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.net import free_port, wait_listening

BIN = max(Path("/usr/lib/postgresql").glob("*/bin"), default=Path("/usr/lib/postgresql/15/bin"))
USER = "runbookkit"
PASSWORD = "s3cret-pg-Pw"


def available() -> str | None:
    """Why no cluster can be made here, or None when it can."""
    if not (BIN / "initdb").is_file():
        return (
            f"PostgreSQL is not installed ({BIN}/initdb missing; scripts/system-deps installs it)"
        )
    if os.getuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a postgres user to run the server as"
    return None


@dataclass
class Cluster:
    """A cluster whose files live in ``directory``, listening on 127.0.0.1:``port``."""

    directory: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    databases: list[str] = field(default_factory=list)

    @classmethod
    def create(cls) -> Cluster:
        """``initdb`` a new cluster in a fresh temp dir (not started)."""
        directory = Path(tempfile.mkdtemp(prefix="rbk-pg-"))
        cluster = cls(directory, free_port())
        (directory / "pw").write_text(PASSWORD)
        (directory / "sock").mkdir()
        _own(directory)
        cluster._as_server(
            [
                str(BIN / "initdb"),
                "-D",
                str(cluster.data),
                "-U",
                USER,
                "--auth=scram-sha-256",
                f"--pwfile={directory / 'pw'}",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ]
        )
        with (cluster.data / "postgresql.conf").open("a") as conf:
            conf.write("fsync = off\nfull_page_writes = off\nmax_connections = 100\n")
        return cluster

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def url(self, database: str = "postgres", password: str | None = PASSWORD) -> str:
        """A URL of ``database`` (with ``password`` in it, if given)."""
        login = f"{USER}:{password}" if password is not None else USER
        return f"postgresql://{login}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        """Start the server and wait until it takes connections."""
        command = [
            str(BIN / "postgres"),
            "-D",
            str(self.data),
            "-p",
            str(self.port),
            "-k",
            str(self.directory / "sock"),
            "-h",
            "127.0.0.1",
        ]
        log = (self.directory / "server.log").open("ab")
        self.process = subprocess.Popen(
            _server_command(command), stdout=log, stderr=subprocess.STDOUT
        )
        wait_listening("127.0.0.1", self.port, self.process, timeout=30)
        self.wait_ready()

    def wait_ready(self, timeout: float = 30) -> None:
        """Wait until a login succeeds (the server may listen before it accepts logins)."""
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg.connect(self.url(), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def pid(self) -> int | None:
        """The postmaster's PID (first line of ``postmaster.pid``), while it runs."""
        try:
            pid = int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        return pid

    def stop(self, timeout: float = 15) -> None:
        """Stop the server by its PID (fast shutdown: SIGINT), then SIGKILL if it lingers."""
        process = self.process
        if process is None:
            return
        pid = self.pid()
        if pid is not None:
            os.kill(pid, signal.SIGINT)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            if pid is not None:
                os.kill(pid, signal.SIGKILL)
            process.kill()
            process.wait(timeout)
        self.process = None

    def create_database(self, name: str) -> str:
        """A new, empty database; returns its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        self.databases.append(name)
        return self.url(name)

    def remove(self) -> None:
        """Stop the server and delete its files."""
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def _as_server(self, command: list[str]) -> None:
        subprocess.run(_server_command(command), check=True, capture_output=True)


def _server_command(command: list[str]) -> list[str]:
    if os.getuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _own(directory: Path) -> None:
    if os.getuid() != 0:
        return
    entry = pwd.getpwnam("postgres")
    for path in [directory, *directory.rglob("*")]:
        os.chown(path, entry.pw_uid, entry.pw_gid)
