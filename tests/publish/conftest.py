"""Helpers for building real MkDocs sites with the plugin into a temporary directory."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml


def write_site(
    root: Path,
    runbooks_dir: Path,
    *,
    theme: str = "mkdocs",
    history: Path | None = None,
    **options: Any,
) -> Path:
    """A minimal MkDocs project in ``root`` publishing ``runbooks_dir``; returns its mkdocs.yml."""
    docs = root / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    if not (docs / "index.md").exists():
        (docs / "index.md").write_text("# Home\n\nThe runbooks.\n", encoding="utf-8")
    plugin: dict[str, Any] = {"runbooks_dir": str(runbooks_dir), **options}
    if history is not None:
        plugin["history"] = str(history)
    config = {
        "site_name": "Test runbooks",
        "docs_dir": "docs",
        "site_dir": "site",
        "theme": {"name": theme},
        "markdown_extensions": ["admonition", "tables"],
        "plugins": [{"runbookkit": plugin}],
    }
    path = root / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def mkdocs_build(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a real ``mkdocs build`` of ``config``."""
    env = {**os.environ, "NO_COLOR": "1", "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-f", str(config), *args],
        cwd=config.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def text_of(page: str) -> str:
    """The text of an HTML page: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@pytest.fixture
def build():
    """The :func:`mkdocs_build` helper as a fixture."""
    return mkdocs_build
