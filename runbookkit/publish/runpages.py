"""Runs pages: the theme renders one, and every other runbook's runs page is written from it.

Every runbook with recorded runs gets one page, ``runs/NAME.html``, and all share one layout at
one depth: only the title, the file name and the runs differ. The first goes through MkDocs and
its theme like any page, but with a random token for its title and its file name; its output,
cut around the runs, gives the head and tail of every page, where only those tokens are replaced
(so a runbook id that also occurs in the navigation is left alone there). The other pages are
written by a forked process while MkDocs renders the rest of the site (in this process when
other threads run, as under ``mkdocs serve``).
"""

from __future__ import annotations

import gc
import os
import secrets
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from runbookkit.publish.html import esc

START, END = "<!--rbk-runs-->", "<!--/rbk-runs-->"


def url(name: str) -> str:
    """The site URL (and file) of the runs page called ``name``."""
    return f"runs/{name}.html"


@dataclass(frozen=True)
class RunsPage:
    """One runbook's runs page."""

    name: str  # the file name under runs/, safe in a URL (see html.safe_name)
    title: str  # the page title, as text
    runbook_id: str


Render = Callable[[RunsPage, str], str]  # (page, its url) → the runs' HTML
Load = Callable[[Sequence[RunsPage]], None]  # read what rendering these pages needs


class RunPages:
    """Writes every runs page from the themed rendering of the first (the shell)."""

    def __init__(self, pages: Sequence[RunsPage], render: Render, load: Load) -> None:
        if not pages:
            raise ValueError("no runs page to write")
        self.pages = pages
        self.shell = pages[0]
        self.render = render
        self.load = load  # the writer reads the runs' steps itself: the parent never holds them
        token = secrets.token_hex(8)
        self.title_token = f"rbktitle{token}"  # the shell's title while the theme renders it
        self.name_token = f"rbkname{token}"  # its file name, likewise
        self.child: int | None = None

    def body(self) -> str:
        """The shell's runs, between the markers its rendering is cut at."""
        self.load([self.shell])
        return START + self.render(self.shell, url(self.shell.name)) + END

    def _fill(self, text: str, page: RunsPage) -> str:
        return text.replace(self.title_token, esc(page.title)).replace(self.name_token, page.name)

    def start(self, output: str, site_dir: str) -> str:
        """Cut the rendered shell, write every other runs page (in the background).

        Returns:
            The shell's own page, its tokens replaced.

        Raises:
            ValueError: the theme dropped the markers or altered a token, so the page cannot be
                reused.
        """
        head, _, rest = output.partition(START)
        middle, found, tail = rest.partition(END)
        if not found:
            raise ValueError("the theme dropped the runs page's content")
        page = self._fill(head, self.shell) + middle + self._fill(tail, self.shell)
        lowered = page.lower()
        if self.title_token in lowered or self.name_token in lowered:
            raise ValueError("the theme altered the runs page's title or URL")
        site = Path(site_dir)
        (site / "runs").mkdir(parents=True, exist_ok=True)
        if threading.active_count() > 1 or not hasattr(os, "fork"):
            self._write(head, tail, site)
            return page
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid:
            self.child = pid
            return page
        # The writer inherits the whole build's objects: a collection would walk them all (and
        # copy every page it touches). What it makes itself (records, HTML) holds no cycles and
        # goes with the process: it runs without collections.
        gc.freeze()
        gc.disable()
        code = 0
        try:
            self._write(head, tail, site)
        except BaseException as exc:  # the parent reports it; nothing may unwind past here
            print(f"runbookkit: writing runs pages failed: {exc}", file=sys.stderr)
            code = 1
        finally:
            os._exit(code)

    def _write(self, head: str, tail: str, site: Path) -> None:
        self.load(self.pages[1:])
        for page in self.pages[1:]:
            text = (
                self._fill(head, page) + self.render(page, url(page.name)) + self._fill(tail, page)
            )
            (site / url(page.name)).write_text(text, encoding="utf-8")

    def finish(self) -> None:
        """Wait for the background writer.

        Raises:
            RuntimeError: it failed (its message is on stderr).
        """
        if self.child is None:
            return
        _, status = os.waitpid(self.child, 0)
        self.child = None
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError("writing the runs pages failed")
