"""Where a history store is: an SQLite file or a PostgreSQL database, named by path or URL.

``postgresql://`` and ``postgres://`` URLs name a PostgreSQL database (libpq's URL form: the
password may also come from ``PGPASSWORD``, ``~/.pgpass`` or a service file). ``sqlite:///PATH``
and plain paths name an SQLite file. A URL is only ever shown without its password.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgresql", "postgres")


@dataclass(frozen=True)
class Location:
    """A parsed store location: its backend and the path or URL that reaches it."""

    backend: str  # "sqlite" or "postgresql"
    target: str  # the SQLite file's path, or the PostgreSQL URL as given

    @property
    def path(self) -> Path:
        """The SQLite file (only for an SQLite location)."""
        return Path(self.target)

    @property
    def shown(self) -> str:
        """The location as printed and recorded: a URL without any password."""
        return shown(self.target) if self.backend == "postgresql" else self.target


def is_url(value: str | Path) -> bool:
    """Whether ``value`` is a store URL rather than a plain path."""
    return isinstance(value, str) and value.split("://", 1)[0] in (*POSTGRES_SCHEMES, "sqlite")


def parse(value: str | Path) -> Location:
    """The location ``value`` names (``sqlite:///x`` is the relative path x, ``sqlite:////x``
    the absolute path /x)."""
    text = str(value)
    if isinstance(value, str) and "://" in value:
        scheme, rest = value.split("://", 1)
        if scheme in POSTGRES_SCHEMES:
            return Location("postgresql", value)
        if scheme == "sqlite":
            return Location("sqlite", rest[1:] if rest.startswith("/") else rest)
    return Location("sqlite", text)


def shown(url: str) -> str:
    """``url`` without the password of its user part or of a ``password=`` parameter."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.split("://", 1)[0] + "://…"
    netloc = parts.netloc
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        netloc = f"{user.split(':', 1)[0]}@{host}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "password"])
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
