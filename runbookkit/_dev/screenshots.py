"""Screenshots of the docs site's runbook page, runs page and catalog, to review a change by.

Usage: ``python -m runbookkit._dev.screenshots [--out DIR] [--theme material|mkdocs]``

Builds the demo site (:mod:`runbookkit._dev.demo`: two runbooks and a history with a failure,
a fleet run, a rollback and a partial run) with the working tree's plugin, serves it on
127.0.0.1 and saves PNGs taken in headless Chromium under DIR (default
``/tmp/runbookkit-screenshots``): the top of each page as a reader first sees it
(``NAME.png``) and the whole page (``NAME-full.png``). Prints each file's path, and any request
a page made to another host (there should be none). Exit code 0, or 1 when a step failed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from runbookkit._dev import demo
from runbookkit._dev.chromium import BrowserError, browser
from runbookkit._dev.static import serve

PAGES = {
    "runbook": f"runbooks/{demo.REDIS}/",
    "runbook-github": f"runbooks/{demo.DISK}/",
    "runs": f"runs/{demo.REDIS}.html",
    "catalog": "catalog/",
}


def build(root: Path, theme: str) -> Path:
    """Write and build the demo site under ``root``; returns the built site's directory."""
    config = demo.write_site(root, theme=theme)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(config)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"mkdocs build failed:\n{done.stderr.strip()}")
    return root / "site"


def shoot(site: Path, out: Path) -> tuple[list[Path], list[str]]:
    """Screenshots of every page in :data:`PAGES`, and the requests made to other hosts."""
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    external: list[str] = []
    with serve(site) as base, browser() as chromium:
        page = chromium.new_page()
        for name, path in PAGES.items():
            page.open(base + path, width=1280, height=1000)
            saved.append(page.screenshot(out / f"{name}.png", full_page=False))
            saved.append(page.screenshot(out / f"{name}-full.png"))
        external = [url for url in page.requests if not local(url)]
    return saved, external


def local(url: str) -> bool:
    """Whether a request stays on this machine (loopback, or data the page holds)."""
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname in ("127.0.0.1", "localhost")


def main(argv: list[str] | None = None) -> int:
    """Build, serve and photograph the demo site."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/runbookkit-screenshots"))
    parser.add_argument("--theme", default="material", choices=["material", "mkdocs"])
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rbk-demo-site-") as tmp:
        try:
            site = build(Path(tmp), args.theme)
            saved, external = shoot(site, args.out.resolve())
        except (RuntimeError, BrowserError, OSError) as exc:
            print(f"screenshots: {exc}", file=sys.stderr)
            return 1
    for path in saved:
        print(path)
    for url in external:
        print(f"request to another host: {url}", file=sys.stderr)
    return 1 if external else 0


if __name__ == "__main__":
    sys.exit(main())
