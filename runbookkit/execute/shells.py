"""Run one command on this machine (invoke) or on a target (its Fabric connection).

Both return an :class:`Outcome`; a command that fails, times out or loses its connection is an
outcome with an ``error``, not an exception. Only Ctrl-C (``Interrupted``) propagates.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

OutputCallback = Callable[[str, str], None]  # (stream, text)


@dataclass
class Outcome:
    """What one command did."""

    exit_code: int | None
    stdout: str
    stderr: str
    duration: float
    error: str | None = None  # timeout or lost connection, in one line


def run_local(
    context: Any, command: str, timeout: float | None, on_output: OutputCallback
) -> Outcome:
    """Run ``command`` through invoke's ``Context.run`` (our stoppable runner)."""
    return _run(context.run, command, timeout, on_output)


def run_remote(
    conn: Any, command: str, timeout: float | None, on_output: OutputCallback
) -> Outcome:
    """Run ``command`` through ``fabric.Connection.run`` on an open connection."""
    outcome = _run(conn.run, command, timeout, on_output)
    if outcome.exit_code == -1 and outcome.error is None:
        # paramiko reports -1 when no exit status came: the connection died, or a signal
        # killed the command (paramiko doesn't read exit-signal messages).
        transport = conn.client.get_transport()
        if transport is None or not transport.is_active():
            outcome.error = "connection lost: the remote end closed the connection"
        else:
            outcome.error = "the command ended without an exit status (killed by a signal?)"
    return outcome


def local_context() -> Any:
    """An invoke Context whose local runner stops whole process groups."""
    from invoke import Config, Context

    from runbookkit.execute.processes import StoppableLocal

    return Context(config=Config(overrides={"runners": {"local": StoppableLocal}}))


def _run(
    run: Callable[..., Any], command: str, timeout: float | None, on_output: OutputCallback
) -> Outcome:
    from invoke.exceptions import CommandTimedOut
    from paramiko.ssh_exception import SSHException

    from runbookkit.execute.processes import Sink

    started = time.monotonic()
    try:
        result = run(
            command,
            hide=False,
            warn=True,
            pty=False,
            echo=False,
            in_stream=False,
            timeout=timeout,
            encoding="utf-8",
            out_stream=Sink(on_output, "stdout"),
            err_stream=Sink(on_output, "stderr"),
        )
    except CommandTimedOut as exc:
        return Outcome(
            None,
            exc.result.stdout,
            exc.result.stderr,
            time.monotonic() - started,
            f"timed out after {timeout:g}s; the command was stopped",
        )
    except (SSHException, EOFError, OSError) as exc:
        reason = str(exc) or type(exc).__name__
        return Outcome(None, "", "", time.monotonic() - started, f"connection lost: {reason}")
    return Outcome(result.exited, result.stdout, result.stderr, time.monotonic() - started)
