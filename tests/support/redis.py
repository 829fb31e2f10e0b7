"""A real redis-server on a loopback port, run like a system service (config, pidfile, log).

:meth:`RedisService.start` and :meth:`stop` are what the ``systemctl`` stand-in does too, so a
test can break the service (``broken=True`` writes a config redis refuses) and watch a runbook
bring it back, or fail to.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.net import free_port

REDIS_SERVER = "/usr/bin/redis-server"
REDIS_CLI = "/usr/bin/redis-cli"


def ping(address: str, port: int, timeout: float = 0.5) -> bool:
    """True when a Redis server answers PING with PONG at ``address:port``."""
    try:
        with socket.create_connection((address, port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


@dataclass
class RedisService:
    """A redis-server whose files live in ``directory``."""

    directory: Path
    port: int
    address: str = "127.0.0.1"

    @classmethod
    def create(
        cls, directory: Path, *, address: str = "127.0.0.1", broken: bool = False
    ) -> RedisService:
        """Write the config for a new service on a free port (not started)."""
        directory.mkdir(parents=True, exist_ok=True)
        service = cls(directory, free_port(address), address)
        service.write_config(broken=broken)
        return service

    @property
    def conf(self) -> Path:
        return self.directory / "redis.conf"

    @property
    def pidfile(self) -> Path:
        return self.directory / "redis.pid"

    @property
    def log(self) -> Path:
        return self.directory / "redis-server.log"

    def write_config(self, *, broken: bool = False) -> None:
        """Write redis.conf; ``broken`` points ``dir`` at a folder that doesn't exist."""
        data = self.directory / ("missing-data-dir" if broken else "data")
        if not broken:
            data.mkdir(exist_ok=True)
        self.conf.write_text(
            f"port {self.port}\nbind {self.address}\ndaemonize yes\npidfile {self.pidfile}\n"
            f'logfile {self.log}\ndir {data}\nsave ""\nappendonly no\n'
        )

    def pid(self) -> int | None:
        """The PID of the running server, if it runs."""
        try:
            pid = int(self.pidfile.read_text().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        return pid

    def ping(self) -> bool:
        """True when the server answers PING."""
        return ping(self.address, self.port)

    def start(self, timeout: float = 5) -> None:
        """Start the server (it daemonizes) and wait for PONG."""
        subprocess.run([REDIS_SERVER, str(self.conf)], check=True, capture_output=True)
        deadline = time.monotonic() + timeout
        while not self.ping():
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis did not answer on {self.port}; see {self.log}")
            time.sleep(0.01)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 5) -> None:
        """Stop the server by the PID in its pidfile (SIGKILL simulates a crash)."""
        pid = self.pid()
        if pid is None:
            return
        os.kill(pid, sig)
        deadline = time.monotonic() + timeout
        while self.pid() is not None and time.monotonic() < deadline:
            time.sleep(0.01)
        if self.pid() is not None:
            os.kill(pid, signal.SIGKILL)
