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
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import sqlite3

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
    """Pickled objects kept under names in one SQLite file of the cache (``trees.sqlite``,
    ``pages.sqlite``).

    One file rather than a file per entry: creating a file can cost far more than writing a
    row (0.4 to 0.8 ms of CPU each on an ext4 disk measured here, where a row costs tens of
    microseconds), and a first docs build of 500 runbooks keeps a thousand entries. Entries
    are loaded only from a file and directory that belong to this user and that no one else
    may write to (pickle runs code). A process counts its stores, and every ``keep`` of them
    lets the oldest entries go past twice ``keep``, so a long-lived process (serve) keeps the
    file bounded too. A connection is never carried across a fork: the parent closes it
    first, and either side opens its own again.
    """

    def __init__(self, name: str, keep: int) -> None:
        self.name = name
        self.keep = keep
        self._since_prune: dict[Path, int] = {}  # per file: stores since this process pruned
        self._open: tuple[int, Path, sqlite3.Connection] | None = None
        _SHELVES.append(self)

    @property
    def path(self) -> Path:
        """The file of the entries (the cache directory is read each time: it may change)."""
        return cache_dir() / f"{self.name}.sqlite"

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
        rows = self._rows("SELECT value FROM entries WHERE name = ?", (name,), create=False)
        if not rows:
            return None
        try:
            return pickle.loads(rows[0][0])  # type: ignore[arg-type]
        except Exception:  # a damaged or foreign entry is only a miss
            return None

    def has(self, name: str) -> bool:
        """Whether something is kept under ``name`` (to be loaded and checked yet)."""
        return bool(self._rows("SELECT 1 FROM entries WHERE name = ?", (name,), create=False))

    def names(self) -> list[str]:
        """The names of what is kept, the latest stored first."""
        rows = self._rows("SELECT name FROM entries ORDER BY rowid DESC", (), create=False)
        return [str(row[0]) for row in rows or []]

    def store(self, name: str, value: object) -> None:
        """Keep ``value`` under ``name``; let the oldest go when there are too many."""
        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError):
            return
        # A new rowid each time (the row is replaced): the rowid order is the order of stores.
        sql = "INSERT OR REPLACE INTO entries (name, value) VALUES (?, ?)"
        if self._rows(sql, (name, data), create=True) is None:
            return
        path = self.path
        since = self._since_prune.get(path, self.keep)
        if since >= self.keep:
            self._rows(_PRUNE, (2 * self.keep, self.keep), create=False)
            since = 0
        self._since_prune[path] = since + 1

    def close(self) -> None:
        """Close this process's connection (the next use opens one again)."""
        import sqlite3

        found, self._open = self._open, None
        if found is not None and found[0] == os.getpid():
            with contextlib.suppress(sqlite3.Error):
                found[2].close()

    def _rows(
        self, sql: str, parameters: tuple[object, ...], *, create: bool
    ) -> list[tuple[object, ...]] | None:
        """The rows of ``sql``; None where the shelf is missing, untrusted or broken (a damaged
        file is replaced by an empty one, for the next call)."""
        import sqlite3

        db = self._connection(create=create)
        if db is None:
            return None
        try:
            return db.execute(sql, parameters).fetchall()
        except sqlite3.Error as exc:
            if _damaged(exc):
                self.close()
                _create(self.path, replace=True)
            return None

    def _connection(self, *, create: bool) -> sqlite3.Connection | None:
        import sqlite3

        path, pid = self.path, os.getpid()
        if self._open is not None and self._open[:2] == (pid, path):
            return self._open[2]
        self.close()
        if create and not path.exists():
            import shutil

            _create(path)
            # Earlier versions kept a file per entry in a directory of the shelf's name.
            shutil.rmtree(path.with_suffix(""), ignore_errors=True)
        if not private(path.parent) or not private(path):
            return None
        try:
            db = sqlite3.connect(path, timeout=5, isolation_level=None, check_same_thread=False)
        except sqlite3.Error:
            return None
        try:
            # A cache needs no durability: a store lost to a crash is only a miss.
            db.execute("PRAGMA synchronous = OFF")
        except sqlite3.Error as exc:
            db.close()
            if _damaged(exc):
                _create(path, replace=True)  # for the next call
            return None
        self._open = (pid, path, db)
        return db


_SHELVES: list[Shelf] = []
# Past the first (count) entries, all but the latest (limit) go.
_PRUNE = (
    "DELETE FROM entries WHERE (SELECT count(*) FROM entries) > ? AND rowid NOT IN "
    "(SELECT rowid FROM entries ORDER BY rowid DESC LIMIT ?)"
)


def _damaged(exc: sqlite3.Error) -> bool:
    """Whether ``exc`` says the file is not a database (any more)."""
    import sqlite3

    return getattr(exc, "sqlite_errorcode", None) in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT)


def _create(path: Path, *, replace: bool = False) -> None:
    """An empty shelf file at ``path`` (and its directory), readable by this user alone.

    It is made whole beside ``path`` and then linked in, so another process never opens a
    file that is half made, and one that made it first keeps its own (``replace`` puts the
    new one in place of a damaged one).
    """
    import sqlite3

    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial.unlink(missing_ok=True)
        os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        db = sqlite3.connect(partial, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode = WAL")  # readers never wait for the writer
            db.execute("CREATE TABLE entries (name TEXT PRIMARY KEY, value BLOB)")
        finally:
            db.close()
        if replace:
            for stale in (f"{path.name}-wal", f"{path.name}-shm"):
                path.with_name(stale).unlink(missing_ok=True)
            os.replace(partial, path)
        else:
            try:
                os.link(partial, path)
            except FileExistsError:
                pass
            except OSError:  # no hard links here: the last one made is the one kept
                if not path.exists():
                    os.replace(partial, path)
    except (OSError, sqlite3.Error):
        pass
    finally:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)


def _close_before_fork() -> None:
    for shelf in _SHELVES:
        shelf.close()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_close_before_fork)


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
