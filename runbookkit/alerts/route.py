"""Which runbook answers an alert: four rules, tried in order, the first that names one wins.

1. ``runbook_url``: the annotation names a runbook of the catalog by id, file name or URL path
   (``https://wiki/runbooks/redis-down.md``, ``…/redis-down/``, ``redis-down``).
2. The alert's name is a runbook's id or title, compared as words (``KubePodCrashLooping`` is
   ``kube-pod-crash-looping.md`` and the H1 ``Kube Pod Crash Looping``).
3. The runbook's front matter: ``alerts: [...]`` lists the name and/or every ``match_labels:``
   pair is among the alert's labels (both must hold when both are written).
4. The runbook's Pattern matches the alert's summary, description or message (RE2).

No rule naming a runbook: the alert is unrouted (recorded and shown as such).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from runbookkit.errors import ParseError

if TYPE_CHECKING:
    from pathlib import Path

    from runbookkit.alerts.event import AlertEvent
    from runbookkit.match import Matcher
    from runbookkit.model import Runbook
    from runbookkit.parsing.safety import Policy

RULES = ("runbook_url", "name", "front_matter", "pattern")
_SUFFIXES = (".md", ".markdown", ".html", ".htm")
_INDEX = ("index", "readme", "")
_WORD_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Routing:
    """Where an alert goes: the runbook (None: unrouted) and the rule that chose it."""

    runbook: Runbook | None
    rule: str | None = None

    @property
    def runbook_id(self) -> str | None:
        """The id of the runbook, or None when the alert is unrouted."""
        return None if self.runbook is None else str(self.runbook.id)


def words(name: str) -> str:
    """A name as lower-case words joined by ``-``: ``KubePodCrashLooping``, ``kube_pod_crash``
    ``_looping`` and ``Kube Pod Crash Looping`` all give ``kube-pod-crash-looping``."""
    return _NOT_WORD.sub("-", _WORD_BREAK.sub("-", name).lower()).strip("-")


class Router:
    """Routes alerts to the runbooks given (in catalog order: the first that fits wins)."""

    def __init__(self, runbooks: Sequence[Runbook]) -> None:
        self.runbooks = list(runbooks)
        self._by_file: dict[str, Runbook] = {}
        self._by_words: dict[str, Runbook] = {}
        for runbook in self.runbooks:
            stem = PurePosixPath(runbook.path).stem
            for key in (runbook.id, stem):
                self._by_file.setdefault(key, runbook)
            for key in (runbook.id, stem, runbook.title):
                self._by_words.setdefault(words(key), runbook)
        self._by_id = {r.id: r for r in self.runbooks}
        self._matcher: Matcher | None = None

    @classmethod
    def from_directory(
        cls, directory: Path, policy: Policy | None = None
    ) -> tuple[Router, list[ParseError]]:
        """A router over every runbook in ``directory``; the files that can't be read are
        returned, one error each, and left out."""
        from runbookkit import finder
        from runbookkit.parsing import parse_file, safety

        runbooks, errors = [], []
        for path in finder.discover(directory):
            try:
                runbooks.append(parse_file(path, policy=policy or safety.DEFAULT))
            except ParseError as exc:
                errors.append(exc)
        return cls(runbooks), errors

    def prepare(self) -> None:
        """Compile the Patterns now rather than for the first alert that needs them."""
        if self._matcher is None:
            from runbookkit.match import Matcher

            self._matcher = Matcher(self.runbooks, strict=False)

    def route(self, event: AlertEvent) -> Routing:
        """The runbook that answers ``event``, by the first rule that names one."""
        for rule in RULES:
            found = getattr(self, f"_by_{rule}")(event)
            if found is not None:
                return Routing(found, rule)
        return Routing(None)

    def _by_runbook_url(self, event: AlertEvent) -> Runbook | None:
        url = event.annotations.get("runbook_url", "").strip()
        if not url:
            return None
        parts = [p for p in PurePosixPath(unquote(urlsplit(url).path)).parts if p != "/"]
        while parts:
            name = parts.pop()
            lowered = name.lower()
            for suffix in _SUFFIXES:
                if lowered.endswith(suffix):
                    name, lowered = name[: -len(suffix)], lowered[: -len(suffix)]
                    break
            if lowered in _INDEX:
                continue  # a site's page for the runbook: …/redis-down/index.html
            return self._by_file.get(name)
        return None

    def _by_name(self, event: AlertEvent) -> Runbook | None:
        return self._by_words.get(words(event.name)) if event.name.strip() else None

    def _by_front_matter(self, event: AlertEvent) -> Runbook | None:
        name = words(event.name)
        for runbook in self.runbooks:
            meta = runbook.metadata
            if not meta.alerts and not meta.match_labels:
                continue
            if meta.alerts and name not in {words(a) for a in meta.alerts}:
                continue
            if all(event.labels.get(k) == v for k, v in meta.match_labels.items()):
                return runbook
        return None

    def _by_pattern(self, event: AlertEvent) -> Runbook | None:
        self.prepare()
        assert self._matcher is not None
        for found in self._matcher.match(event.text, source="<alert>"):
            return self._by_id.get(found.route.id)
        return None
