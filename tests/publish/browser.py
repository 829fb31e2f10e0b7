"""A built site served on 127.0.0.1 and opened in Debian's headless Chromium."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from runbookkit._dev.static import serve

__all__ = ["dump_dom", "screenshot", "serve"]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=3000",
]


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM} (scripts/system-deps installs it)")
    profile.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def dump_dom(url: str, profile: Path) -> str:
    """The page's DOM after it loaded and its scripts ran, serialised by Chromium."""
    done = _chromium(profile, "--dump-dom", url)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def screenshot(url: str, path: Path, profile: Path, size: str = "1280,2400") -> Path:
    """Save a PNG screenshot of the page at ``path``."""
    done = _chromium(profile, f"--screenshot={path}", f"--window-size={size}", url)
    assert done.returncode == 0 and path.is_file(), done.stderr[-2000:]
    return path
