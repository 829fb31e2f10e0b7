"""runbookkit's cache directory: what is kept between runs so a command need not redo it.

Everything here is derived from the runbooks and from runbookkit's own sources (parsed
runbooks, match routes, compiled Hyperscan databases), keyed so that a change to either is a miss. A
cache that cannot be read or written is only a slower run: nothing here raises.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import pickle
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

VARIABLE = "RUNBOOKKIT_CACHE_DIR"
T = TypeVar("T")
ALONGSIDE = 32  # fewer items than this are not worth a second process


def cache_dir() -> Path:
    """``$RUNBOOKKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/runbookkit`` or ``~/.cache/runbookkit``."""
    if os.environ.get(VARIABLE):
        return Path(os.environ[VARIABLE])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "runbookkit"


def digest(parts: Iterable[str], size: int = 24) -> str:
    """A short hex digest of ``parts`` (joined by NUL), for cache keys."""
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:size]


def sources_stamp(package_files: Iterable[str], version: str) -> str:
    """A stamp of runbookkit's own source files (paths relative to the package): their
    modification times and sizes, so editing the code a cache entry came from is a miss."""
    package = Path(__file__).resolve().parent
    parts = [version]
    for name in package_files:
        for source in sorted(package.glob(name)):
            try:
                info = source.stat()
            except OSError:
                continue
            parts.append(f"{source.relative_to(package)}:{info.st_mtime_ns}:{info.st_size}")
    return digest(parts)


def private(directory: Path) -> bool:
    """Whether ``directory`` belongs to this user and no one else may write to it: only then
    is what it holds trusted enough to load objects from (pickle runs code)."""
    try:
        info = directory.stat()
    except OSError:
        return False
    owner = os.getuid() if hasattr(os, "getuid") else info.st_uid
    return info.st_uid == owner and not info.st_mode & 0o022


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all, creating its directory (private) if needed."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError:
        pass


class Shelf:
    """Pickled objects kept under names in one directory of the cache (``trees``, ``pages``).

    They are loaded only from a directory that belongs to this user and that no one else may
    write to. A process lists the directory once every ``keep`` stores, and lets the oldest
    entries go past twice ``keep``, so a long-lived process (serve) keeps it bounded too.
    """

    def __init__(self, name: str, keep: int) -> None:
        self.name = name
        self.keep = keep
        self._since_prune: dict[Path, int] = {}  # per directory: stores since this one pruned

    @property
    def directory(self) -> Path:
        """Where the entries are (the cache directory is read each time: it may change)."""
        return cache_dir() / self.name

    def fetch(self, name: str, build: Callable[[], T], valid: Callable[[object], bool]) -> T:
        """What is kept under ``name`` if ``valid`` says it is what ``build`` makes; else what
        ``build`` makes now, kept for the next time (an error it raises is not kept)."""
        found = self.load(name)
        if valid(found):
            return found  # type: ignore[return-value]
        made = build()
        self.store(name, made)
        return made

    def load(self, name: str) -> object | None:
        """What is kept under ``name``, or None (callers check its type)."""
        directory = self.directory
        if not private(directory):
            return None
        try:
            return pickle.loads(_entry(directory, name).read_bytes())
        except Exception:  # a damaged or foreign entry is only a miss
            return None

    def has(self, name: str) -> bool:
        """Whether something is kept under ``name`` (to be loaded and checked yet)."""
        return _entry(self.directory, name).is_file()

    def store(self, name: str, value: object) -> None:
        """Keep ``value`` under ``name``; let the oldest go when there are too many."""
        directory = self.directory
        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError):
            return
        write_atomic(_entry(directory, name), data)
        since = self._since_prune.get(directory, self.keep)
        if since >= self.keep:
            self._prune(directory)
            since = 0
        self._since_prune[directory] = since + 1

    def _prune(self, directory: Path) -> None:
        try:
            entries = list(os.scandir(directory))
        except OSError:
            return
        if len(entries) > 2 * self.keep:
            entries.sort(key=_mtime, reverse=True)
            for entry in entries[self.keep :]:
                Path(entry.path).unlink(missing_ok=True)


def _entry(directory: Path, name: str) -> Path:
    """The file that keeps what a shelf in ``directory`` keeps under ``name``."""
    return directory / f"{name}.pickle"


def _mtime(entry: os.DirEntry[str]) -> float:
    try:
        return entry.stat().st_mtime
    except OSError:
        return 0.0


class Alongside:
    """Runs ``fill`` on each of ``items`` in a forked process, while this one goes on, until
    :meth:`wait`: what it keeps in the cache, this process then finds there (a second core
    parses or renders half of a large site while this one does the other half).

    Nothing is forked for a few items, where fork is missing, or when other threads run (a
    forked copy of them would hold their locks). The process's failures are not reported:
    this one does the work again without the cache, and meets them itself. As a context
    manager, it waits at the end of the block (stops the process when the block raised).
    """

    def __init__(self, items: Sequence[T], fill: Callable[[T], object]) -> None:
        import threading

        self.pid: int | None = None
        if len(items) < ALONGSIDE or not hasattr(os, "fork") or threading.active_count() > 1:
            return
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid:
            self.pid = pid
            return
        # The child, which leaves through os._exit. It inherits every object of the parent:
        # a collection would walk (and copy) them all.
        gc.freeze()
        gc.disable()
        code = 0
        try:
            for item in items:
                fill(item)
        except BaseException:
            code = 1
        finally:
            os._exit(code)

    def wait(self) -> None:
        """Wait until the process is done (at once when there is none, or it was waited for)."""
        pid, self.pid = self.pid, None
        if pid is not None:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)

    def stop(self) -> None:
        """End the process now: what it did not keep yet is done again without the cache."""
        import signal

        if self.pid is not None:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGTERM)
        self.wait()

    def __enter__(self) -> Alongside:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is None:
            self.wait()
        else:
            self.stop()
