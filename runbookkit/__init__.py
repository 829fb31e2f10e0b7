"""runbookkit: executable operations runbooks.

The public API is imported lazily: ``import runbookkit`` costs almost nothing, and each name is
loaded from its module the first time it is used (``runbookkit.parse_file`` imports the parser,
``runbookkit.Runbook`` the model).
"""

from __future__ import annotations

from runbookkit._version import __version__ as __version__

# Neither typing nor importlib: ``runbookkit --help`` imports this module and nothing heavy.
TYPE_CHECKING = False

# Public name → the module that defines it; add a name by adding a line here.
_EXPORTS: dict[str, str] = {
    "parse_file": "runbookkit.parsing",
    "parse_text": "runbookkit.parsing",
    "plan": "runbookkit.planning",
    "Plan": "runbookkit.planning",
    "Runbook": "runbookkit.model",
    "Metadata": "runbookkit.model",
    "Section": "runbookkit.model",
    "Subsection": "runbookkit.model",
    "Step": "runbookkit.model",
    "Command": "runbookkit.model",
    "Target": "runbookkit.model",
    "Severity": "runbookkit.model",
    "RunbookError": "runbookkit.errors",
    "ParseError": "runbookkit.errors",
    "ConfigError": "runbookkit.errors",
    "NotFoundError": "runbookkit.errors",
    "ExecutionError": "runbookkit.errors",
    "HistoryError": "runbookkit.errors",
    "Matcher": "runbookkit.match",
    "lint_runbook": "runbookkit.lint",
    "lint_paths": "runbookkit.lint",
    "Finding": "runbookkit.lint",
    "run": "runbookkit.runs",
    "RunOptions": "runbookkit.execute.runner",
    "RunOutcome": "runbookkit.execute.runner",
}

__all__ = [
    "Command",
    "ConfigError",
    "ExecutionError",
    "Finding",
    "HistoryError",
    "Matcher",
    "Metadata",
    "NotFoundError",
    "ParseError",
    "Plan",
    "RunOptions",
    "RunOutcome",
    "Runbook",
    "RunbookError",
    "Section",
    "Severity",
    "Step",
    "Subsection",
    "Target",
    "__version__",
    "lint_paths",
    "lint_runbook",
    "parse_file",
    "parse_text",
    "plan",
    "run",
]

if TYPE_CHECKING:
    from typing import Any

    from runbookkit.errors import (
        ConfigError,
        ExecutionError,
        HistoryError,
        NotFoundError,
        ParseError,
        RunbookError,
    )
    from runbookkit.execute.runner import RunOptions, RunOutcome
    from runbookkit.lint import Finding, lint_paths, lint_runbook
    from runbookkit.match import Matcher
    from runbookkit.model import (
        Command,
        Metadata,
        Runbook,
        Section,
        Severity,
        Step,
        Subsection,
        Target,
    )
    from runbookkit.parsing import parse_file, parse_text
    from runbookkit.planning import Plan, plan
    from runbookkit.runs import run


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use, then keep it here."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'runbookkit' has no attribute {name!r}")
    loaded = __import__(module, fromlist=["_"])  # the module itself, as import_module gives
    value = getattr(loaded, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
