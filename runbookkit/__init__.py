"""runbookkit: executable operations runbooks.

The public API is imported lazily: ``import runbookkit`` costs almost nothing, and each name is
loaded from its module the first time it is used (``runbookkit.parse_file`` imports the parser,
``runbookkit.Runbook`` the model).
"""

from __future__ import annotations

from runbookkit._version import __version__ as __version__

# Neither typing nor importlib: ``runbookkit --help`` imports this module and nothing heavy.
TYPE_CHECKING = False

# Every public name → the module that defines it. This table is the list: ``__all__`` is made
# from it, ``__getattr__`` loads from it, and the TYPE_CHECKING imports below name the same
# names (tests/test_api.py checks both). Add a name by adding a line here and there.
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
    "Severity": "runbookkit.tree",
    "RunbookError": "runbookkit.errors",
    "ParseError": "runbookkit.errors",
    "ConfigError": "runbookkit.errors",
    "NotFoundError": "runbookkit.errors",
    "ExecutionError": "runbookkit.errors",
    "HistoryError": "runbookkit.errors",
    "Matcher": "runbookkit.match.engine",
    "lint_runbook": "runbookkit.lint.engine",
    "lint_paths": "runbookkit.lint.engine",
    "Finding": "runbookkit.lint.engine",
    "run": "runbookkit.runs",
    "RunOptions": "runbookkit.execute.runner",
    "RunOutcome": "runbookkit.execute.runner",
}

__all__ = ["__version__", *_EXPORTS]

# For type checkers only (``X as X``: an explicit re-export, which ``mypy --strict`` needs, as
# it cannot read an ``__all__`` built from the table).
if TYPE_CHECKING:
    from typing import Any

    from runbookkit.errors import ConfigError as ConfigError
    from runbookkit.errors import ExecutionError as ExecutionError
    from runbookkit.errors import HistoryError as HistoryError
    from runbookkit.errors import NotFoundError as NotFoundError
    from runbookkit.errors import ParseError as ParseError
    from runbookkit.errors import RunbookError as RunbookError
    from runbookkit.execute.runner import RunOptions as RunOptions
    from runbookkit.execute.runner import RunOutcome as RunOutcome
    from runbookkit.lint.engine import Finding as Finding
    from runbookkit.lint.engine import lint_paths as lint_paths
    from runbookkit.lint.engine import lint_runbook as lint_runbook
    from runbookkit.match.engine import Matcher as Matcher
    from runbookkit.model import Command as Command
    from runbookkit.model import Metadata as Metadata
    from runbookkit.model import Runbook as Runbook
    from runbookkit.model import Section as Section
    from runbookkit.model import Step as Step
    from runbookkit.model import Subsection as Subsection
    from runbookkit.model import Target as Target
    from runbookkit.parsing import parse_file as parse_file
    from runbookkit.parsing import parse_text as parse_text
    from runbookkit.planning import Plan as Plan
    from runbookkit.planning import plan as plan
    from runbookkit.runs import run as run
    from runbookkit.tree import Severity as Severity


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
