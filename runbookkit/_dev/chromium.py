"""Headless Chromium driven over the DevTools protocol on a pipe (no WebSocket, no driver).

``--remote-debugging-pipe`` makes Chromium read protocol commands from its file descriptor 3
and write replies and events to 4, each message JSON ended by a NUL byte. That is enough to
open a page, wait for it to load, run a script in it, take a screenshot and list every request
the page made: what the site's browser tests and the screenshots command need.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
]


class BrowserError(RuntimeError):
    """Chromium could not be started, went away, or a command failed or timed out."""


def chromium_path() -> str:
    """The Chromium binary (``$CHROMIUM``, else ``chromium`` on PATH)."""
    found = (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if not found:
        raise BrowserError("chromium not found (scripts/system-deps installs it)")
    return found


@dataclass
class Page:
    """One tab, attached with its own session."""

    browser: Browser
    session: str
    requests: list[str] = field(default_factory=list)  # every URL the page asked for

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send a command to this tab and return its result."""
        return self.browser.call(method, params, session=self.session)

    def open(self, url: str, *, width: int = 1280, height: int = 900, wait: float = 0.3) -> None:
        """Load ``url`` at a window of ``width``×``height`` CSS pixels, then wait until it
        has loaded and ``wait`` more seconds (scripts that run after load)."""
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        self.browser.events.clear()
        done = self.call("Page.navigate", {"url": url})
        if done.get("errorText"):
            raise BrowserError(f"{url}: {done['errorText']}")
        if done.get("loaderId"):  # none when only the fragment changed: nothing loads
            self.browser.wait_event("Page.loadEventFired", session=self.session)
        time.sleep(wait)
        self.browser.drain()

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises are awaited)."""
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"script failed: {text}")
        return result.get("result", {}).get("value")

    def screenshot(self, path: Path, *, full_page: bool = True) -> Path:
        """Save a PNG of the page (all of it, with ``full_page``) at ``path``."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
            )
            params["clip"] = {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1}
            params["captureBeyondViewport"] = True
        data = self.call("Page.captureScreenshot", params)["data"]
        path.write_bytes(base64.b64decode(data))
        return path


class Browser:
    """A headless Chromium with a fresh profile, spoken to over its debugging pipe."""

    def __init__(self, profile: Path, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self.events: list[dict[str, Any]] = []
        self.pages: dict[str, Page] = {}
        self._next = 0
        self._buffer = b""
        command_read, self._command = os.pipe()
        self._reply, reply_write = os.pipe()

        def plumb() -> None:  # in the child: the pipe ends at the descriptors Chromium reads
            os.dup2(command_read, 3)
            os.dup2(reply_write, 4)

        profile.mkdir(parents=True, exist_ok=True)
        try:
            self.process = subprocess.Popen(
                [chromium_path(), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                preexec_fn=plumb,
                pass_fds=(3, 4),
            )
        finally:
            os.close(command_read)
            os.close(reply_write)

    def new_page(self) -> Page:
        """A new tab, its network and page events on."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        page = Page(self, session)
        self.pages[session] = page
        for domain in ("Page", "Network", "Runtime"):
            page.call(f"{domain}.enable")
        return page

    def call(
        self, method: str, params: dict[str, Any] | None = None, *, session: str | None = None
    ) -> dict[str, Any]:
        """Send one command and wait for its reply (events that come first are kept)."""
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._command, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message')}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self._event(reply)

    def wait_event(self, name: str, *, session: str | None = None) -> dict[str, Any]:
        """Wait for the event ``name`` (of ``session``); returns its parameters."""
        deadline = time.monotonic() + self.timeout
        while True:
            for event in self.events:
                if event.get("method") == name and event.get("sessionId") == session:
                    self.events.remove(event)
                    params: dict[str, Any] = event.get("params", {})
                    return params
            self._event(self._read(deadline))

    def drain(self) -> None:
        """Read the events already sent (requests made since the page loaded)."""
        while select.select([self._reply], [], [], 0)[0]:
            self._event(self._read(time.monotonic() + self.timeout))

    def _event(self, message: dict[str, Any]) -> None:
        if message.get("method") == "Network.requestWillBeSent":
            page = self.pages.get(message.get("sessionId", ""))
            if page is not None:
                page.requests.append(message["params"]["request"]["url"])
        self.events.append(message)

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._reply], [], [], left)[0]:
                raise BrowserError(f"chromium did not answer within {self.timeout:g} s")
            chunk = os.read(self._reply, 1 << 20)
            if not chunk:
                raise BrowserError("chromium closed its debugging pipe (it exited)")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        data: dict[str, Any] = json.loads(message)
        return data

    def close(self) -> None:
        """Ask Chromium to quit; stop it by its PID if it does not."""
        with suppress(BrowserError, OSError):
            self.call("Browser.close")
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        for fd in (self._command, self._reply):
            os.close(fd)


@contextmanager
def browser(profile: Path | None = None) -> Iterator[Browser]:
    """A started :class:`Browser` (a fresh profile under a temporary directory by default)."""
    with tempfile.TemporaryDirectory(prefix="rbk-chromium-") as tmp:
        started = Browser(profile or Path(tmp) / "profile")
        try:
            yield started
        finally:
            started.close()
