"""A real ``runbookkit serve`` process on a loopback port, its JSON log read as it goes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.conftest import ROOT

TOKEN = "t0ken-for-tests-only"


@dataclass
class Serve:
    """``python -m runbookkit serve --json --port 0 ARGS``, stopped by its PID."""

    process: subprocess.Popen[str]
    url: str = ""
    events: list[dict[str, Any]] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(cls, *args: str, env: dict[str, str] | None = None, token: bool = True) -> Serve:
        full = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT), **(env or {})}
        full.pop("RUNBOOKKIT_DEBUG", None)
        if token:
            full["RUNBOOKKIT_SERVE_TOKEN"] = TOKEN
        process = subprocess.Popen(
            [sys.executable, "-m", "runbookkit", "serve", "--json", "--port", "0", *args],
            cwd=ROOT,
            env=full,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        server = cls(process)
        threading.Thread(target=server._read, daemon=True).start()
        threading.Thread(target=server._read_err, daemon=True).start()
        listening = server.wait_for(lambda e: e["event"] == "listening", timeout=30)
        server.url = listening["url"]
        return server

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._lock:
                self.events.append(json.loads(line))

    def _read_err(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line)

    def wait_for(
        self, wanted: Callable[[dict[str, Any]], bool], timeout: float = 20, count: int = 1
    ) -> dict[str, Any]:
        """The ``count``-th logged event ``wanted`` accepts, waiting for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                found = [e for e in self.events if wanted(e)]
            if len(found) >= count:
                return found[count - 1]
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited {self.process.returncode}: {self.stderr}")
            time.sleep(0.02)
        raise AssertionError(f"no such event after {timeout}s; got {self.events}")

    def logged(self, name: str) -> list[dict[str, Any]]:
        with self._lock:
            return [e for e in self.events if e["event"] == name]

    def post(
        self,
        body: bytes | dict[str, Any],
        *,
        path: str = "/",
        headers: dict[str, str] | None = None,
        token: str | None = TOKEN,
    ) -> tuple[int, dict[str, Any]]:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        given = {"Content-Type": "application/json", **(headers or {})}
        if token is not None:
            given["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.url + path, data, given, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def get(self, path: str) -> tuple[int, str]:
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return response.status, response.read().decode()

    def kill(self) -> None:
        """SIGKILL: no chance to tidy up (a crash)."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
