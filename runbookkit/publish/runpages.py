"""Run pages: the theme renders one, and every other run's page is written from its shape.

All run pages share one layout at one depth (``runs/ID.html``), so only the record differs. The
first run's page goes through MkDocs and its theme like any page; its output, cut around the
record, gives the head and tail of all the others. They are written by a forked process while
MkDocs renders the rest of the site (in this process when other threads run, as under
``mkdocs serve``).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from runbookkit.publish.runs import RunLike

START, END = "<!--rbk-run-->", "<!--/rbk-run-->"


def url(run_id: str) -> str:
    """The site URL (and file) of a run's page."""
    return f"runs/{run_id}.html"


class RunPages:
    """Writes the pages of ``runs`` from the rendered page of ``shell_id``."""

    def __init__(
        self, shell_id: str, runs: Sequence[RunLike], render: Callable[[RunLike, str], str]
    ) -> None:
        self.shell_id = shell_id
        self.runs = runs
        self.render = render  # (run, page url) → the record's HTML
        self.child: int | None = None

    def body(self, run: RunLike) -> str:
        """The record of ``run`` between the markers the shell is cut at."""
        return START + self.render(run, url(run.id)) + END

    def start(self, output: str, site_dir: str) -> None:
        """Cut the rendered shell page and write every other run's page (in the background).

        Raises:
            ValueError: the theme dropped the markers, so the page cannot be reused.
        """
        head, _, rest = output.partition(START)
        _, _, tail = rest.partition(END)
        if not tail:
            raise ValueError("the theme dropped the run page's content")
        site = Path(site_dir)
        (site / "runs").mkdir(parents=True, exist_ok=True)
        if threading.active_count() > 1 or not hasattr(os, "fork"):
            self._write(head, tail, site)
            return
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid:
            self.child = pid
            return
        code = 0
        try:
            self._write(head, tail, site)
        except BaseException as exc:  # the parent reports it; nothing may unwind past here
            print(f"runbookkit: writing run pages failed: {exc}", file=sys.stderr)
            code = 1
        finally:
            os._exit(code)

    def _write(self, head: str, tail: str, site: Path) -> None:
        old = self.shell_id
        for run in self.runs:
            text = (
                head.replace(old, run.id)
                + self.render(run, url(run.id))
                + tail.replace(old, run.id)
            )
            (site / url(run.id)).write_text(text, encoding="utf-8")

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
            raise RuntimeError("writing the run pages failed")
