"""One bash session per target, fed a section's commands one at a time, as a terminal would be.

A session is one long-lived ``bash``: locally a process of its own (a new process session, so
the operator's Ctrl-C reaches runbookkit, not the command), remotely one SSH channel of the
run's connection, started by the login's shell (which sources its rc files once, as ``ssh``
does). ``cd``, variables, functions and ``set`` options therefore carry from one command to the
next. Each command still gets its own exit status, stdout and stderr (kept apart, streamed
live), duration and timeout.

The framing, chosen so that no command output can forge it:

- runbookkit writes ``COMMAND NUL TOKEN NUL`` to the shell's stdin. The shell reads the command
  (``read -d ''``: byte-exact, a command never holds a NUL), runs it with ``eval`` and stdin from
  ``/dev/null`` (a command reading stdin gets end-of-file, never the next command), then reads
  the token and writes ``TOKEN STATUS CWD NUL`` on stdout and ``TOKEN NUL`` on stderr.
- The token is 128 random bits, new for every command, and reaches the shell only after the
  command has ended: while a command runs, nothing it can read or print knows it.
- ``$?`` is carried over, so ``false`` then ``echo $?`` prints 1 as in a terminal.

A timeout or Ctrl-C signals the command's processes (every process in the shell's process group
but the shell itself), escalates to SIGKILL after a grace period, and when the shell itself is
what keeps running (a builtin loop) or the session ends (``exit``, a killed shell), the session
is restarted for the next command; :attr:`CommandResult.restarted` says so, and the runner tells the
operator and the record that the shell state was lost.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import secrets
import selectors
import shlex
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runbookkit.execute.ssh import target_key
from runbookkit.execute.transports import (
    GRACE,
    LocalTransport,
    RemoteTransport,
    Transport,
    on_terminal,
)

if TYPE_CHECKING:
    from runbookkit.execute.ssh import Connections
    from runbookkit.model import Target

OutputCallback = Callable[[str, str], None]  # (stream, text)

_TOKEN_BYTES = 16  # the token is their hex: 32 characters, which the loop reads at once
# bash reads a pipe one byte per system call, except ``read -N`` (bash 4.1 and later), which
# reads the token in one call; the NUL after it is then read on its own. Older bash reads it
# as any other field.
_LOOP = (
    '__rbk_ret() { return "$1"; }; __rbk_s=0; __rbk_n=0; '
    "((BASH_VERSINFO[0] > 4 || BASH_VERSINFO[0] == 4 && BASH_VERSINFO[1] > 0)) && __rbk_n=1; "
    "while IFS= builtin read -r -d '' __rbk_c; do "
    '__rbk_ret "$__rbk_s" && :; '
    'builtin eval "$__rbk_c" </dev/null; '
    "__rbk_s=$?; "
    "if ((__rbk_n)); then IFS= builtin read -r -N "
    f"{2 * _TOKEN_BYTES}"
    " __rbk_t; IFS= builtin read -r -d '' __rbk_c; "
    "else IFS= builtin read -r -d '' __rbk_t; fi; "
    'builtin printf \'%s %s %s\\0\' "$__rbk_t" "$__rbk_s" "$PWD"; '
    "builtin printf '%s\\0' \"$__rbk_t\" >&2; "
    "builtin unset __rbk_t; "
    "done"
)
# Run by the login's shell over SSH (which sources its rc files first); any other shell than
# bash hands over to bash. The loop holds no single quote, so it nests in '…'.
_BOOTSTRAP = f"if [ -z \"$BASH_VERSION\" ]; then exec bash -c '{_LOOP}'; fi\n{_LOOP}"


def export_code(values: dict[str, str]) -> str:
    """Shell code exporting ``values``: each one single-quoted, so a value is never code."""
    return "".join(f"export {name}={shlex.quote(value)}; " for name, value in values.items())


def local_shell() -> Transport:
    """A transport for a bash on this machine running the session loop."""
    return LocalTransport(_LOOP)


def remote_shell(conn: Any) -> Transport:
    """A transport for a bash in a channel of ``conn`` (an open :class:`~.ssh.Link`)."""
    return RemoteTransport(conn, _BOOTSTRAP)


@dataclass
class CommandResult:
    """What one command did."""

    exit_code: int | None
    stdout: str
    stderr: str
    duration: float
    error: str | None = None  # timeout, lost connection, ended session: one line
    cwd: str | None = None  # the shell's directory after the command
    restarted: str | None = None  # why the session had to end (its state is lost)


class Interrupted(KeyboardInterrupt):
    """Ctrl-C arrived while a command ran; the command was stopped."""


class _Stream:
    """One output stream of a session: finds the current command's end frame in it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.buffer = b""
        self.eof = False
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def take(self, token: bytes, trailer: bool, emit: Callable[[str], None]) -> tuple[bool, bytes]:
        """Emit what is output for sure; (found the frame, its trailer) once it is complete."""
        at = self.buffer.find(token)
        if at < 0:
            keep = 0 if self.eof else _overlap(self.buffer, token)
            if len(self.buffer) > keep:
                cut = len(self.buffer) - keep
                emit(self.decoder.decode(self.buffer[:cut]))
                self.buffer = self.buffer[cut:]
            if self.eof:
                emit(self.decoder.decode(b"", final=True))
            return False, b""
        end = self.buffer.find(b"\0", at + len(token))
        if end < 0:
            if at:
                emit(self.decoder.decode(self.buffer[:at]))
                self.buffer = self.buffer[at:]
            return False, b""
        emit(self.decoder.decode(self.buffer[:at], final=True))
        frame = self.buffer[at + len(token) : end]
        self.buffer = self.buffer[end + 1 :]
        self.decoder.reset()
        return True, frame if trailer else b""


def _overlap(data: bytes, token: bytes) -> int:
    """How many of ``data``'s last bytes could begin ``token`` (held back until more comes)."""
    window = data[-(len(token) - 1) :]
    start = window.find(token[:1])
    while start >= 0:
        if token.startswith(window[start:]):
            return len(window) - start
        start = window.find(token[:1], start + 1)
    return 0


class _Command:
    """The command a session is running: its token, output and end."""

    def __init__(self, token: bytes, on_output: OutputCallback) -> None:
        self.token = token
        self.on_output = on_output
        self.parts: dict[str, list[str]] = {"stdout": [], "stderr": []}
        self.done: dict[str, bool] = {"stdout": False, "stderr": False}
        self.trailer = b""
        self.fault: Exception | None = None  # raised by ``on_output`` on a reader thread

    def emit(self, stream: str, text: str) -> None:
        if text:
            self.parts[stream].append(text)
            if self.fault is None:
                try:
                    self.on_output(stream, text)
                except Exception as exc:  # raised again on the thread that runs the command
                    self.fault = exc


class ShellSession:
    """One bash on one target for a whole run; :meth:`run` runs one command in it."""

    def __init__(
        self,
        make_transport: Callable[[], Transport],
        exports: dict[str, str] | None = None,
    ) -> None:
        self.make_transport = make_transport
        self.exports = dict(exports or {})
        self.transport: Transport | None = None
        self.cwd: str | None = None
        self._cond = threading.Condition()
        self._streams: dict[str, _Stream] = {}
        self._current: _Command | None = None
        self._stopping = False
        self.interrupted = False
        self._starting: threading.Thread | None = None
        self._start_error: BaseException | None = None

    # -- life cycle ------------------------------------------------------------------------

    def _start(self) -> None:
        transport = self.make_transport()
        transport.start()
        self.transport = transport
        self._streams = {name: _Stream(name) for name in ("stdout", "stderr")}
        fds = transport.fds() if isinstance(transport, LocalTransport) else None
        if fds is not None:  # one thread reads both pipes: one wake-up per command's end
            threading.Thread(target=self._poller, args=(transport, fds), daemon=True).start()
        else:
            for name in self._streams:
                threading.Thread(target=self._reader, args=(transport, name), daemon=True).start()
        # What the login's rc files print comes first; the shell's pid is the last line.
        setup = "builtin printf '\\nrunbookkit-shell-pid=%s' \"$$\"; " + export_code(self.exports)
        started = self._send(setup, 60.0, lambda stream, text: None)
        pid = started.stdout.rpartition("runbookkit-shell-pid=")[2]
        if started.error or not pid.isdigit():
            self._drop()
            said = (started.stderr or started.stdout).strip().splitlines()
            why = started.error or started.restarted or "it printed no process id"
            raise OSError(f"the shell did not start ({why})" + (f": {said[-1]}" if said else ""))
        transport.shell_pid = int(pid)
        self.cwd = started.cwd

    def close(self) -> None:
        """End the shell: its stdin closed, then killed if it lingers (background jobs)."""
        starting, self._starting = self._starting, None
        if starting is not None:
            starting.join(30)
        transport, self.transport = self.transport, None
        if transport is not None:
            transport.finish()

    def _drop(self) -> None:
        """Forget a shell that ended or had to be killed; the next command starts another."""
        transport, self.transport = self.transport, None
        if transport is not None:
            transport.kill()

    # -- reading ---------------------------------------------------------------------------

    def _reader(self, transport: Transport, name: str) -> None:
        stream = self._streams[name]
        while True:
            data = transport.read(name)
            with self._cond:
                if data:
                    stream.buffer += data
                else:
                    stream.eof = True
                # Waiters wait for a command's end or a stream's: wake them only then.
                if self._advance(name) or not data:
                    self._cond.notify_all()
            if not data:
                return

    def _poller(self, transport: LocalTransport, fds: dict[str, int]) -> None:
        """Read both of a local shell's pipes on one thread, as output comes on either."""
        with selectors.DefaultSelector() as selector:
            for name, fd in fds.items():
                selector.register(fd, selectors.EVENT_READ, name)
            while selector.get_map():
                try:
                    ready = [key.data for key, _ in selector.select()]
                except (OSError, ValueError):  # the pipes were closed: the shell was killed
                    ready = [key.data for key in selector.get_map().values()]
                # Both frames of a command's end come within microseconds: take what has come
                # on every pipe before waking the waiter once.
                read = {name: transport.read(name) for name in ready}
                with self._cond:
                    wake = False
                    for name, data in read.items():
                        stream = self._streams[name]
                        if data:
                            stream.buffer += data
                        else:
                            stream.eof = True
                            selector.unregister(fds[name])
                        wake = self._advance(name) or not data or wake
                    if wake:
                        self._cond.notify_all()

    def _advance(self, name: str) -> bool:
        """Move what has come on ``name`` into the current command (lock held).

        True when this completed the command (both its frames are in).
        """
        current = self._current
        if current is None or current.done[name]:
            return False
        stream = self._streams[name]
        found, trailer = stream.take(
            current.token, name == "stdout", lambda text: current.emit(name, text)
        )
        if not found:
            return False
        current.done[name] = True
        current.trailer = trailer if name == "stdout" else current.trailer
        return all(current.done.values())

    # -- running ---------------------------------------------------------------------------

    def start_in_background(self) -> None:
        """Start the shell on a thread of its own; :meth:`run` waits for it (or its error)."""
        if self.transport is not None or self._starting is not None:
            return

        def start() -> None:
            try:
                self._start()
            except (Exception, KeyboardInterrupt) as exc:  # raised again by run()
                self._start_error = exc

        self._starting = threading.Thread(target=start, daemon=True)
        self._starting.start()

    def _ensure_started(self) -> None:
        starting, self._starting = self._starting, None
        if starting is not None:
            starting.join()
            error, self._start_error = self._start_error, None
            if error is not None:
                raise error
        if self.transport is None:
            self._start()

    def run(self, text: str, timeout: float | None, on_output: OutputCallback) -> CommandResult:
        """Run ``text`` in the session (started first if it isn't) and wait for its end.

        Raises:
            OSError: the shell could not be started (the message says why).
            Interrupted: Ctrl-C arrived; the command was stopped first.
        """
        if self.interrupted:
            raise Interrupted()
        self._ensure_started()
        return self._send(text, timeout, on_output)

    def interrupt(self) -> None:
        """Ctrl-C from another thread: stop the running command; refuse any further one."""
        with self._cond:
            self.interrupted = True
        self.stop_command("INT")

    def run_on_terminal(self, text: str, timeout: float | None) -> CommandResult:
        """Run an interactive ``text`` with runbookkit's own terminal (``--tty``).

        It runs in a shell of its own, in the session's directory with the run's exports (the
        session's unexported variables and functions are not there); its output goes to the
        terminal, not to the record.
        """
        self._ensure_started()
        started = time.monotonic()
        script = f"cd {shlex.quote(self.cwd or '.')} && {text}"
        transport = self.transport
        if isinstance(transport, RemoteTransport):
            status = on_terminal(transport.conn, export_code(self.exports) + script)
            return CommandResult(status, "", "", time.monotonic() - started)
        try:
            done = subprocess.run(
                ["bash", "-c", script], env={**os.environ, **self.exports}, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            why = f"timed out after {timeout:g}s; the command was stopped"
            return CommandResult(None, "", "", time.monotonic() - started, why)
        return CommandResult(done.returncode, "", "", time.monotonic() - started)

    def _send(self, text: str, timeout: float | None, on_output: OutputCallback) -> CommandResult:
        started = time.monotonic()
        token = secrets.token_hex(_TOKEN_BYTES).encode()
        command = _Command(token, on_output)
        with self._cond:
            if self.interrupted:
                raise Interrupted()
            self._current = command
            self._stopping = False
            for name in self._streams:
                self._advance(name)
        payload = text.replace("\0", "").encode("utf-8", "surrogateescape")
        assert self.transport is not None
        try:
            self.transport.write(payload + b"\0" + token + b"\0")
            outcome = self._wait(command, started, timeout)
        except KeyboardInterrupt:
            self.stop_command("INT")
            self._lost(command, started)
            raise Interrupted() from None
        except OSError as exc:
            outcome = self._outcome(command, started, None, f"connection lost: {exc}")
            outcome.restarted = outcome.error
            self._drop()
        finally:
            with self._cond:
                self._current = None
        if command.fault is not None:
            raise command.fault
        return outcome

    def _wait(self, command: _Command, started: float, timeout: float | None) -> CommandResult:
        deadline = None if timeout is None else started + timeout
        with self._cond:
            while not all(command.done.values()):
                if self._ended():
                    break
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    break
                self._cond.wait(0.2 if remaining is None else min(remaining, 0.2))
        if all(command.done.values()):
            return self._finished(command, started)
        if self._ended():
            return self._lost(command, started)
        self.stop_command("TERM")
        outcome = self._lost(command, started)
        outcome.error = f"timed out after {timeout:g}s; the command was stopped"
        outcome.exit_code = None
        outcome.restarted = "the command's shell was stopped with it"
        return outcome

    def _ended(self) -> bool:
        return any(stream.eof for stream in self._streams.values())

    def stop_command(self, sig: str) -> bool:
        """Stop the running command and its shell: ``sig`` to the group, then SIGKILL.

        The shell goes too, so nothing after the command on its line runs (as Ctrl-C in a
        terminal abandons the rest of the line); the next command starts a new session.
        Returns False (the session did not survive) when a command was running.
        """
        with self._cond:
            command, transport = self._current, self.transport
            if command is None or transport is None or self._stopping:
                return True
            self._stopping = True
        if transport.signal_group(sig):
            self._await(command, GRACE)
        return False

    def _await(self, command: _Command, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        with self._cond:
            while not all(command.done.values()) and not self._ended():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return all(command.done.values())

    def _finished(self, command: _Command, started: float) -> CommandResult:
        status_text, _, cwd = command.trailer.decode("utf-8", "replace").lstrip().partition(" ")
        outcome = self._outcome(command, started, int(status_text or 0), None)
        outcome.cwd = self.cwd = cwd
        return outcome

    def _lost(self, command: _Command, started: float) -> CommandResult:
        """The shell ended (or was killed) before the command's frame came."""
        transport = self.transport
        if transport is not None and self._stopping:
            transport.kill()  # whatever outlived the polite signal
        with self._cond:  # what came before the end still belongs to the command
            for name, stream in self._streams.items():
                stream.eof = True
                self._advance(name)
        if transport is None:  # killed by stop_command
            return self._outcome(command, started, None, None, "the shell had to be killed")
        why = transport.ended()
        status = transport.exit_status()
        self._drop()
        error = None if status is not None else why
        return self._outcome(command, started, status, error, why)

    @staticmethod
    def _outcome(
        command: _Command,
        started: float,
        exit_code: int | None,
        error: str | None,
        restarted: str | None = None,
    ) -> CommandResult:
        return CommandResult(
            exit_code,
            "".join(command.parts["stdout"]),
            "".join(command.parts["stderr"]),
            time.monotonic() - started,
            error,
            restarted=restarted,
        )


class Sessions:
    """The run's shell sessions, one per target, started on first use and kept until closed.

    ``exports`` are exported into every session before its first command (the run's variables:
    values reach the shell as data, never as code). Remote sessions also get ``remote_exports``
    (names the section reads that this process's environment has).
    """

    def __init__(
        self,
        connections: Connections,
        exports: dict[str, str] | None = None,
        remote_exports: dict[str, str] | None = None,
    ) -> None:
        self.connections = connections
        self.exports = dict(exports or {})
        self.remote_exports = {**(remote_exports or {}), **self.exports}
        self._sessions: dict[str, ShellSession] = {}
        self.interrupted = False

    def export(self, values: dict[str, str]) -> None:
        """Add ``values`` to what every session exports (open ones export them at once)."""
        new = {k: v for k, v in values.items() if self.exports.get(k) != v}
        if not new:
            return
        self.exports.update(new)
        self.remote_exports.update(new)
        for session in self._sessions.values():
            session.exports.update(new)
            if session.transport is not None:
                session.run(export_code(new), 30.0, lambda stream, chunk: None)

    def notice(self, message: str) -> None:
        """Tell the operator (and the record) something about a session."""
        self.connections.warn(message)

    def get(self, target: Target | None) -> ShellSession:
        """The session of ``target`` (None: this machine)."""
        key = "local" if target is None else target_key(target)
        session = self._sessions.get(key)
        if self.interrupted:
            raise Interrupted()
        if session is None:
            if target is None:
                session = ShellSession(local_shell, self.exports)
            else:
                remote = target

                def transport() -> Transport:
                    return remote_shell(self.connections.get(remote))

                session = ShellSession(transport, self.remote_exports)
            self._sessions[key] = session
        return session

    def interrupt(self) -> None:
        """Stop every session's running command (Ctrl-C seen by another thread), refuse more."""
        threads = [threading.Thread(target=s.interrupt) for s in list(self._sessions.values())]
        self.interrupted = True
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(GRACE + 10)

    def close(self) -> None:
        """End every session's shell."""
        for session in self._sessions.values():
            with contextlib.suppress(Exception):
                session.close()
        self._sessions.clear()
