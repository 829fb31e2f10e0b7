"""Real Prometheus and Alertmanager on loopback ports, plus a tiny exporter for a redis-server.

Both run as plain processes with their own config file and data directory, at 1 s scrape,
evaluation and group intervals, and are stopped by their PIDs. The exporter is an HTTP server in
the test process: ``redis_up 1`` while the redis service answers PING, else ``redis_up 0``.
"""

from __future__ import annotations

import http.server
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.support.net import free_port, stop, wait_listening

PROMETHEUS = Path("/usr/bin/prometheus")
ALERTMANAGER = Path("/usr/bin/prometheus-alertmanager")


def missing() -> str | None:
    """Why the monitoring stack can't run here, or None."""
    for binary in (PROMETHEUS, ALERTMANAGER):
        if not binary.is_file():
            return f"{binary} is not installed (scripts/system-deps installs it)"
    return None


class Exporter:
    """``GET /metrics`` → ``redis_up 1|0`` as ``up()`` says, on 127.0.0.1:``port``."""

    def __init__(self, up: Callable[[], bool]) -> None:
        check = up

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = f"# TYPE redis_up gauge\nredis_up {int(check())}\n".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@dataclass
class Monitoring:
    """Prometheus alerting to Alertmanager, which posts to ``webhook`` with a bearer token."""

    directory: Path
    prometheus: subprocess.Popen[bytes]
    alertmanager: subprocess.Popen[bytes]
    prometheus_port: int
    alertmanager_port: int

    @classmethod
    def start(
        cls,
        directory: Path,
        *,
        exporter_port: int,
        instance: str,
        runbook_url: str,
        webhook: str,
        token_file: Path,
    ) -> Monitoring:
        directory.mkdir(parents=True, exist_ok=True)
        am_port, prom_port = free_port(), free_port()
        (directory / "alertmanager.yml").write_text(
            "route:\n  receiver: runbookkit\n  group_by: [alertname, instance]\n"
            "  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\n"
            "receivers:\n  - name: runbookkit\n    webhook_configs:\n"
            f"      - url: {webhook}\n        send_resolved: true\n"
            "        http_config:\n          authorization:\n            type: Bearer\n"
            f"            credentials_file: {token_file}\n"
        )
        (directory / "rules.yml").write_text(
            "groups:\n  - name: redis\n    interval: 1s\n    rules:\n"
            "      - alert: RedisDown\n        expr: redis_up == 0\n        for: 0s\n"
            "        labels: {severity: critical}\n        annotations:\n"
            "          summary: redis on {{ $labels.instance }} does not answer\n"
            f"          runbook_url: {runbook_url}\n"
        )
        (directory / "prometheus.yml").write_text(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            f"rule_files: [{directory / 'rules.yml'}]\n"
            "alerting:\n  alertmanagers:\n"
            f"    - static_configs: [{{targets: ['127.0.0.1:{am_port}']}}]\n"
            "scrape_configs:\n  - job_name: redis\n"
            f"    static_configs: [{{targets: ['127.0.0.1:{exporter_port}']}}]\n"
            "    relabel_configs:\n"
            f"      - {{target_label: instance, replacement: '{instance}'}}\n"
        )
        log = (directory / "alertmanager.log").open("wb")
        alertmanager = subprocess.Popen(
            [
                str(ALERTMANAGER),
                f"--config.file={directory / 'alertmanager.yml'}",
                f"--storage.path={directory / 'am-data'}",
                f"--web.listen-address=127.0.0.1:{am_port}",
                "--cluster.listen-address=",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log = (directory / "prometheus.log").open("wb")
        prometheus = subprocess.Popen(
            [
                str(PROMETHEUS),
                f"--config.file={directory / 'prometheus.yml'}",
                f"--storage.tsdb.path={directory / 'prom-data'}",
                f"--web.listen-address=127.0.0.1:{prom_port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started = cls(directory, prometheus, alertmanager, prom_port, am_port)
        try:
            wait_listening("127.0.0.1", am_port, alertmanager, timeout=30)
            wait_listening("127.0.0.1", prom_port, prometheus, timeout=30)
        except BaseException:
            started.stop()
            raise
        return started

    def stop(self) -> None:
        stop(self.prometheus)
        stop(self.alertmanager)
