"""Run history on the site: the table at the end of a runbook's page and its runs page.

A runbook's runs page holds its listed runs, newest first, each in a section whose anchor comes
from the run id (:func:`anchor`); the table and the catalog link to those sections.

The renderers take anything shaped like the history's run and step records (see
:class:`RunLike`), so they stay independent of the store that produced them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Protocol

from runbookkit.history.records import partial_note, status_label
from runbookkit.publish.html import (
    badge,
    duration,
    esc,
    pre,
    safe_name,
    status_badge,
    status_kind,
    when,
)


class StepLike(Protocol):
    """What a runs page shows of one step."""

    @property
    def number(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def commands(self) -> list[str]: ...
    @property
    def status(self) -> str: ...
    @property
    def exit_code(self) -> int | None: ...
    @property
    def duration(self) -> float: ...
    @property
    def expected(self) -> str | None: ...
    @property
    def matched(self) -> bool | None: ...
    @property
    def stdout(self) -> str: ...
    @property
    def stderr(self) -> str: ...
    @property
    def attempts(self) -> int: ...
    @property
    def error(self) -> str | None: ...
    @property
    def host(self) -> str | None: ...


class RunLike(Protocol):
    """What the site shows of one recorded run."""

    @property
    def id(self) -> str: ...
    @property
    def runbook_id(self) -> str: ...
    @property
    def runbook_title(self) -> str: ...
    @property
    def runbook_sha256(self) -> str: ...
    @property
    def section(self) -> str: ...
    @property
    def operator(self) -> str: ...
    @property
    def targets(self) -> list[str]: ...
    @property
    def version(self) -> str: ...
    @property
    def started_at(self) -> dt.datetime: ...
    @property
    def finished_at(self) -> dt.datetime | None: ...
    @property
    def status(self) -> str: ...
    @property
    def exit_code(self) -> int | None: ...
    @property
    def failed_step(self) -> int | None: ...
    @property
    def failed_title(self) -> str | None: ...
    @property
    def rollback_of(self) -> str | None: ...
    @property
    def rollback_run(self) -> str | None: ...
    @property
    def dry_run(self) -> bool: ...
    @property
    def partial(self) -> str | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def duration(self) -> float | None: ...
    @property
    def steps(self) -> Sequence[StepLike]: ...


Href = Callable[[RunLike], str | None]  # run → link to its section (None: no runs page)


def anchor(run_id: str) -> str:
    """The HTML id of a run's section on its runbook's runs page: ``run-`` and the run id."""
    return f"run-{safe_name(run_id)}"


def failing_step(run: RunLike) -> str:
    """``3. Start Redis`` for the step a run failed at, or an empty string."""
    if run.failed_step is None:
        return ""
    title = run.failed_title
    if title is None:
        title = next((s.title for s in run.steps if s.number == run.failed_step), "")
    return f"{run.failed_step}. {title}".rstrip()


Hosts = Mapping[str, bool]  # a fleet run's hosts in order → whether a step failed there


def hosts_of(run: RunLike) -> dict[str, bool]:
    """The hosts a run's steps ran on, in order, each with whether a step failed there."""
    hosts: dict[str, bool] = {}
    for step in run.steps:
        if step.host is not None:
            hosts[step.host] = hosts.get(step.host, False) or step.status == "failed"
    return hosts


def fleet_summary(hosts: Hosts) -> str:
    """``20 hosts, 1 failed (web-3)`` for a fleet run's hosts, or an empty string for none."""
    if not hosts:
        return ""
    failed = [host for host, bad in hosts.items() if bad]
    text = f"{len(hosts)} host{'s' if len(hosts) != 1 else ''}, {len(failed)} failed"
    return f"{text} ({', '.join(failed)})" if failed else text


def _fleet(hosts: Hosts) -> str:
    summary = fleet_summary(hosts)
    return f' <span class="rbk-hosts">{esc(summary)}</span>' if summary else ""


def _older(run: RunLike, sha256: str | None) -> str:
    if sha256 is None or run.runbook_sha256 == sha256:
        return ""
    return " " + badge("older runbook version", "muted")


def run_status(run: RunLike, *, scope: bool = True) -> str:
    """The run's status badge, marked when it was a recorded dry run (nothing executed).

    A partial run's badge says so (``partial: passed step 7 of 7``, or without ``scope``
    ``partial: passed``), and one that passed is not coloured as a passing section.
    """
    dry = " " + badge("dry run", "info") if run.dry_run else ""
    if not run.partial:
        return status_badge(run.status) + dry
    text = status_label(run.status, run.partial, scope=scope)
    kind = "info" if run.status == "passed" else status_kind(run.status)
    return badge(text, kind) + dry


def section_cell(run: RunLike) -> str:
    """The run's section as code, with the steps a partial run ran (``fix, step 7 of 7 only``)."""
    return f"<code>{esc(run.section)}</code>{esc(partial_note(run.partial))}"


def run_link(run: RunLike, href: Href, text: str) -> str:
    """``text`` linked to the run's page, when it has one."""
    target = href(run)
    return f'<a href="{esc(target)}">{text}</a>' if target else text


def history_table(
    runs: Sequence[RunLike],
    href: Href,
    sha256: str | None,
    hosts: Mapping[str, Hosts],
) -> str:
    """The last runs of one runbook, newest first: when, who, section, status, duration, failure.

    Args:
        runs: the runs to show, newest first.
        href: link to each run's section on the runs page.
        sha256: the runbook's current sha256; runs of another version are marked.
        hosts: the hosts of each fleet run by run id (the store reads them apart from steps).
    """
    if not runs:
        return '<p class="rbk-empty">No recorded runs yet.</p>'
    head = "".join(
        f"<th>{name}</th>"
        for name in ("When", "Who", "Section", "Status", "Duration", "Failing step")
    )
    rows = []
    for run in runs:
        rows.append(
            "<tr>"
            f"<td>{run_link(run, href, when(run.started_at))}{_older(run, sha256)}</td>"
            f"<td>{esc(run.operator)}</td>"
            f"<td>{section_cell(run)}</td>"
            f"<td>{run_status(run, scope=False)}{_fleet(hosts.get(run.id, {}))}</td>"
            f"<td>{esc(duration(run.duration))}</td>"
            f"<td>{esc(failing_step(run))}</td>"
            "</tr>"
        )
    body = "".join(rows)
    return (
        '<div class="rbk-history"><table class="rbk-table">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def runs_page(
    title: str,
    runbook_id: str,
    runs: Sequence[RunLike],
    *,
    runbook_href: str | None,
    sha256: str,
    extra: Mapping[str, Sequence[tuple[str, str]]] | None = None,
) -> str:
    """A runbook's runs page: every listed run, newest first, each in a section of its own.

    Args:
        title: the runbook's title.
        runbook_id: the runbook's id.
        runs: the runs to show, newest first.
        runbook_href: link to the runbook's page (None when it is not on the site).
        sha256: the runbook's current sha256, to mark runs of an older version.
        extra: more rows (label, HTML) for the summary of some runs, by run id (the incident
            an alert's diagnosis run was started for).
    """
    name = esc(title or runbook_id)
    runbook = f'<a href="{esc(runbook_href)}">{name}</a>' if runbook_href else name
    count = f"{len(runs)} run{'s' if len(runs) != 1 else ''}"
    ids = {run.id for run in runs}
    more = extra or {}
    sections = "".join(
        run_section(run, on_page=ids, sha256=sha256, extra=more.get(run.id, ())) for run in runs
    )
    return (
        f'<div class="rbk-runs"><h1>Runs of {name}</h1>'
        f'<p class="rbk-summary">The last {count} of {runbook} (<code>{esc(runbook_id)}</code>), '
        f"newest first.</p>{sections}</div>"
    )


def run_section(
    run: RunLike,
    *,
    on_page: Collection[str],
    sha256: str | None,
    extra: Sequence[tuple[str, str]] = (),
) -> str:
    """The whole record of one run: its summary, then every step with its output.

    Args:
        run: the run, with its steps.
        on_page: ids of the runs on the same page (a rollback among them is linked).
        sha256: the runbook's current sha256, to mark a run of an older version.
        extra: more rows (label, HTML, escaped already) for the summary.
    """
    fleet = fleet_summary(hosts_of(run))
    rows = [
        ("Section", section_cell(run)),
        ("Status", f"{run_status(run)} exit code {esc(run.exit_code)}"),
        ("Operator", esc(run.operator)),
        ("Targets", esc(", ".join(run.targets)) or "local"),
        *([("Hosts", esc(fleet))] if fleet else []),
        ("Started", when(run.started_at)),
        ("Finished", when(run.finished_at) or "—"),
        ("Duration", esc(duration(run.duration)) or "—"),
        ("Runbook sha256", f"<code>{esc(run.runbook_sha256)}</code>"),
        ("runbookkit", esc(run.version)),
    ]
    if run.failed_step is not None:
        rows.append(("Failed at", esc(failing_step(run))))
    if run.error:
        rows.append(("Why", esc(run.error)))
    for label, other in (("Rollback of", run.rollback_of), ("Rolled back by", run.rollback_run)):
        if other:
            text = f"<code>{esc(other)}</code>"
            link = f'<a href="#{anchor(other)}">{text}</a>' if other in on_page else text
            rows.append((label, link))
    rows.extend(extra)
    summary = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in rows)
    steps = "".join(step_block(step) for step in run.steps) or (
        '<p class="rbk-empty">No step was recorded.</p>'
    )
    here = anchor(run.id)
    return (
        f'<section class="rbk-run" id="{here}"><h2>Run <code>{esc(run.id)}</code> '
        f'{when(run.started_at)}{_older(run, sha256)} <a class="headerlink" href="#{here}" '
        f'title="Link to this run">¶</a></h2>'
        f'<div class="rbk-card"><dl class="rbk-meta">{summary}</dl></div>{steps}</section>'
    )


def step_block(step: StepLike) -> str:
    """One step of a run: commands, exit code, duration, expected vs got, output."""
    where = esc(step.target) + (f" (host {esc(step.host)})" if step.host else "")
    facts = [
        f"target {where}",
        f"exit code {esc(step.exit_code) if step.exit_code is not None else '—'}",
        f"duration {esc(duration(step.duration))}",
    ]
    if step.attempts > 1:
        facts.append(f"{esc(step.attempts)} attempts")
    parts = [
        f'<div class="rbk-step"><h3>{esc(step.number)}. {esc(step.title)} '
        f"{status_badge(step.status)}</h3>",
        f'<p class="rbk-facts">{" · ".join(facts)}</p>',
    ]
    if step.commands:
        parts.append(pre("\n".join(step.commands), "commands"))
    if step.expected is not None:
        got = badge("not checked", "muted")
        if step.matched is not None:
            got = badge("matched", "ok") if step.matched else badge("not found", "bad")
        parts.append(f"<p>Expected <code>{esc(step.expected)}</code> in the output: {got}</p>")
    if step.error:
        parts.append(f'<p class="rbk-error">{esc(step.error)}</p>')
    for name, text in (("stdout", step.stdout), ("stderr", step.stderr)):
        if text:
            parts.append(f'<p class="rbk-stream">{name}</p>{pre(text, name)}')
    parts.append("</div>")
    return "".join(parts)
