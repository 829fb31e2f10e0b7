"""Stand-ins for ``systemctl``, ``pm2`` and ``redis-cli`` on a test login's PATH.

These machines have no systemd and no pm2. The stand-ins act on a real
:class:`~tests.support.redis.RedisService` the way the real tools would on a server: start it
from its config, report its state with systemd's exit codes, restart "apps" that log whether they
reached Redis, and point ``redis-cli`` at the service's port. runbookkit knows nothing of them.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.redis import REDIS_CLI, REDIS_SERVER, RedisService

SYSTEMCTL = """#!/bin/bash
# systemctl stand-in for the unit redis-server only.
conf={conf}; pidfile={pidfile}; log={log}
running() {{ [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }}
pong() {{ [ "$({cli} -h {address} -p {port} ping 2>/dev/null)" = PONG ]; }}
action=$1; unit=${{2%.service}}
if [ "$unit" != redis-server ]; then echo "Unit $2.service not found." >&2; exit 5; fi
case $action in
  start|restart)
    if [ "$action" = restart ] && running; then kill "$(cat "$pidfile")"; sleep 0.2; fi
    running && exit 0
    if ! {server} "$conf" >/dev/null 2>&1; then
      echo "Job for redis-server.service failed because the control process exited" \\
        "with error code." >&2
      echo "See \\"systemctl status redis-server.service\\" for details." >&2
      exit 1
    fi
    for i in $(seq 100); do pong && exit 0; sleep 0.02; done
    echo "Job for redis-server.service failed: no answer on port {port}." >&2; exit 1 ;;
  stop)
    running && kill "$(cat "$pidfile")"
    for i in $(seq 100); do running || exit 0; sleep 0.02; done; exit 1 ;;
  status)
    if running; then
      echo "● redis-server.service - Advanced key-value store"
      echo "     Loaded: loaded (/lib/systemd/system/redis-server.service; enabled)"
      echo "     Active: active (running)"
      echo "   Main PID: $(cat "$pidfile") (redis-server)"
      exit 0
    fi
    echo "○ redis-server.service - Advanced key-value store"
    echo "     Loaded: loaded (/lib/systemd/system/redis-server.service; enabled)"
    echo "     Active: inactive (dead)"
    exit 3 ;;
  is-active) if running; then echo active; exit 0; fi; echo inactive; exit 3 ;;
  enable|disable) exit 0 ;;
  *) echo "Unknown command verb $action." >&2; exit 1 ;;
esac
"""

PM2 = """#!/bin/bash
# pm2 stand-in: apps that connect to Redis when restarted, and their logs.
out={out}; err={err}
touch "$out" "$err"
case $1 in
  restart)
    shift
    for app in "$@"; do
      echo "[PM2] Applying action restartProcessId on app [$app]"
      echo "[PM2] [$app] ✓"
      if [ "$({cli} -h {address} -p {port} ping 2>/dev/null)" = PONG ]; then
        echo "$app: connected to redis at {address}:{port}" >> "$out"
      else
        echo "$app: Error: connect ECONNREFUSED {address}:{port}" >> "$err"
      fi
    done ;;
  logs)
    shift; lines=15; which=both
    while [ $# -gt 0 ]; do
      case $1 in --lines) lines=$2; shift ;; --err) which=err ;; --out) which=out ;; esac; shift
    done
    [ "$which" != err ] && tail -n "$lines" "$out"
    [ "$which" != out ] && tail -n "$lines" "$err"
    exit 0 ;;
  *) echo "pm2 stand-in: unsupported command $1" >&2; exit 1 ;;
esac
"""

REDIS_CLI_WRAPPER = """#!/bin/bash
exec {cli} -h {address} -p {port} "$@"
"""


def install(bin_dir: Path, service: RedisService) -> None:
    """Write the stand-ins into ``bin_dir`` for ``service``."""
    values = {
        "conf": service.conf,
        "pidfile": service.pidfile,
        "log": service.log,
        "server": REDIS_SERVER,
        "cli": REDIS_CLI,
        "address": service.address,
        "port": service.port,
        "out": service.directory / "pm2-out.log",
        "err": service.directory / "pm2-err.log",
    }
    for name, template in (
        ("systemctl", SYSTEMCTL),
        ("pm2", PM2),
        ("redis-cli", REDIS_CLI_WRAPPER),
    ):
        path = bin_dir / name
        path.write_text(template.format(**values))
        path.chmod(0o755)
