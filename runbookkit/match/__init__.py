"""Route error messages and logs to the runbooks whose Pattern they match."""

from __future__ import annotations

from runbookkit.match.engine import Match, Matcher
from runbookkit.match.routes import PatternError, Route

__all__ = ["Match", "Matcher", "PatternError", "Route"]
