"""Streaming stdin: each match is printed as soon as its line arrives, before the pipe closes."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.support.runbooks import write_runbook

REDIS_ERROR = "Error: connect ECONNREFUSED 127.0.0.1:6379"


@pytest.fixture
def follow() -> Iterator[subprocess.Popen[bytes]]:
    """``runbookkit match -`` with a pipe we write into slowly; the flags come from the test."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(*flags: str) -> subprocess.Popen[bytes]:
        env = {**os.environ, "NO_COLOR": "1"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "runbookkit", "match", "-", *flags],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        procs.append(proc)
        return proc

    yield start  # type: ignore[misc]
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def write(proc: subprocess.Popen[bytes], text: str) -> None:
    assert proc.stdin is not None
    proc.stdin.write(text.encode())
    proc.stdin.flush()


def read_line(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> bytes:
    """One line of output, failing if it does not come within ``timeout`` seconds."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    data = b""
    deadline = time.monotonic() + timeout
    while not data.endswith(b"\n"):
        left = deadline - time.monotonic()
        assert left > 0 and select.select([fd], [], [], left)[0], f"no output, got {data!r}"
        chunk = os.read(fd, 1)
        assert chunk, "output closed"
        data += chunk
    return data


def test_each_match_is_printed_before_the_pipe_closes(follow) -> None:
    proc = follow()
    write(proc, "starting\n")
    time.sleep(0.3)
    write(proc, REDIS_ERROR + "\n")
    assert read_line(proc).startswith(b"redis-connection-refused ")
    assert read_line(proc) == f"  -:2: {REDIS_ERROR}\n".encode()
    time.sleep(0.3)
    write(proc, "ok\n")
    time.sleep(0.3)
    write(proc, "Could not connect to Redis at 127.0.0.1:6379: Connection refused\n")
    read_line(proc)
    assert read_line(proc).startswith(b"  -:4: ")
    assert proc.poll() is None  # still reading: the pipe is open
    assert proc.stdin is not None
    proc.stdin.close()
    assert proc.wait(timeout=10) == 0


def test_json_match_waits_for_its_trace_then_prints_promptly(follow) -> None:
    proc = follow("--json")
    write(proc, REDIS_ERROR + "\n")
    time.sleep(0.05)
    write(proc, "  at TCPConnectWrap.afterConnect (net.js:1144:16)\n")
    started = time.monotonic()
    body = json.loads(read_line(proc))
    assert time.monotonic() - started < 3
    assert body["line"] == 1
    assert body["continuation"] == ["  at TCPConnectWrap.afterConnect (net.js:1144:16)"]
    write(proc, "redis error again\nnext line\n")
    assert json.loads(read_line(proc))["line"] == 3
    assert proc.poll() is None
    assert proc.stdin is not None
    proc.stdin.close()
    assert proc.wait(timeout=10) == 0


def test_nothing_matched_on_stream_exits_1(follow) -> None:
    proc = follow()
    write(proc, "a\nb\n")
    assert proc.stdin is not None
    proc.stdin.close()
    assert proc.wait(timeout=10) == 1


def _peak_kb(runbooks_dir: Path, megabytes: int) -> tuple[int, str, str]:
    """Feed ``match -`` MEGABYTES without a newline, then a matching line, through a real pipe;
    return the child's peak resident memory (kB), its stdout and its stderr."""
    env = {**os.environ, "NO_COLOR": "1"}
    command = [sys.executable, "-m", "runbookkit", "match", "--runbooks-dir", str(runbooks_dir)]
    child = subprocess.Popen(
        [*command, "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    assert child.stdin and child.stdout and child.stderr
    piece = b"x" * (1 << 20)
    for _ in range(megabytes):
        child.stdin.write(piece)
    child.stdin.write(b"\ndisk full on /var\n")
    child.stdin.close()
    out, err = child.stdout.read().decode(), child.stderr.read().decode()
    _, _, usage = os.wait4(child.pid, 0)
    child.returncode = 0
    return usage.ru_maxrss, out, err


def test_a_line_without_end_is_capped(runbooks_dir: Path) -> None:
    write_runbook(runbooks_dir, name="disk", pattern="disk full")
    baseline, _, _ = _peak_kb(runbooks_dir, 0)
    peak, out, err = _peak_kb(runbooks_dir, 40)
    assert "-:2: disk full on /var" in out  # the line after the over-long one still matches
    assert err.count("warning: line longer than 1 MiB") == 1
    assert peak - baseline < 16 * 1024  # 40 MiB held would show as 40,000 kB and more
