"""Parsed runbooks kept between runs, so a command on an unchanged runbook does not parse it
again.

A parsed runbook is kept under a key made of the file's bytes (their sha256), the path and id it was
parsed as, the team's safety policy, and a stamp of the parser's own sources: any change to
one of them is a miss, and the runbook is parsed as if nothing were kept. They are pickled,
so they are loaded only from a cache directory that belongs to this user and that no one else
may write to. Runbooks that fail to parse are not kept: their error is found again each time.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from runbookkit._version import __version__
from runbookkit.cache import Shelf, digest, sources_stamp

if TYPE_CHECKING:
    from runbookkit.parsing.safety import Policy

FORMAT = 1
# The sources a parsed runbook depends on, relative to the package.
SOURCES = ("model.py", "errors.py", "files.py", "parsing/*.py")
KEEP = 1000  # runbooks kept; past twice this many, the oldest go


def key(sha256: str, path: str, runbook_id: str, policy: Policy, kind: str = "runbook") -> str:
    """The key of what a file with these bytes gives, parsed as ``path`` and ``runbook_id``:
    its runbook, or another ``kind`` of result of the parser (lint's tolerant parse)."""
    return digest([str(FORMAT), kind, _stamp(), sha256, path, runbook_id, repr(policy)], 32)


SHELF = Shelf("trees", KEEP)
fetch = SHELF.fetch
load = SHELF.load
store = SHELF.store


@cache
def _stamp() -> str:
    return sources_stamp(SOURCES, __version__)
