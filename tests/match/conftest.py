"""Helpers for the match tests: write small runbooks with the Patterns a test needs."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def runbooks_dir(tmp_path: Path) -> Path:
    """An empty runbooks directory."""
    directory = tmp_path / "runbooks"
    directory.mkdir()
    return directory


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache of routes of this test's own (the command line sees it through the environment)."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("RUNBOOKKIT_CACHE_DIR", str(directory))
    return directory
