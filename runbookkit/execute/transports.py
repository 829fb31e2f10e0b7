"""Where a session's bash runs: a process here, or a channel of an SSH connection.

A transport starts the shell with the session's loop, carries bytes in and out, and signals or
kills the shell's process group; :mod:`runbookkit.execute.session` does the framing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from typing import Any, Protocol

GRACE = 1.0  # seconds between the polite signal and SIGKILL
LINK_SETTLE = 1.0  # seconds a closed channel waits to learn whether its connection went too
_READ = 65536


class Transport(Protocol):
    """Where a session's bash runs: its pipes and how to signal it."""

    shell_pid: int  # the shell's ``$$``, as it said when the session started

    def start(self) -> None:
        """Start the shell."""

    def write(self, data: bytes) -> None:
        """Send bytes to the shell's stdin."""

    def read(self, stream: str) -> bytes:
        """The next bytes of ``stream`` ("stdout"/"stderr"); b"" at its end."""

    def signal_group(self, sig: str) -> bool:
        """Signal the shell's whole process group; False when it can't."""

    def kill(self) -> None:
        """End the shell and everything in its group, now."""

    def finish(self) -> None:
        """End the shell politely (end of input), killing it only if it lingers."""

    def ended(self) -> str:
        """Why the shell ended, once it has (for a person)."""

    def exit_status(self) -> int | None:
        """The shell's exit status once it ended (None: killed, or unknown)."""


class LocalTransport:
    """bash on this machine, in a process session of its own."""

    def __init__(self, script: str) -> None:
        self.script = script
        self.process: subprocess.Popen[bytes] | None = None
        self.shell_pid = 0  # told by the session once its shell said it

    def start(self) -> None:
        """Start ``bash --norc --noprofile`` running ``script`` (the session loop)."""
        self.process = subprocess.Popen(
            ["bash", "--norc", "--noprofile", "-c", self.script],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            bufsize=0,
        )

    def _proc(self) -> subprocess.Popen[bytes]:
        assert self.process is not None
        return self.process

    def write(self, data: bytes) -> None:
        """Send bytes to the shell (OSError when it is gone)."""
        stdin = self._proc().stdin
        assert stdin is not None
        stdin.write(data)

    def fds(self) -> dict[str, int]:
        """The file descriptors of the shell's stdout and stderr, to poll both at once."""
        process = self._proc()
        assert process.stdout is not None and process.stderr is not None
        return {"stdout": process.stdout.fileno(), "stderr": process.stderr.fileno()}

    def read(self, stream: str) -> bytes:
        """The next bytes of the shell's stdout or stderr."""
        pipe = self._proc().stdout if stream == "stdout" else self._proc().stderr
        assert pipe is not None
        try:
            return os.read(pipe.fileno(), _READ)
        except (OSError, ValueError):
            return b""

    def signal_group(self, sig: str) -> bool:
        """Signal the shell's process group (the shell leads it: a session of its own)."""
        try:
            os.killpg(self._proc().pid, getattr(signal, f"SIG{sig}"))
        except (ProcessLookupError, PermissionError):
            return False
        return True

    def kill(self) -> None:
        """SIGKILL the shell's whole process group and reap the shell."""
        process = self._proc()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(5)
        for pipe in (process.stdin, process.stdout, process.stderr):
            with contextlib.suppress(OSError):
                pipe and pipe.close()

    def finish(self) -> None:
        """Close the shell's stdin; kill its group (background jobs too) once it exited."""
        process = self._proc()
        with contextlib.suppress(OSError):
            assert process.stdin is not None
            process.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(GRACE)
        self.kill()

    def ended(self) -> str:
        """The shell's exit, in words."""
        status = self._wait()
        if status is not None and status < 0:
            return f"the shell was killed by signal {-status}"
        return f"the shell exited with status {status}"

    def exit_status(self) -> int | None:
        """The shell's exit status (None when a signal killed it)."""
        status = self._wait()
        return None if status is None or status < 0 else status

    def _wait(self) -> int | None:
        try:
            return self._proc().wait(5)
        except subprocess.TimeoutExpired:
            return None


class RemoteTransport:
    """bash in one SSH channel of an open connection."""

    def __init__(self, conn: Any, script: str) -> None:
        self.conn = conn
        self.script = script
        self.channel: Any = None
        self.shell_pid = 0  # told by the session once its shell said it

    def start(self) -> None:
        """Open a session channel running ``script`` through the login's shell (OSError when
        the connection is gone, say closed by an interruption while the shell was starting)."""
        try:
            self.channel = self.conn.client.get_transport().open_session()
            self.channel.exec_command(self.script)
        except Exception as exc:  # paramiko's SSHException, socket errors, EOFError
            raise OSError(str(exc) or type(exc).__name__) from exc

    def write(self, data: bytes) -> None:
        """Send bytes to the shell (OSError when the channel is gone)."""
        try:
            self.channel.sendall(data)
        except Exception as exc:  # paramiko's SSHException, socket errors, EOFError
            raise OSError(str(exc) or type(exc).__name__) from exc

    def read(self, stream: str) -> bytes:
        """The next bytes of the channel's stdout or stderr."""
        try:
            if stream == "stdout":
                return bytes(self.channel.recv(_READ))
            return bytes(self.channel.recv_stderr(_READ))
        except Exception:
            return b""

    def signal_group(self, sig: str) -> bool:
        """Signal the remote shell's process group over a second channel.

        sshd starts every session with ``setsid``, so the shell leads a group of its own.
        """
        try:
            channel = self.conn.client.get_transport().open_session()
            channel.settimeout(GRACE + 5)
            channel.exec_command(f"kill -{sig} -{self.shell_pid} 2>/dev/null; exit 0")
            channel.recv_exit_status()
            channel.close()
        except Exception:
            return False
        return True

    def kill(self) -> None:
        """Close the channel (sshd hangs up on the shell); KILL its group if the host answers."""
        pid = self.shell_pid
        if pid:
            script = f"kill -KILL -{pid} 2>/dev/null; exit 0"
            with contextlib.suppress(Exception):
                channel = self.conn.client.get_transport().open_session()
                channel.settimeout(GRACE + 5)
                channel.exec_command(script)
                channel.recv_exit_status()
                channel.close()
        with contextlib.suppress(Exception):
            self.channel.close()

    def finish(self) -> None:
        """Send end-of-file; the shell's loop ends. Killed only if it doesn't exit in time."""
        try:
            self.channel.shutdown_write()
            if self.channel.status_event.wait(GRACE):
                self.channel.close()
                return
        except Exception:
            pass
        self.kill()

    def ended(self) -> str:
        """The shell's (or connection's) end, in words."""
        status = self.exit_status()  # waits a little: a lost link shows in the meantime
        transport = self.conn.client.get_transport()
        if status is None and transport is not None:
            # A crashed host closes the channel a moment before paramiko's transport thread
            # reads the end of the socket and ends: give it that moment before naming a signal.
            transport.join(LINK_SETTLE)
        if status is None and (transport is None or not transport.is_active()):
            return "connection lost: the remote end closed the connection"
        if status is None:
            return "the command ended without an exit status (killed by a signal?)"
        return f"the shell exited with status {status}"

    def exit_status(self) -> int | None:
        """The remote shell's exit status; None when none came (a signal, a lost link)."""
        channel = self.channel
        if channel is None:
            return None
        channel.status_event.wait(2)
        status = channel.exit_status if channel.exit_status_ready() else -1
        return None if status == -1 else int(status)


_READY = b"runbookkit-terminal-ready"
# Reads the script from the pty (raw, not echoed) once it said it is ready, then runs it: the
# script (and the values it exports) never is in the remote command line. No single quote in it.
_TERMINAL_LOOP = (
    '__rbk_t=$(stty -g); stty raw -echo; printf "\\n%s\\n" ' + _READY.decode() + "; "
    'IFS= read -r -d "" __rbk_c; stty "$__rbk_t"; unset __rbk_t; eval "$__rbk_c"'
)
_TERMINAL = (
    f"if [ -z \"$BASH_VERSION\" ]; then exec bash -c '{_TERMINAL_LOOP}'; fi\n{_TERMINAL_LOOP}"
)


def on_terminal(conn: Any, script: str) -> int | None:
    """Run ``script`` on a pty of ``conn``, wired to this process's terminal; its exit status.

    The script goes to the remote shell over the pty, before the terminal is wired to it, not
    in the command line (where ``ps`` on the host would show it).
    """
    import select
    import sys
    import termios
    import tty

    channel = conn.transport.open_session()
    size = os.get_terminal_size() if sys.stdout.isatty() else os.terminal_size((80, 24))
    channel.get_pty(os.environ.get("TERM", "xterm"), size.columns, size.lines)
    channel.exec_command(_TERMINAL)
    channel.settimeout(60)
    said = b""
    while _READY + b"\n" not in said:
        data = channel.recv(65536)
        if not data:
            break
        said += data
    before, _, after = said.partition(_READY + b"\n")
    os.write(sys.stdout.fileno(), before.rstrip(b"\r\n") + after)
    channel.settimeout(None)
    channel.sendall(script.replace("\0", "").encode("utf-8", "surrogateescape") + b"\0")
    stdin = sys.stdin.fileno()
    saved = termios.tcgetattr(stdin) if sys.stdin.isatty() else None
    try:
        if saved is not None:
            tty.setraw(stdin)
        while not channel.exit_status_ready() or channel.recv_ready():
            ready, _, _ = select.select([channel, stdin], [], [], 0.1)
            if channel in ready:
                data = channel.recv(65536)
                if not data:
                    break
                os.write(sys.stdout.fileno(), data)
            if stdin in ready:
                typed = os.read(stdin, 1024)
                if not typed:
                    channel.shutdown_write()
                else:
                    channel.sendall(typed)
    finally:
        if saved is not None:
            termios.tcsetattr(stdin, termios.TCSADRAIN, saved)
    status = channel.recv_exit_status()
    channel.close()
    return None if status == -1 else int(status)
