"""Is the process that recorded a run still alive? Decides whether ``running`` means interrupted.

On the machine that recorded the run, the process is looked up by PID and checked to be the
same process (boot id and start time, so neither a reboot nor a reused PID fools it). From any
other machine only the heartbeat tells: a run that has not beaten for :data:`STALE` is dead.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runbookkit.history.records import parse_timestamp

HEARTBEAT = 15.0  # seconds between heartbeats of a running run
STALE = dt.timedelta(seconds=8 * HEARTBEAT)


@dataclass(frozen=True)
class Process:
    """Who records a run: the machine, the PID and a token naming that very process."""

    machine: str
    pid: int
    token: str | None  # "boot-id:start-ticks" on Linux, None where that is unknown


def current() -> Process:
    """This process."""
    pid = os.getpid()
    return Process(socket.gethostname(), pid, token(pid))


def token(pid: int) -> str | None:
    """A string naming process ``pid`` for as long as it lives, or None if unknown/not running."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces; the fields after its ')' are plain.
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] in "ZXx":  # a zombie has exited already, only its parent has not reaped it
        return None
    return f"{boot}:{fields[19]}"


def is_dead(
    machine: str | None,
    pid: int | None,
    process_token: str | None,
    heartbeat_at: dt.datetime | None,
    now: dt.datetime | None = None,
) -> bool:
    """Whether the process that left a run ``running`` is gone."""
    here = current()
    if machine == here.machine and pid is not None:
        if process_token is not None and here.token is not None:
            return token(pid) != process_token
        return not _pid_exists(pid)
    if heartbeat_at is None:
        return True
    return (now or dt.datetime.now(dt.UTC)) - heartbeat_at > STALE


def dead_runs(rows: Iterable[Any]) -> list[str]:
    """The ids of the ``running`` rows (``id``, ``machine``, ``pid``, ``process``,
    ``heartbeat_at`` as a store keeps them) whose process is gone."""
    return [
        row["id"]
        for row in rows
        if is_dead(
            row["machine"],
            row["pid"],
            row["process"],
            parse_timestamp(row["heartbeat_at"]) if row["heartbeat_at"] else None,
        )
    ]


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
