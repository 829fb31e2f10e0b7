"""Stand up the redis runbook's host on this machine, for the demo.

Starts a real sshd on a free 127.0.0.1 port and a real redis-server behind it, with the same
``systemctl``/``pm2``/``redis-cli`` stand-ins the tests use (this machine has no systemd or pm2),
and writes an ssh_config that maps the runbook's host 46.149.70.219 to that sshd. It writes
``DIR/ready`` (the ssh_config path and redis pidfile) once everything answers, then stays up
until SIGTERM or SIGINT, when it stops what it started, by PID.

Usage: ``python scripts/demo_host.py DIR``
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.hosts import make_redis_host  # noqa: E402
from tests.support.redis import RedisService  # noqa: E402
from tests.support.sshd import Keys, start_sshd  # noqa: E402


def main(directory: Path) -> None:
    """Start the host, announce it, and wait for a signal to stop it."""
    directory.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    service = RedisService.create(directory / "redis")
    service.start()
    server = start_sshd(directory / "sshd", Keys.generate(directory / "keys"))
    try:
        host = make_redis_host(server, service, directory / "client")
        (directory / "ready").write_text(f"{host.files.ssh_config}\n{service.pidfile}\n")
        stop.wait()
    finally:
        server.stop()
        service.stop()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    main(Path(sys.argv[1]))
