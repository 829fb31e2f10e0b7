"""Loopback ports: find a free one, and wait for a server to listen on it."""

from __future__ import annotations

import socket
import subprocess
import time


def free_port(address: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on at ``address`` right now."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((address, 0))
        return int(sock.getsockname()[1])


def wait_listening(
    address: str, port: int, process: subprocess.Popen[bytes], timeout: float = 10
) -> None:
    """Wait until ``address:port`` accepts connections, or fail if ``process`` died first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before listening")
        try:
            with socket.create_connection((address, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.01)
    raise RuntimeError(f"nothing listening on {address}:{port} after {timeout}s")


def stop(process: subprocess.Popen[bytes], timeout: float = 5) -> None:
    """Stop a server we started, by its PID: SIGTERM, then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)
