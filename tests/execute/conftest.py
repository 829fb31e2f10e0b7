"""Helpers for run tests: runbooks written on the fly, and a test host named ``target``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.support.sshd import client_files


def write_runbook(directory: Path, body: str, name: str = "matrix") -> Path:
    """Write a runbook whose Fix section holds ``body`` (a bash block's lines)."""
    path = directory / f"{name}.md"
    text = f"# {name.title()}\n\n## Fix\n\n```bash\n{textwrap.dedent(body).strip()}\n```\n"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def target(sshd, tmp_path):
    """A real sshd known to an ssh_config as ``target`` (its host key in known_hosts)."""
    files = client_files(sshd, tmp_path / "client", ["target"])
    return sshd, files
