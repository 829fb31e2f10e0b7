"""The one exception hierarchy of runbookkit.

Every error that can reach a person carries the source location it is about (when it has one),
so the command line can print it as a single ``file:line: message`` line.
"""

from __future__ import annotations


class RunbookError(Exception):
    """Base class of every error runbookkit raises on purpose.

    Attributes:
        message: what was wrong and, where it helps, what was expected.
        path: the file the error is about, if any.
        line: 1-based line in ``path``, if known.
    """

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def location(self) -> str:
        """Return ``path:line`` (or the part of it that is known)."""
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line is not None else self.path

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message


class ParseError(RunbookError):
    """The runbook cannot be read or does not form a valid runbook."""


class ConfigError(RunbookError):
    """A setting, flag, profile or inventory is invalid."""


class NotFoundError(RunbookError):
    """A runbook, section or step that was asked for does not exist."""


class ExecutionError(RunbookError):
    """A run could not start or had to stop for a reason outside any single step."""


class HistoryError(RunbookError):
    """The run history store cannot be opened, read or written."""


class PayloadError(RunbookError):
    """A webhook's body is not a payload runbookkit reads (``path``: the field that is wrong)."""
