"""runbookkit's cache directory: what is kept between runs so a command need not redo it.

Everything here is derived from the runbooks and from runbookkit's own sources (parsed
runbooks, match routes, compiled Hyperscan databases), keyed so that a change to either is a miss. A
cache that cannot be read or written is only a slower run: nothing here raises.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

VARIABLE = "RUNBOOKKIT_CACHE_DIR"


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
