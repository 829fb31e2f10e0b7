"""SIGTERM and SIGHUP stop a run the way Ctrl-C does.

A cancelled CI job sends SIGTERM, a closed terminal SIGHUP. While :func:`stop_like_ctrl_c` is in
force, either one raises :class:`Terminated` (a ``KeyboardInterrupt``) in the main thread, so the
running step's command is stopped here or on its host (its whole process group) and the run is
recorded as ``interrupted``, exactly as after Ctrl-C.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

STOPPING = (signal.SIGTERM, signal.SIGHUP)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def cause(exc: BaseException) -> str:
    """What interrupted: ``SIGTERM``/``SIGHUP`` when ``exc`` is or follows one, else ``Ctrl-C``."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, Terminated):
            return signal.Signals(seen.signum).name
        seen = seen.__cause__ or seen.__context__
    return "Ctrl-C"


class _Handler:
    """Raises :class:`Terminated` for the first signal; later ones must not cut the cleanup."""

    def __init__(self) -> None:
        self.raised = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if not self.raised:
            self.raised = True
            raise Terminated(signum)


@contextmanager
def stop_like_ctrl_c() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into :class:`Terminated` while the block runs (main thread only).

    Only the first one raises: a second must not cut short the stopping of the command. A
    signal this process ignores (SIGHUP under ``nohup``) stays ignored.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    handler = _Handler()
    previous = {
        signum: signal.signal(signum, handler)
        for signum in STOPPING
        if signal.getsignal(signum) is not signal.SIG_IGN  # under nohup, SIGHUP stays ignored
    }
    try:
        yield
    finally:
        for signum, earlier in previous.items():
            signal.signal(signum, earlier)
