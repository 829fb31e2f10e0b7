"""OpenSSH's reading of option values, for ``-o`` in runbooks and for ssh_config.

``Port`` is a number or a service name (``ssh`` is 22), ``ConnectTimeout`` a time as
``sshd_config(5)`` writes times (``5``, ``5s``, ``1m30s``, ``1h``). Each error is a
:class:`ValueError` whose message names the option and what was expected.
"""

from __future__ import annotations

import re
import socket

_TIME_PART = re.compile(r"(\d+)([smhdw]?)", re.IGNORECASE)
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def port(value: str | int, option: str = "Port") -> int:
    """A TCP port from a number or a service name (``/etc/services``)."""
    text = str(value).strip()
    if text.isascii() and text.isdigit():
        number = int(text)
    else:
        try:
            number = socket.getservbyname(text, "tcp")
        except OSError:
            number = 0
    if not 1 <= number <= 65535:
        raise ValueError(f"{option} {text!r}: expected a port number or service name")
    return number


def seconds(value: str | int | float, option: str = "ConnectTimeout") -> float:
    """A time in seconds, as OpenSSH reads ``5``, ``5s``, ``1m30s``, ``1h``, ``2d``, ``1w``."""
    text = str(value).strip()
    parts = _TIME_PART.findall(text)
    if not text or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"{option} {text!r}: expected a time such as 10, 10s, 1m or 1m30s")
    return float(sum(int(n) * _UNITS[u.lower()] for n, u in parts))


def flag(value: str, option: str) -> bool:
    """``yes``/``no`` (and ``true``/``false``), any case."""
    text = str(value).strip().lower()
    if text in {"yes", "true"}:
        return True
    if text in {"no", "false"}:
        return False
    raise ValueError(f"{option} {value!r}: expected yes or no")
