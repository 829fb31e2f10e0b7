"""Open files the operator names, refusing what is not a regular file before reading it.

A FIFO given as a path would block the open (and a read after it) until a writer comes,
``/dev/zero`` would be read without end and a socket can't be read at all: :func:`open_regular`
looks at the path with :func:`os.stat` first, opens it without blocking and checks again on the
open file, so nothing but a regular file is ever read.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

_KINDS = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


class NotRegularFileError(OSError):
    """The path names a FIFO, a device or a socket: something that is not a regular file."""

    def __init__(self, kind: str, path: str) -> None:
        super().__init__(errno.EINVAL, f"is {kind}, expected a regular file", path)
        self.kind = kind


def _check(mode: int, path: str) -> None:
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory", path)
    if not stat.S_ISREG(mode):
        kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
        raise NotRegularFileError(kind, path)


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """Open the regular file at ``path`` for reading bytes.

    Raises:
        FileNotFoundError: there is nothing at ``path``.
        IsADirectoryError: ``path`` is a directory.
        NotRegularFileError: ``path`` is a FIFO, a device or a socket (never opened for read
            when :func:`os.stat` tells so first).
        OSError: any other reason it can't be opened (permissions…).
    """
    shown = os.fspath(path)
    _check(os.stat(shown).st_mode, shown)
    # O_NONBLOCK: were the path swapped for a FIFO after the stat, the open still returns.
    descriptor = os.open(shown, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        _check(os.fstat(descriptor).st_mode, shown)
        os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_regular(path: str | os.PathLike[str]) -> bytes:
    """The bytes of the regular file at ``path`` (see :func:`open_regular` for what it raises)."""
    with open_regular(path) as handle:
        return handle.read()


def read_regular_text(path: str | Path, encoding: str = "utf-8") -> str:
    """The text of the regular file at ``path``, newlines universal as :meth:`Path.read_text`.

    Also raises :class:`UnicodeDecodeError`.
    """
    text = read_regular(path).decode(encoding)
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text
