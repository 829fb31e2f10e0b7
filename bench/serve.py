"""Benchmark of ``runbookkit serve``: alerts posted in bursts, from POST to the diagnosis run.

Posts ALERTS Alertmanager webhooks (default 1,000) for FINGERPRINTS distinct alerts (200) in
bursts of BURST (100) concurrent POSTs to a real ``serve`` process, and reports requests/s, the
time each POST took to be answered, the time from an alert's first POST to its diagnosis run
starting (the ``run started`` log line, written just before the run's first step), the
receiver's peak memory, and asserts that nothing was lost or run twice: one passed run per
fingerprint, every other POST of it counted as a repeat.

Baseline, measured in the same run: a webhook-to-exec bridge that starts ``runbookkit run`` as a
new process per alert (what prometheus-am-executor-style bridges do), at the same concurrency,
answering each POST once the alert is handed to its process queue, and timed to the child's
first ``StepStarted`` event. Starting a process per alert costs ~0.5 s of CPU here, so the
bridge gets the first BRIDGE_ALERTS alerts of the same stream (default 200: two bursts); it does
not deduplicate, so each of its alerts starts a process.

    .venv/bin/python bench/serve.py [--alerts 1000] [--fingerprints 200] [--burst 100]
        [--concurrency 4] [--bridge-alerts 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.server
import json
import os
import queue
import resource
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN = "bench-token"
RUNBOOK = """# BenchAlert

## Diagnosis

```bash
# Step 1: Look at the instance
echo "diagnosing $INSTANCE for $ALERTNAME"
```
"""


def body(seq: int, fingerprint: int) -> bytes:
    """One Alertmanager notification (each POST differs, as real ones do: no replay)."""
    alert = {
        "status": "firing",
        "labels": {"alertname": "BenchAlert", "instance": f"host-{fingerprint}:9100"},
        "annotations": {"summary": f"host-{fingerprint} is unhappy"},
        "startsAt": "2026-01-01T00:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus/graph",
        "fingerprint": f"{fingerprint:016x}",
    }
    payload = {"version": "4", "groupKey": f"bench:{seq}", "status": "firing", "alerts": [alert]}
    return json.dumps(payload).encode()


def post(url: str, data: bytes) -> tuple[float, float, int]:
    """POST ``data``; returns when it was sent (wall clock), how long the answer took, status."""
    request = urllib.request.Request(
        url, data, {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    )
    sent, begun = time.time(), time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status = response.status
            response.read()
    except urllib.error.HTTPError as error:
        status = error.code
    return sent, time.perf_counter() - begun, status


def stream(alerts: int, fingerprints: int) -> list[int]:
    """Which fingerprint each POST carries: every fingerprint early, then repeats, shuffled."""
    import random

    rng = random.Random(16)
    order = [n % fingerprints for n in range(alerts)]
    rng.shuffle(order)
    return order


def blast(url: str, order: list[int], burst: int) -> tuple[list[tuple[int, float, float]], float]:
    """Post ``order`` in bursts of ``burst`` concurrent POSTs; (fingerprint, sent, took) each."""
    results: list[tuple[int, float, float]] = []
    begun = time.perf_counter()
    with ThreadPoolExecutor(max_workers=min(burst, 32)) as pool:
        for start in range(0, len(order), burst):
            chunk = list(enumerate(order[start : start + burst], start))
            answers = list(pool.map(lambda item: post(url, body(*item)), chunk))
            for (_, fingerprint), (sent, took, status) in zip(chunk, answers, strict=True):
                assert status in (200, 202), status
                results.append((fingerprint, sent, took))
    return results, time.perf_counter() - begun


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def first_posts(results: list[tuple[int, float, float]]) -> dict[int, float]:
    first: dict[int, float] = {}
    for fingerprint, sent, _ in results:
        first[fingerprint] = min(sent, first.get(fingerprint, sent))
    return first


def run_serve(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    env = {**os.environ, "RUNBOOKKIT_SERVE_TOKEN": TOKEN, "PYTHONPATH": str(ROOT)}
    history = work / "serve.sqlite"
    process = subprocess.Popen(
        [sys.executable, "-m", "runbookkit", "serve", "--json", "--port", "0",
         "--runbooks-dir", str(work / "runbooks"), "--history", str(history),
         "--concurrency", str(args.concurrency)],
        env=env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    events: list[dict[str, Any]] = []
    listening: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            event = json.loads(line)
            events.append(event)
            if event["event"] == "listening":
                listening.put(event["url"])

    threading.Thread(target=read, daemon=True).start()
    url = listening.get(timeout=60) + "/alertmanager"
    order = stream(args.alerts, args.fingerprints)
    results, wall = blast(url, order, args.burst)
    deadline = time.monotonic() + 600
    while sum(e["event"] == "run finished" for e in events) < args.fingerprints:
        assert time.monotonic() < deadline, "runs did not finish"
        assert process.poll() is None, "serve exited"
        time.sleep(0.1)
    peak_kib = _peak_kib(process.pid)
    process.terminate()
    process.wait(30)
    started = [e for e in events if e["event"] == "run started"]
    by_key = {int(e["key"], 16): e for e in started}
    # Nothing lost, nothing run twice.
    assert len(started) == len(by_key) == args.fingerprints, (len(started), len(by_key))
    finished = [e for e in events if e["event"] == "run finished"]
    assert all(e["status"] == "passed" for e in finished)
    repeats = sum(e["event"] == "repeat" for e in events)
    assert repeats == args.alerts - args.fingerprints, repeats
    from runbookkit.history import open_store

    with open_store(history) as store:
        runs = store.list_runs(limit=None)
    assert len(runs) == args.fingerprints and all(r.status == "passed" for r in runs)
    first = first_posts(results)
    to_run = [
        dt.datetime.fromisoformat(by_key[f]["time"]).timestamp() - sent for f, sent in first.items()
    ]
    return {
        "requests": len(results),
        "rps": len(results) / wall,
        "answer": [took for _, _, took in results],
        "to_run": to_run,
        "memory_mib": peak_kib / 1024,
    }


def _peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


class Bridge:
    """Webhook → ``runbookkit run`` process per alert, at most ``concurrency`` at once."""

    def __init__(self, work: Path, concurrency: int) -> None:
        self.work = work
        self.runbook = work / "runbooks" / "bench-alert.md"
        self.jobs: queue.Queue[tuple[int, float] | None] = queue.Queue()
        self.first_step: dict[int, float] = {}
        self.started = 0
        self._lock = threading.Lock()
        bridge = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                data = self.rfile.read(int(self.headers["Content-Length"]))
                received = time.time()
                for alert in json.loads(data)["alerts"]:
                    bridge.jobs.put((int(alert["fingerprint"], 16), received))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        class Server(http.server.ThreadingHTTPServer):
            request_queue_size = 1024  # the default 5 resets a burst's connections

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.workers = [threading.Thread(target=self._work) for _ in range(concurrency)]
        for worker in self.workers:
            worker.start()

    def _work(self) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "RUNBOOKKIT_HISTORY": str(self.work / "bridge.sqlite"),
        }
        while (job := self.jobs.get()) is not None:
            fingerprint, _ = job
            process = subprocess.Popen(
                [sys.executable, "-m", "runbookkit", "run", str(self.runbook),
                 "--section", "diagnosis", "--json", "--var", f"INSTANCE=host-{fingerprint}:9100",
                 "--var", "ALERTNAME=BenchAlert"],
                env=env, stdout=subprocess.PIPE, text=True,
            )  # fmt: skip
            assert process.stdout is not None
            for line in process.stdout:
                if '"StepStarted"' in line:
                    with self._lock:
                        self.first_step.setdefault(fingerprint, time.time())
                        self.started += 1
            assert process.wait() == 0

    def stop(self) -> None:
        for _ in self.workers:
            self.jobs.put(None)
        for worker in self.workers:
            worker.join()
        self.httpd.shutdown()


def run_bridge(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    bridge = Bridge(work, args.concurrency)
    order = stream(args.alerts, args.fingerprints)[: args.bridge_alerts]
    results, wall = blast(bridge.url, order, args.burst)
    bridge.stop()
    assert bridge.started == len(order)
    # Each POST starts a process: time each alert's POST to its own process's first step is
    # approximated per fingerprint by the first POST and the first process of it.
    first = first_posts(results)
    to_run = [bridge.first_step[f] - sent for f, sent in first.items()]
    return {
        "requests": len(results),
        "rps": len(results) / wall,
        "answer": [took for _, _, took in results],
        "to_run": to_run,
        "memory_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--fingerprints", type=int, default=200)
    parser.add_argument("--burst", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--bridge-alerts", type=int, default=200)
    args = parser.parse_args()
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "runbookkit")], check=True)
    with tempfile.TemporaryDirectory(prefix="rbk-bench-serve-") as tmp:
        work = Path(tmp)
        (work / "runbooks").mkdir()
        (work / "runbooks" / "bench-alert.md").write_text(RUNBOOK)
        load = os.getloadavg()[0]
        serve = run_serve(args, work)
        bridge = run_bridge(args, work)
        load = max(load, os.getloadavg()[0])
    print(
        f"load average up to {load:.1f} on {os.cpu_count()} cores; concurrency {args.concurrency}"
    )
    print(
        f"serve : {serve['requests']} POSTs ({args.fingerprints} alerts), "
        f"{serve['rps']:.0f} requests/s; nothing lost or run twice (asserted)"
    )
    print(f"bridge: {bridge['requests']} POSTs, {bridge['rps']:.0f} requests/s")
    for name, key in (("POST answered", "answer"), ("POST -> run started", "to_run")):
        for q, label in ((0.5, "p50"), (0.99, "p99")):
            ours, theirs = pct(serve[key], q), pct(bridge[key], q)
            print(
                f"{name:>20} {label}: serve {ours * 1000:8.1f} ms   bridge "
                f"{theirs * 1000:8.1f} ms   ratio {ours / theirs:.3f}"
            )
    # The goal for intake: serve answers a POST in <= 0.05x the bridge's POST -> first step.
    for q, label in ((0.5, "p50"), (0.99, "p99")):
        ratio = pct(serve["answer"], q) / pct(bridge["to_run"], q)
        print(f"serve POST answered / bridge POST -> first step, {label}: {ratio:.4f}")
    print(f"memory: serve peak RSS {serve['memory_mib']:.0f} MiB; bridge: largest child "
          f"{bridge['memory_mib']:.0f} MiB x {args.concurrency} at once")  # fmt: skip


if __name__ == "__main__":
    main()
