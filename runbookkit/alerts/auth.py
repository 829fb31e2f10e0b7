"""Who may post alerts: a bearer token, or PagerDuty's signature; and replays refused.

Alertmanager's ``http_config.authorization`` and Grafana's contact points send
``Authorization: Bearer TOKEN``; PagerDuty signs each webhook's body with the subscription's
secret (``X-PagerDuty-Signature: v1=HEX[,v1=HEX…]``, HMAC-SHA256). Comparisons take constant
time; the token and the secret are never logged or kept anywhere else.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

SIGNATURE_HEADER = "x-pagerduty-signature"


@dataclass(frozen=True)
class Verdict:
    """Whether a request may go on: None, or the status (401, 403) and why."""

    status: int | None
    reason: str = ""


class Credentials:
    """The bearer token and the PagerDuty signing secret the receiver accepts (either may be
    None, not both)."""

    def __init__(self, token: str | None, pagerduty_secret: str | None) -> None:
        if not token and not pagerduty_secret:
            raise ValueError("a receiver needs a bearer token or a PagerDuty signing secret")
        self._token = token.encode() if token else None
        self._secret = pagerduty_secret.encode() if pagerduty_secret else None

    def __repr__(self) -> str:
        return "Credentials(***)"

    def check_headers(self, headers: Mapping[str, str]) -> Verdict | None:
        """Before the body is read: a bad token is refused (403), no credentials at all too
        (401); None when the token is right, or a signature is to be checked on the body."""
        given = headers.get("authorization")
        if given is not None:
            scheme, _, value = given.partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                return Verdict(401, "the Authorization header is not a bearer token")
            if self._token is not None and hmac.compare_digest(value.strip().encode(), self._token):
                return None
            return Verdict(403, "wrong bearer token")
        if headers.get(SIGNATURE_HEADER) is not None and self._secret is not None:
            return Verdict(None, "signature")
        return Verdict(401, "no bearer token and no PagerDuty signature")

    def check_signature(self, headers: Mapping[str, str], body: bytes) -> Verdict | None:
        """The PagerDuty signature of ``body``: None when one of its ``v1=`` values is right."""
        assert self._secret is not None
        expected = hmac.new(self._secret, body, hashlib.sha256).hexdigest().encode()
        for part in headers.get(SIGNATURE_HEADER, "").split(","):
            version, _, value = part.strip().partition("=")
            if version == "v1" and hmac.compare_digest(value.strip().lower().encode(), expected):
                return None
        return Verdict(403, "the PagerDuty signature does not match the body")


class ReplayGuard:
    """Remembers what was accepted for ``window`` seconds: a PagerDuty event id, or the hash of
    a body with its ``X-Request-Timestamp``/``Date`` header; the same again is a replay."""

    def __init__(self, window: float = 300.0, size: int = 100_000) -> None:
        self.window = window
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    @staticmethod
    def key(body: bytes, headers: Mapping[str, str], event_id: str | None) -> str:
        """What identifies one delivery."""
        if event_id:
            return f"pagerduty:{event_id}"
        stamp = headers.get("x-request-timestamp") or headers.get("date") or ""
        return "body:" + hashlib.sha256(body + b"\0" + stamp.encode()).hexdigest()

    def seen(self, key: str) -> bool:
        """Whether ``key`` was accepted within the window; if not, it is remembered now."""
        now = time.monotonic()
        with self._lock:
            while self._seen:
                oldest, when = next(iter(self._seen.items()))
                if now - when <= self.window and len(self._seen) < self._size:
                    break
                del self._seen[oldest]
            if key in self._seen:
                return True
            self._seen[key] = now
            return False

    def forget(self, key: str) -> None:
        """Forget ``key`` (the delivery was not accepted after all: it may come again)."""
        with self._lock:
            self._seen.pop(key, None)
