"""``runbookkit lint``: format and safety checks of runbooks for CI, pre-commit and editors.

The library API: :func:`lint_runbook` lints a parsed runbook, :func:`lint_paths` lints files
(tolerating bad metadata values, in parallel when there are many), :data:`RULES` lists every rule
with its code, level, summary and explanation, and :mod:`runbookkit.display.lint` renders
findings as text, JSON, GitHub annotations or SARIF.
"""

from __future__ import annotations

from runbookkit.lint.codes import Level, Rule, find_rule
from runbookkit.lint.engine import (
    FileResult,
    Finding,
    LintOptions,
    lint_file,
    lint_paths,
    lint_runbook,
)
from runbookkit.lint.profile import Profile, load_profile

RULES: tuple[Rule, ...] = tuple(Rule)

__all__ = [
    "RULES",
    "FileResult",
    "Finding",
    "Level",
    "LintOptions",
    "Profile",
    "Rule",
    "find_rule",
    "lint_file",
    "lint_paths",
    "lint_runbook",
    "load_profile",
]
