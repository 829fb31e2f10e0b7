"""Render lint results: text like ruff and flake8, JSON, GitHub annotations and SARIF 2.1.0;
and the rules, as ``runbookkit rule`` explains them.

Each renderer is a pure function from results to a string, so the command line, the docs site
and tests share them.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import click

from runbookkit._version import __version__
from runbookkit.display.common import BAD, WARN, plural
from runbookkit.lint.codes import Level, Rule
from runbookkit.lint.engine import FileResult, Finding

FORMATS = ("text", "json", "github", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_COLOURS = {Level.error: BAD, Level.warning: WARN}


@dataclass(frozen=True)
class Summary:
    """Counts over a whole lint run."""

    files: int
    errors: int
    warnings: int
    fixable: int
    fixed: int
    unreadable: int

    @classmethod
    def of(cls, results: Sequence[FileResult]) -> Summary:
        """Count the findings, fixes and unreadable files of ``results``."""
        findings = [f for r in results for f in r.findings]
        return cls(
            files=len(results),
            errors=sum(f.level is Level.error for f in findings),
            warnings=sum(f.level is Level.warning for f in findings),
            fixable=sum(f.fixable for f in findings),
            fixed=sum(r.fixed for r in results),
            unreadable=sum(r.error is not None for r in results),
        )


def findings(results: Sequence[FileResult]) -> list[Finding]:
    """Every finding of every file, in the files' order."""
    return [f for r in results for f in r.findings]


def text_line(finding: Finding, color: bool = False) -> str:
    """``path:line:col: RBK004 message``."""
    where = f"{finding.path}:{finding.line}:{finding.column}:"
    code = finding.code
    if color:
        where = click.style(where, bold=True)
        code = click.style(code, fg=_COLOURS[finding.level], bold=True)
    return f"{where} {code} {finding.message}"


def summary_line(summary: Summary) -> str:
    """One line of counts, like ``Found 3 problems (2 errors, 1 warning) in 2 files.``."""
    files = plural(summary.files, "file")
    fixed = f" Fixed {plural(summary.fixed, 'line')}." if summary.fixed else ""
    if summary.unreadable:
        fixed += f" {plural(summary.unreadable, 'file')} could not be linted."
    total = summary.errors + summary.warnings
    if total == 0 and not summary.unreadable:
        return f"All checks passed ({files}).{fixed}"
    counts = f"{plural(summary.errors, 'error')}, {plural(summary.warnings, 'warning')}"
    fixable = f" {summary.fixable} fixable with --fix." if summary.fixable else ""
    return f"Found {plural(total, 'problem')} ({counts}) in {files}.{fixable}{fixed}"


def render_text(results: Sequence[FileResult], color: bool = False) -> str:
    """The findings one per line, then the summary line."""
    lines = [text_line(f, color) for f in findings(results)]
    lines.append(summary_line(Summary.of(results)))
    return "\n".join(lines) + "\n"


def render_json(results: Sequence[FileResult]) -> str:
    """Findings, unreadable files and the counts as one JSON document."""
    summary = Summary.of(results)
    document = {
        "findings": [
            {
                "path": f.path,
                "line": f.line,
                "column": f.column,
                "code": f.code,
                "rule": f.rule.slug,
                "level": f.level.value,
                "message": f.message,
                "fixable": f.fixable,
            }
            for f in findings(results)
        ],
        "errors": [
            {"path": r.path, "line": r.error.line, "message": r.error.message}
            for r in results
            if r.error is not None
        ],
        "summary": summary.__dict__,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(results: Sequence[FileResult]) -> str:
    """GitHub Actions workflow commands: one ``::error``/``::warning`` annotation per finding."""
    lines = []
    for f in findings(results):
        props = (
            f"file={_escape_property(f.path)},line={f.line},col={f.column},"
            f"title={_escape_property(f'{f.code} {f.rule.slug}')}"
        )
        lines.append(f"::{f.level.value} {props}::{_escape_data(f.message)}")
    for r in results:
        if r.error is not None:
            line = f",line={r.error.line}" if r.error.line else ""
            lines.append(
                f"::error file={_escape_property(r.path)}{line},title=unreadable runbook::"
                f"{_escape_data(r.error.message)}"
            )
    return "".join(line + "\n" for line in lines)


BASE_ID = "%SRCROOT%"


def _artifact(path: str) -> dict[str, str]:
    """A SARIF artifact location: relative to ``%SRCROOT%`` (the working directory) when the
    path is relative, else an absolute ``file:`` URI."""
    if Path(path).is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(Path(path).as_posix(), safe="/"), "uriBaseId": BASE_ID}


def _sarif_rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": rule.slug,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.explanation},
        "help": {"text": rule.explanation},
        "defaultConfiguration": {"level": rule.level.value},
        "properties": {"fixable": rule.fixable},
    }


def render_sarif(results: Sequence[FileResult]) -> str:
    """A SARIF 2.1.0 log with one run: the rules, a result per finding, a notification per
    unreadable file."""
    rules = list(Rule)
    index = {rule: i for i, rule in enumerate(rules)}
    sarif_results = [
        {
            # ShellCheck's codes are children of the RBK-SC rule: "RBK-SC/SC2086".
            "ruleId": f"{f.rule.code}/{f.code.removeprefix('RBK-')}" if f.subcode else f.code,
            "ruleIndex": index[f.rule],
            "level": f.level.value,
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": _artifact(f.path),
                        "region": {"startLine": f.line, "startColumn": f.column},
                    }
                }
            ],
        }
        for f in findings(results)
    ]
    notifications = [_notification(r) for r in results if r.error is not None]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "runbookkit",
                "version": __version__,
                "rules": [_sarif_rule(rule) for rule in rules],
            }
        },
        "originalUriBaseIds": {BASE_ID: {"uri": Path.cwd().as_uri() + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": sarif_results,
        "invocations": [
            {"executionSuccessful": not notifications, "toolExecutionNotifications": notifications}
        ],
    }
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _notification(result: FileResult) -> dict[str, Any]:
    assert result.error is not None
    region = {"startLine": result.error.line} if result.error.line else None
    location: dict[str, Any] = {"artifactLocation": _artifact(result.path)}
    if region:
        location["region"] = region
    return {
        "level": "error",
        "message": {"text": result.error.message},
        "locations": [{"physicalLocation": location}],
    }


def render_rules(rules: Sequence[Rule]) -> str:
    """``runbookkit rule``: one line per rule, ``RBK004  error    slug  summary``."""
    lines = []
    for rule in rules:
        fixable = " (fixable)" if rule.fixable else ""
        lines.append(
            f"{rule.code}  {rule.level.value:<7}  {rule.slug:<28}  {rule.summary}{fixable}"
        )
    return "".join(line + "\n" for line in lines)


def render_rule(rule: Rule) -> str:
    """``runbookkit rule CODE``: the rule's code, name and level, its summary, then what it
    wants (wrapped at 88 columns) and whether ``--fix`` repairs it."""
    lines = [f"{rule.code} {rule.slug} ({rule.level.value})", rule.summary, ""]
    lines.append(textwrap.fill(rule.explanation, width=88))
    if rule.fixable:
        lines += ["", "Fixable: `runbookkit lint --fix` repairs it where that is safe."]
    return "".join(line + "\n" for line in lines)


def render(results: Sequence[FileResult], fmt: str, color: bool = False) -> str:
    """Render ``results`` in one of :data:`FORMATS`."""
    if fmt == "json":
        return render_json(results)
    if fmt == "github":
        return render_github(results)
    if fmt == "sarif":
        return render_sarif(results)
    return render_text(results, color)
