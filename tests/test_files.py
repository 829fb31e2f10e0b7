"""Paths that are not regular files are refused before anything is read, and never block."""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from runbookkit.files import NotRegularFileError, open_regular, read_regular, read_regular_text


@pytest.fixture
def deadline() -> Iterator[None]:
    """Fail (rather than hang) when the test blocks for more than 5 seconds."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError("blocked: the path was opened for reading")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(5)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.md"
    os.mkfifo(path)
    return path


def _socket(tmp_path: Path) -> Path:
    path = tmp_path / "socket.md"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.close()
    return path


def _zero(tmp_path: Path) -> Path:
    link = tmp_path / "zero.md"
    link.symlink_to("/dev/zero")
    return link


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (_fifo, "a named pipe (FIFO)"),
        (_socket, "a socket"),
        (_zero, "a character device"),
        (lambda _: Path("/dev/zero"), "a character device"),
    ],
    ids=["fifo", "socket", "dev-zero-link", "dev-zero"],
)
def test_special_files_are_refused_without_reading(
    tmp_path: Path, deadline: None, make, kind: str
) -> None:
    path = make(tmp_path)
    with pytest.raises(NotRegularFileError) as refused:
        read_regular(path)
    assert refused.value.kind == kind
    assert refused.value.strerror == f"is {kind}, expected a regular file"
    assert refused.value.filename == str(path)


def test_directory_and_missing(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError):
        open_regular(tmp_path)
    with pytest.raises(FileNotFoundError):
        open_regular(tmp_path / "missing")


def test_regular_file_reads_with_universal_newlines(tmp_path: Path) -> None:
    path = tmp_path / "a.toml"
    path.write_bytes(b"a = 1\r\nb = 2\rc = 3\n")
    assert read_regular(path) == b"a = 1\r\nb = 2\rc = 3\n"
    assert read_regular_text(path) == "a = 1\nb = 2\nc = 3\n"
    with open_regular(path) as handle:
        assert os.get_blocking(handle.fileno())
