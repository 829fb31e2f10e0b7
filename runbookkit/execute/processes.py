"""invoke and Fabric runners that can stop what they started, whole process group included.

invoke's local runner kills only the shell on timeout, and Fabric's remote runner merely closes
the channel (the remote process keeps running, and Ctrl-C is only forwarded through a pty).
These subclasses run each command in its own process group and stop the group: locally with
``killpg``; remotely by learning the group id (the remote shell's pid, since sshd starts every
session with ``setsid``) from a marker line on stderr and signalling it over a second channel.
Imported only when a step runs: it pulls in invoke and Fabric.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import Any

from fabric.runners import Remote
from invoke.runners import Local

GRACE = 1.0  # seconds between the polite signal and SIGKILL
_MARK = "\x1erunbookkit-pgid="
_MARK_RE = re.compile(rb"\x1erunbookkit-pgid=(\d+)\x1e\n")
_SCAN_LIMIT = 65536
_WAKE = 0.05  # seconds: the longest a wait sleeps before it checks the reader threads again


class Interrupted(KeyboardInterrupt):
    """Ctrl-C arrived while a command ran; the command was stopped."""


class StoppableLocal(Local):
    """invoke's local runner, with each command in a new session it can stop as a whole."""

    def start(self, command: str, shell: str, env: dict[str, Any]) -> None:
        """Start ``command`` in a session of its own, stdin closed (no prompts can hang)."""
        _hold_sigint(self)
        if self.using_pty:
            super().start(command, shell, env)
            return
        self.process = subprocess.Popen(
            command,
            shell=True,
            executable=shell,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def start_timer(self, timeout: int | None) -> None:
        """Note the deadline, which ``wait()`` watches (invoke starts a timer thread instead)."""
        if self.using_pty:
            super().start_timer(timeout)  # type: ignore[arg-type]  # invoke omits None
        else:
            _set_deadline(self, timeout)

    def wait(self) -> None:
        """Block until the command exits (invoke polls every 10 ms; this wakes at once)."""
        _release_sigint(self)
        if self.using_pty:
            super().wait()
            return
        while not (self.process_is_finished or self.has_dead_threads):
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(_wake(self))
            _kill_if_late(self)

    def stop(self) -> None:
        """invoke's clean-up, then Ctrl-C is let through again if ``wait()`` never was reached."""
        try:
            super().stop()
        finally:
            _release_sigint(self)

    def kill(self) -> None:
        """Stop the command's process group (timeout): SIGTERM, then SIGKILL."""
        self._killed = True
        _stop_group(self.process, signal.SIGTERM)

    @property
    def timed_out(self) -> bool:
        """True once the timer fired, even while :meth:`kill` is still making sure."""
        return getattr(self, "_killed", False) or bool(super().timed_out)

    def send_interrupt(self, interrupt: KeyboardInterrupt) -> None:
        """Forward Ctrl-C to the command's group, make sure it stops, and stop the run."""
        with _uninterrupted():
            _stop_group(self.process, signal.SIGINT)
        raise Interrupted() from interrupt


def _hold_sigint(runner: Any) -> None:
    """Hold Ctrl-C back while a command starts, until :func:`_release_sigint` in ``wait()``.

    invoke forwards Ctrl-C only while it waits for the command; one that lands while the command
    is being started (or its reader threads are) would stop the run and leave the command
    running. Held back (noted by a handler of ours), it is raised inside ``wait()``, where it
    stops the command. Masking the signal instead would not do: another thread may take it,
    and the children would inherit the mask.
    """
    runner._holding_sigint = False
    runner._pending_sigint = False
    if threading.current_thread() is not threading.main_thread():
        return

    def note(signum: int, frame: Any) -> None:
        runner._pending_sigint = True

    runner._previous_sigint = signal.signal(signal.SIGINT, note)
    runner._holding_sigint = True


def _release_sigint(runner: Any) -> None:
    """Put the previous Ctrl-C handler back, and raise a Ctrl-C that came in the meantime."""
    if not getattr(runner, "_holding_sigint", False):
        return
    runner._holding_sigint = False
    previous = runner._previous_sigint
    # None: a handler not set from Python; the default disposition is the closest we can restore.
    signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)
    if runner._pending_sigint and previous is signal.default_int_handler:
        runner._pending_sigint = False
        raise KeyboardInterrupt


def _set_deadline(runner: Any, timeout: float | None) -> None:
    """When ``runner``'s command times out (None: never); one thread per command fewer."""
    runner._deadline = None if timeout is None else time.monotonic() + timeout


def _wake(runner: Any) -> float:
    """How long a wait may sleep: ``_WAKE``, or less when the deadline is nearer."""
    deadline = getattr(runner, "_deadline", None)
    return _WAKE if deadline is None else max(0.0, min(_WAKE, deadline - time.monotonic()))


def _kill_if_late(runner: Any) -> None:
    """Stop the command (``runner.kill()``, as invoke's timer would) once its deadline passed."""
    deadline = getattr(runner, "_deadline", None)
    if deadline is not None and time.monotonic() >= deadline:
        runner._deadline = None
        runner.kill()


@contextlib.contextmanager
def _uninterrupted() -> Iterator[None]:
    """Ignore further Ctrl-C while a stop is under way (a second one must not cut it short)."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _stop_group(process: subprocess.Popen[bytes], first: signal.Signals) -> None:
    """Signal the command's group; give its shell ``GRACE`` to end, then SIGKILL what is left."""
    try:
        os.killpg(process.pid, first)
    except (ProcessLookupError, PermissionError):
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(GRACE)  # reaps the shell: a zombie would keep the group "alive"
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


# Remote commands running now, so a fleet's Ctrl-C (caught on the main thread while the hosts'
# commands run on worker threads) can stop each of them on its host.
_RUNNING: set[StoppableRemote] = set()
_RUNNING_LOCK = threading.Lock()


def interrupt_running() -> None:
    """Send SIGINT to every remote command still running (then SIGKILL after a grace period)."""
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    stoppers = [threading.Thread(target=r._signal_group, args=("INT",)) for r in running]
    for thread in stoppers:
        thread.start()
    for thread in stoppers:
        thread.join(GRACE + 5)


class StoppableRemote(Remote):
    """Fabric's remote runner, able to stop the remote command's process group."""

    def start(self, command: str, shell: str, env: dict[str, Any], timeout: Any = None) -> None:
        """Start ``command`` behind a one-line marker that tells us its process group id."""
        _hold_sigint(self)
        self._pgid: int | None = None
        self._scanned = b""
        with _RUNNING_LOCK:
            _RUNNING.add(self)
        marked = f"printf '{_MARK}%s\\036\\n' \"$$\" >&2; {command}"
        super().start(marked, shell, env, timeout)
        # Like `ssh -n`: the remote command reads end-of-file, never a prompt that hangs.
        self.channel.shutdown_write()

    def start_timer(self, timeout: int | None) -> None:
        """Note the deadline, which ``wait()`` watches (invoke starts a timer thread instead)."""
        _set_deadline(self, timeout)

    def wait(self) -> None:
        """Block until the exit status arrives (invoke polls every 10 ms; this wakes at once)."""
        _release_sigint(self)
        while not (self.process_is_finished or self.has_dead_threads):
            self.channel.status_event.wait(_wake(self))
            _kill_if_late(self)

    def read_proc_stderr(self, num_bytes: int) -> bytes:
        """stderr without the marker line (read until it has come by, within reason)."""
        if self._pgid is not None:
            return self.channel.recv_stderr(num_bytes)
        while True:
            chunk = self.channel.recv_stderr(num_bytes)
            self._scanned += chunk
            found = _MARK_RE.search(self._scanned)
            if found or not chunk or len(self._scanned) > _SCAN_LIMIT:
                break
        self._pgid = int(found.group(1)) if found else 0
        data = (
            self._scanned[: found.start()] + self._scanned[found.end() :]
            if found
            else self._scanned
        )
        self._scanned = b""
        return data or self.channel.recv_stderr(num_bytes)

    def stop(self) -> None:
        """Fabric's clean-up, then Ctrl-C is let through again if ``wait()`` never was reached."""
        with _RUNNING_LOCK:
            _RUNNING.discard(self)
        try:
            super().stop()
        finally:
            _release_sigint(self)

    def kill(self) -> None:
        """Stop the remote command (timeout): SIGTERM to its group, then SIGKILL."""
        self._killed = True
        self._signal_group("TERM")
        self.channel.close()

    @property
    def timed_out(self) -> bool:
        """True once the timer fired, even while :meth:`kill` is still making sure."""
        return getattr(self, "_killed", False) or bool(super().timed_out)

    def send_interrupt(self, interrupt: KeyboardInterrupt) -> None:
        """Send SIGINT to the remote group, make sure it stops, and stop the run."""
        with _uninterrupted():
            self._signal_group("INT")
            self.channel.close()
        raise Interrupted() from interrupt

    def _signal_group(self, first: str) -> None:
        pgid = self._wait_pgid()
        if not pgid:
            return
        ticks = int(GRACE / 0.05)
        # POSIX sh (dash's kill takes no "--"): a negative pid after the signal is the group.
        script = (
            f"kill -{first} -{pgid} 2>/dev/null || exit 0; i=0; "
            f"while [ $i -lt {ticks} ]; do kill -0 -{pgid} 2>/dev/null || exit 0; "
            f"sleep 0.05; i=$((i+1)); done; kill -KILL -{pgid} 2>/dev/null; exit 0"
        )
        try:
            channel = self.context.create_session()
            channel.settimeout(GRACE + 5)
            channel.exec_command(script)
            channel.recv_exit_status()
            channel.close()
        except Exception:
            return

    def _wait_pgid(self) -> int:
        # The stderr reader thread learns the id from the first bytes the command writes.
        deadline = time.monotonic() + 2
        while getattr(self, "_pgid", None) is None and time.monotonic() < deadline:
            time.sleep(0.01)
        return self._pgid or 0


class Sink:
    """A write-only text stream that hands every chunk to a callback (invoke's out_stream)."""

    def __init__(self, callback: Any, stream: str) -> None:
        self.callback = callback
        self.stream = stream

    def write(self, text: str) -> int:
        """Pass ``text`` on."""
        if text:
            self.callback(self.stream, text)
        return len(text)

    def flush(self) -> None:
        """Nothing is buffered."""

    def isatty(self) -> bool:
        """Never a terminal."""
        return False
