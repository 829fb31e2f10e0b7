"""Runbook pages kept between builds: the page of an unchanged runbook is neither linted nor
rendered again (``mkdocs serve`` rebuilds every page when one file changes).

What a page shows depends on the runbook file's text, where it is and its id, the team's safety
policy, the format profile, the day (reviews fall due), its run history table, and the sources
of runbookkit and of the Markdown libraries: together they make the key. It also depends on
where the pages it links to are on this site, which a key cannot say before the page is
rendered: each link the page rewrote is asked again on a hit, and must lead where it led.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from runbookkit._version import __version__
from runbookkit.cache import Shelf, digest, sources_stamp
from runbookkit.model import Runbook
from runbookkit.parsing.safety import Policy
from runbookkit.publish.page import Finding
from runbookkit.publish.render import Link, Rendered

FORMAT = 1
# The sources a page depends on, relative to the package: all of them, to be safe (the page
# shows what the parser, the planner and lint make of the runbook).
SOURCES = ("*.py", "*/*.py", "*/*/*.py", "lint/*.json")
SHELF = Shelf("pages", 2000)  # pages kept; past twice this many, the oldest go


@dataclass(frozen=True)
class KeptPage:
    """A runbook page as it was rendered: its findings, its HTML and where its links led."""

    findings: list[Finding]
    rendered: Rendered
    links: dict[str, str]  # each link as written → as the page shows it


def key(
    source: str, runbook: Runbook, *, policy: Policy, profile: str, today: dt.date, history: str
) -> str:
    """The key of the page of ``runbook`` read from ``source``, linted with ``profile`` (a
    :func:`profile_key`, or empty for no lint) on ``today``, showing the ``history`` table."""
    return digest(
        [
            str(FORMAT),
            _stamp(),
            hashlib.sha256(source.encode()).hexdigest(),
            runbook.sha256 or "",
            runbook.path,
            runbook.id,
            repr(policy),
            profile,
            today.isoformat(),
            hashlib.sha256(history.encode()).hexdigest(),
        ],
        32,
    )


def profile_key(name: str, schema: object) -> str:
    """What stands for a format profile in a key: its name and its whole schema."""
    return digest([name, json.dumps(schema, sort_keys=True, default=str)])


def page(name: str, link: Link, make: Callable[[Link], tuple[list[Finding], Rendered]]) -> KeptPage:
    """The page kept under ``name`` when each of its links still leads where it led; else
    what ``make`` renders now with ``link`` (which records where each link leads), kept."""
    found = SHELF.load(name)
    if isinstance(found, KeptPage) and all(link(h) == to for h, to in found.links.items()):
        return found
    asked: dict[str, str] = {}

    def recorded(href: str) -> str:
        asked[href] = link(href)
        return asked[href]

    findings, rendered = make(recorded)
    kept = KeptPage(findings, rendered, asked)
    SHELF.store(name, kept)
    return kept


@cache
def _stamp() -> str:
    import markdown  # type: ignore[import-untyped]
    import markdown_it
    import mdit_py_plugins

    libraries = f"{markdown_it.__version__} {mdit_py_plugins.__version__} {markdown.__version__}"
    return sources_stamp(SOURCES, f"{__version__} {libraries}")
