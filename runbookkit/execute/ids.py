"""Run ids that sort by time: ULIDs (48-bit milliseconds, 80 random bits, Crockford base32)."""

from __future__ import annotations

import os
import threading
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_lock = threading.Lock()
_last = (0, 0)


def new_run_id(now: float | None = None) -> str:
    """A new 26-character ULID; ids made later in this process always sort after earlier ones."""
    global _last
    millis = int((time.time() if now is None else now) * 1000)
    with _lock:
        last_millis, last_random = _last
        if millis <= last_millis:
            # Same (or an earlier, clock-stepped) millisecond: keep order by counting up.
            millis, random = last_millis, (last_random + 1) % (1 << 80)
        else:
            random = int.from_bytes(os.urandom(10), "big")
        _last = (millis, random)
    return _encode(millis, 10) + _encode(random, 16)


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, digit = divmod(value, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))
