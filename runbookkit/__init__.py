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
# names (tests/test_api.py checks both). Add a name here and to those imports.
_EXPORTS: dict[str, str] = {
    # parsing and the runbook model
    "parse_file": "runbookkit.parsing",
    "parse_text": "runbookkit.parsing",
    "Runbook": "runbookkit.model",
    "Metadata": "runbookkit.model",
    "Section": "runbookkit.model",
    "Subsection": "runbookkit.model",
    "Step": "runbookkit.model",
    "Command": "runbookkit.model",
    "Target": "runbookkit.model",
    "Severity": "runbookkit.model",
    # errors: every one a RunbookError
    "RunbookError": "runbookkit.errors",
    "ParseError": "runbookkit.errors",
    "ConfigError": "runbookkit.errors",
    "NotFoundError": "runbookkit.errors",
    "ExecutionError": "runbookkit.errors",
    "HistoryError": "runbookkit.errors",
    "PatternError": "runbookkit.match.routes",
    "StoreUnavailable": "runbookkit.history.store",
    # planning a run
    "plan": "runbookkit.planning",
    "Plan": "runbookkit.planning",
    "PlannedStep": "runbookkit.planning",
    # linting
    "lint_runbook": "runbookkit.lint.engine",
    "lint_paths": "runbookkit.lint.engine",
    "LintOptions": "runbookkit.lint.engine",
    "Finding": "runbookkit.lint.engine",
    "FileResult": "runbookkit.lint.engine",
    # matching logs to runbooks
    "Matcher": "runbookkit.match.engine",
    "Match": "runbookkit.match.engine",
    "Route": "runbookkit.match.routes",
    # running a section: its options, outcome and settings
    "run": "runbookkit.runs",
    "RunOptions": "runbookkit.execute.runner",
    "RunOutcome": "runbookkit.execute.runner",
    "SshOptions": "runbookkit.execute.ssh",
    "Settings": "runbookkit.settings",
    "RunStatus": "runbookkit.execute.events",
    "StepStatus": "runbookkit.execute.events",
    "StepResult": "runbookkit.execute.events",
    "Operator": "runbookkit.execute.operator",
    "Choice": "runbookkit.execute.operator",
    "Confirmation": "runbookkit.execute.operator",
    # the events a run reports to its listeners (Event: any of them)
    "Event": "runbookkit.execute.events",
    "Listener": "runbookkit.execute.events",
    "RunStarted": "runbookkit.execute.events",
    "StepStarted": "runbookkit.execute.events",
    "StepOutput": "runbookkit.execute.events",
    "StepRetrying": "runbookkit.execute.events",
    "StepFinished": "runbookkit.execute.events",
    "RunNotice": "runbookkit.execute.events",
    "RunFinished": "runbookkit.execute.events",
    # fleets
    "Fleet": "runbookkit.fleet.resolve",
    "Host": "runbookkit.fleet.hosts",
    "Strategy": "runbookkit.fleet.strategy",
    "FleetOutcome": "runbookkit.fleet.run",
    "HostRun": "runbookkit.fleet.run",
    "HostWatcher": "runbookkit.fleet.run",
    # run history
    "open_store": "runbookkit.history",
    "Store": "runbookkit.history.store",
    "RunWriter": "runbookkit.history.store",
    "RunRecord": "runbookkit.history.records",
    "StepRecord": "runbookkit.history.records",
    "IncidentLink": "runbookkit.history.incidents",
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
    from runbookkit.execute.events import Event as Event
    from runbookkit.execute.events import Listener as Listener
    from runbookkit.execute.events import RunFinished as RunFinished
    from runbookkit.execute.events import RunNotice as RunNotice
    from runbookkit.execute.events import RunStarted as RunStarted
    from runbookkit.execute.events import RunStatus as RunStatus
    from runbookkit.execute.events import StepFinished as StepFinished
    from runbookkit.execute.events import StepOutput as StepOutput
    from runbookkit.execute.events import StepResult as StepResult
    from runbookkit.execute.events import StepRetrying as StepRetrying
    from runbookkit.execute.events import StepStarted as StepStarted
    from runbookkit.execute.events import StepStatus as StepStatus
    from runbookkit.execute.operator import Choice as Choice
    from runbookkit.execute.operator import Confirmation as Confirmation
    from runbookkit.execute.operator import Operator as Operator
    from runbookkit.execute.runner import RunOptions as RunOptions
    from runbookkit.execute.runner import RunOutcome as RunOutcome
    from runbookkit.execute.ssh import SshOptions as SshOptions
    from runbookkit.fleet.hosts import Host as Host
    from runbookkit.fleet.resolve import Fleet as Fleet
    from runbookkit.fleet.run import FleetOutcome as FleetOutcome
    from runbookkit.fleet.run import HostRun as HostRun
    from runbookkit.fleet.run import HostWatcher as HostWatcher
    from runbookkit.fleet.strategy import Strategy as Strategy
    from runbookkit.history import open_store as open_store
    from runbookkit.history.incidents import IncidentLink as IncidentLink
    from runbookkit.history.records import RunRecord as RunRecord
    from runbookkit.history.records import StepRecord as StepRecord
    from runbookkit.history.store import RunWriter as RunWriter
    from runbookkit.history.store import Store as Store
    from runbookkit.history.store import StoreUnavailable as StoreUnavailable
    from runbookkit.lint.engine import FileResult as FileResult
    from runbookkit.lint.engine import Finding as Finding
    from runbookkit.lint.engine import LintOptions as LintOptions
    from runbookkit.lint.engine import lint_paths as lint_paths
    from runbookkit.lint.engine import lint_runbook as lint_runbook
    from runbookkit.match.engine import Match as Match
    from runbookkit.match.engine import Matcher as Matcher
    from runbookkit.match.routes import PatternError as PatternError
    from runbookkit.match.routes import Route as Route
    from runbookkit.model import Command as Command
    from runbookkit.model import Metadata as Metadata
    from runbookkit.model import Runbook as Runbook
    from runbookkit.model import Section as Section
    from runbookkit.model import Severity as Severity
    from runbookkit.model import Step as Step
    from runbookkit.model import Subsection as Subsection
    from runbookkit.model import Target as Target
    from runbookkit.parsing import parse_file as parse_file
    from runbookkit.parsing import parse_text as parse_text
    from runbookkit.planning import Plan as Plan
    from runbookkit.planning import PlannedStep as PlannedStep
    from runbookkit.planning import plan as plan
    from runbookkit.runs import run as run
    from runbookkit.settings import Settings as Settings


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
