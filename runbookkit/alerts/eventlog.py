"""The receiver's log: one line per event, as text (Rich on a terminal) or one JSON object.

Events are a name and fields (``routed alert=RedisDown runbook=redis-down rule=runbook_url``);
fields that are None are left out. Nothing secret is ever a field.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import threading
from typing import IO, Any

_STYLES = {
    "listening": "bold green",
    "routed": "cyan",
    "run started": "bold cyan",
    "run finished": "green",
    "unrouted": "yellow",
    "rejected": "red",
    "run not started": "red",
    "error": "bold red",
}


class EventLog:
    """Writes each event to ``stream`` (default stdout), flushed, one line each."""

    def __init__(self, *, as_json: bool = False, stream: IO[str] | None = None) -> None:
        self.as_json = as_json
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()
        self._console: Any = None
        if not as_json and self.stream.isatty():
            from rich.console import Console

            self._console = Console(file=self.stream, highlight=False, soft_wrap=True)

    def __call__(self, event: str, **fields: Any) -> None:
        now = dt.datetime.now(dt.UTC)
        shown = {k: v for k, v in fields.items() if v is not None}
        with self._lock:
            if self.as_json:
                record = {"time": now.isoformat(timespec="milliseconds"), "event": event, **shown}
                self.stream.write(json.dumps(record, default=str) + "\n")
            elif self._console is not None:
                from rich.text import Text

                line = Text(f"{now:%H:%M:%S} ", style="dim")
                line.append(event, style=_STYLES.get(event, ""))
                line.append("".join(f" {k}={_plain(v)}" for k, v in shown.items()))
                self._console.print(line)
            else:
                parts = "".join(f" {k}={_plain(v)}" for k, v in shown.items())
                self.stream.write(f"{now:%Y-%m-%dT%H:%M:%SZ} {event}{parts}\n")
            self.stream.flush()


def _plain(value: Any) -> str:
    """A field on one line: quoted when it holds spaces, control characters escaped."""
    text = str(value)
    if not text or any(c.isspace() or c in "\"'=" or not c.isprintable() for c in text):
        return json.dumps(text)
    return text
