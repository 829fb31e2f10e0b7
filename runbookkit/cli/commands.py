"""The table of commands: where each lives and the line ``runbookkit --help`` shows for it.

Add a command by adding a line here. The summaries are kept here, not read from the commands'
docstrings, so that ``--help`` lists every command without importing any of them.
"""

from __future__ import annotations

# A class would need typing (NamedTuple) or dataclasses, which --help does without.
Entry = tuple[str, str, str]  # the module, the click command's attribute there, the summary

COMMANDS: dict[str, Entry] = {
    "ack": (
        "runbookkit.cli.incidents",
        "ack_command",
        "Acknowledge an open incident: someone is on it.",
    ),
    "history": (
        "runbookkit.cli.history",
        "history_group",
        "The recorded runs: who ran what, where, when.",
    ),
    "hosts": ("runbookkit.cli.hosts", "hosts_command", "List the resolved fleet inventory."),
    "incidents": (
        "runbookkit.cli.incidents",
        "incidents_group",
        "Incidents opened by alerts, with MTTA and MTTR.",
    ),
    "lint": ("runbookkit.cli.lint", "lint_command", "Check runbooks' format and safety."),
    "list": ("runbookkit.cli.runbooks", "list_command", "List the runbooks in the directory."),
    "match": ("runbookkit.cli.match", "match_command", "Route a message or log to its runbooks."),
    "parse": ("runbookkit.cli.runbooks", "parse_command", "Print what the parser found."),
    "resolve": (
        "runbookkit.cli.incidents",
        "resolve_command",
        "Mark an incident resolved.",
    ),
    "rule": ("runbookkit.cli.lint", "rule_command", "Explain a lint rule, or list them."),
    "run": ("runbookkit.cli.run", "run_command", "Run a section, here or over SSH."),
    "schema": (
        "runbookkit.cli.runbooks",
        "schema_command",
        "Print the runbook model's JSON Schema.",
    ),
    "serve": (
        "runbookkit.cli.serve",
        "serve_command",
        "Receive alert webhooks and run their diagnosis.",
    ),
    "show": ("runbookkit.cli.runbooks", "show_command", "Show a runbook's plan, step by step."),
}

# What ``runbookkit --help`` says of runbookkit, under its usage line.
DESCRIPTION = "Executable operations runbooks: parse, lint, run, record and publish them."
