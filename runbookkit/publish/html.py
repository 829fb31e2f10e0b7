"""Small HTML helpers shared by the page, run and catalog renderers.

Every value that comes from a runbook or from the history goes through :func:`esc` (or a helper
that calls it) before it reaches a page: recorded output, commands, operators and metadata are
text, never markup.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
import re
import secrets

# Statuses and severities each get a CSS class; anything else is shown as "unknown".
_STATUS_CLASS = {
    "passed": "ok",
    "manual": "ok",
    "failed": "bad",
    "error": "bad",
    "interrupted": "warn",
    "incomplete": "warn",
    "declined": "warn",
    "skipped": "muted",
    "running": "info",
}
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}")
_UNSAFE = re.compile(r"[^A-Za-z0-9]+")


def esc(value: object) -> str:
    """``value`` as HTML text, quotes included (safe in element text and attribute values)."""
    text = value if type(value) is str else "" if value is None else str(value)
    # Most texts (ids, names, times, commands) have nothing to escape: five scans, no copies.
    if "&" in text or "<" in text or ">" in text or '"' in text or "'" in text:
        return html.escape(text, quote=True)
    return text


def safe_id(run_id: str) -> bool:
    """Whether a run id can be used in a file name and a URL as it is."""
    return _SAFE_ID.fullmatch(run_id) is not None


def safe_name(value: str) -> str:
    """``value`` when :func:`safe_id` allows it, else a name made of its letters and a digest.

    A made name starts with ``_``, which no safe id does, so it never equals another value's.
    """
    if safe_id(value):
        return value
    slug = _UNSAFE.sub("-", value).strip("-")[:40].rstrip("-")
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"_{slug}-{digest}" if slug else f"_{digest}"


@functools.lru_cache(maxsize=1024)  # a page shows a few labels, each many times
def badge(text: str, kind: str) -> str:
    """A small coloured label; ``kind`` picks the colour class."""
    return f'<span class="rbk-badge rbk-{esc(kind)}">{esc(text)}</span>'


def severity_badge(severity: str | None) -> str:
    """The severity as a badge (``unset`` when the runbook gives none)."""
    if not severity:
        return badge("unset", "muted")
    return badge(severity, f"sev-{severity}")


def status_kind(status: str) -> str:
    """The colour class of a run or step status (``muted`` for one it does not know)."""
    return _STATUS_CLASS.get(status, "muted")


def status_badge(status: str) -> str:
    """A run or step status as a badge coloured by outcome."""
    return badge(status, status_kind(status))


def when(moment: dt.datetime | None) -> str:
    """A time as ``YYYY-MM-DD HH:MM UTC`` (escaped), or an empty string."""
    if moment is None:
        return ""
    return _when(moment)


@functools.lru_cache(maxsize=8192)  # a run's start shows in its table row, summary and title
def _when(moment: dt.datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    if moment.year < 1000:  # strftime's year has no leading zeros there
        return esc(moment.strftime("%Y-%m-%d %H:%M UTC"))
    day = f"{moment.year}-{moment.month:02d}-{moment.day:02d}"  # strftime's, in a third the time
    return f"{day} {moment.hour:02d}:{moment.minute:02d} UTC"


def pre(text: str, kind: str = "") -> str:
    """Preformatted, escaped text (output or commands)."""
    css = f' class="rbk-{esc(kind)}"' if kind else ""
    return f"<pre{css}><code>{esc(text)}</code></pre>"


class Slots:
    """Placeholders for HTML that must not pass through Markdown.

    Markdown gets a unique token on a line of its own; after rendering, the paragraph holding
    that token is replaced by the HTML. Nothing inside the HTML can be read as Markdown.
    """

    def __init__(self) -> None:
        self.prefix = "RBKSLOT" + secrets.token_hex(6)
        self.html: list[str] = []

    def add(self, fragment: str) -> str:
        """Keep ``fragment`` and return the Markdown (a paragraph) that stands for it."""
        self.html.append(fragment)
        return f"\n{self.prefix}N{len(self.html) - 1}\n"

    def fill(self, rendered: str) -> str:
        """Put every kept fragment in place of its token in the rendered page."""
        if not self.html:
            return rendered
        pattern = re.compile(rf"(?:<p>)?{self.prefix}N(\d+)(?:</p>)?")
        return pattern.sub(lambda m: self.html[int(m.group(1))], rendered)
