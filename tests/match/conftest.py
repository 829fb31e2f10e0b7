"""Helpers for the match tests: write small runbooks with the Patterns a test needs."""

from __future__ import annotations

from pathlib import Path

import pytest


def write_runbook(
    directory: Path, name: str, pattern: str, severity: str = "High", mttr: str = "5 minutes"
) -> Path:
    """Write ``NAME.md`` with this Pattern; the Pattern is on line 3."""
    path = directory / f"{name}.md"
    path.write_text(
        f"# {name.title()}\n\n**Pattern:** `{pattern}`\n**Severity:** {severity}\n"
        f"**MTTR Target:** {mttr}\n\n## Fix\n\n```bash\necho fix\n```\n",
        encoding="utf-8",
    )
    return path


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
