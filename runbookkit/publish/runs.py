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

from runbookkit.history.records import FAILED_STATUSES, duration_label, partial_note, status_label
from runbookkit.publish.html import (
    badge,
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


REASON_CHARS = 160  # a reason is one line; the whole output is on the runs page


def failure_reason(run: RunLike) -> str:
    """Why a run did not pass, in one line, from its failed step's record (its steps loaded).

    The step's own error, else an expectation that did not hold, else the exit code and the
    last line the step wrote to stderr (or stdout); the run's error when no step failed.
    """
    failed = [s for s in run.steps if s.status in FAILED_STATUSES]
    step = next((s for s in failed if s.number == run.failed_step), failed[0] if failed else None)
    if step is None:
        return _line(run.error or "")
    where = f"on {step.host}: " if step.host else ""
    if step.error:
        return _line(where + step.error)
    parts = []
    if step.expected is not None and step.matched is False:
        parts.append(f"expected {step.expected!r} not in the output")
    if step.exit_code not in (None, 0):
        parts.append(f"exit code {step.exit_code}")
    last = _last_line(step.stderr) or _last_line(step.stdout)
    text = ", ".join(parts) + (f": {last}" if last else "")
    return _line(where + text) if text else _line(run.error or "")


def _last_line(text: str) -> str:
    return next((line.strip() for line in reversed(text.splitlines()) if line.strip()), "")


def _line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= REASON_CHARS else text[: REASON_CHARS - 1] + "…"


def failure_cell(run: RunLike, reason: str | None) -> str:
    """The failing step and why, as HTML: ``5. Start Redis`` and the reason under it."""
    step = esc(failing_step(run))
    if not reason:
        return step
    return f'{step}{"<br>" if step else ""}<span class="rbk-reason">{esc(reason)}</span>'


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
    reasons: Mapping[str, str] | None = None,
) -> str:
    """The last runs of one runbook, newest first: when, who, section, status, duration, failure.

    Args:
        runs: the runs to show, newest first.
        href: link to each run's section on the runs page.
        sha256: the runbook's current sha256; runs of another version are marked.
        hosts: the hosts of each fleet run by run id (the store reads them apart from steps).
        reasons: why each failed run failed, by run id (see :func:`failure_reason`).
    """
    reasons = reasons or {}
    if not runs:
        return '<p class="rbk-empty">No recorded runs yet.</p>'
    head = "".join(
        f"<th>{name}</th>"
        for name in ("When", "Who", "Section", "Status", "Duration", "Failing step and why")
    )
    rows = []
    for run in runs:
        rows.append(
            "<tr>"
            f"<td>{run_link(run, href, when(run.started_at))}{_older(run, sha256)}</td>"
            f"<td>{esc(run.operator)}</td>"
            f"<td>{section_cell(run)}</td>"
            f"<td>{run_status(run, scope=False)}{_fleet(hosts.get(run.id, {}))}</td>"
            f"<td>{esc(duration_label(run.duration))}</td>"
            f"<td>{failure_cell(run, reasons.get(run.id))}</td>"
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
    """A runbook's runs page: a summary table of its listed runs, then each run in full.

    Each run is a ``<details>`` element, collapsed but for the latest failure (the one a
    reader comes for), linked to from the table by its anchor.

    Args:
        title: the runbook's title.
        runbook_id: the runbook's id.
        runs: the runs to show, newest first, with their steps.
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
    latest_failure = next((run.id for run in runs if run_status_kind(run) == "bad"), None)
    sections = "".join(
        run_section(
            run,
            on_page=ids,
            sha256=sha256,
            open=run.id == latest_failure,
            extra=more.get(run.id, ()),
        )
        for run in runs
    )
    return (
        f'<div class="rbk-runs"><h1>Runs of {name}</h1>'
        f'<p class="rbk-summary">The last {count} of {runbook} (<code>{esc(runbook_id)}</code>), '
        f"newest first.</p>{summary_table(runs, sha256)}{sections}</div>"
    )


def run_status_kind(run: RunLike) -> str:
    """The colour class of a run's outcome (a partial run that passed is ``info``)."""
    if run.partial and run.status == "passed":
        return "info"
    return status_kind(run.status)


def summary_table(runs: Sequence[RunLike], sha256: str | None) -> str:
    """One row per run: run, when, who, section, status, failing step and why, duration, hosts.

    The runs come with their steps; each row links to the run's section below it.
    """
    head = "".join(
        f"<th>{name}</th>"
        for name in (
            "Run",
            "When",
            "Who",
            "Section",
            "Status",
            "Failing step and why",
            "Duration",
            "Hosts",
        )
    )
    rows = []
    for run in runs:
        reason = failure_reason(run) if run_status_kind(run) in ("bad", "warn") else ""
        link = f'<a href="#{anchor(run.id)}"><code>{esc(run.id)}</code></a>'
        rows.append(
            f'<tr class="rbk-{run_status_kind(run)}-row">'
            f"<td>{link}{_older(run, sha256)}</td>"
            f"<td>{when(run.started_at)}</td>"
            f"<td>{esc(run.operator)}</td>"
            f"<td>{section_cell(run)}{_rollback_note(run)}</td>"
            f"<td>{run_status(run, scope=False)}</td>"
            f"<td>{failure_cell(run, reason)}</td>"
            f"<td>{esc(duration_label(run.duration))}</td>"
            f"<td>{esc(fleet_summary(hosts_of(run)) or ', '.join(run.targets) or 'local')}</td>"
            "</tr>"
        )
    return (
        '<div class="rbk-history rbk-runs-summary"><table class="rbk-table">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _rollback_note(run: RunLike) -> str:
    notes = []
    if run.rollback_of:
        notes.append(f'rollback of <a href="#{anchor(run.rollback_of)}">{esc(run.rollback_of)}</a>')
    if run.rollback_run:
        notes.append(
            f'rolled back by <a href="#{anchor(run.rollback_run)}">{esc(run.rollback_run)}</a>'
        )
    return "".join(f'<br><span class="rbk-about">{note}</span>' for note in notes)


def run_section(
    run: RunLike,
    *,
    on_page: Collection[str],
    sha256: str | None,
    open: bool = False,
    extra: Sequence[tuple[str, str]] = (),
) -> str:
    """The whole record of one run, in a ``<details>``: its summary, then its steps.

    A fleet run's steps are grouped by host, hosts whose steps all ended alike (same statuses,
    exit codes and output) in one group, failed hosts first.

    Args:
        run: the run, with its steps.
        on_page: ids of the runs on the same page (a rollback among them is linked).
        sha256: the runbook's current sha256, to mark a run of an older version.
        open: shown expanded.
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
        ("Duration", esc(duration_label(run.duration)) or "—"),
        ("Runbook sha256", f"<code>{esc(run.runbook_sha256)}</code>"),
        ("runbookkit", esc(run.version)),
    ]
    if run.failed_step is not None:
        rows.append(("Failed at", esc(failing_step(run))))
    reason = failure_reason(run) if run_status_kind(run) in ("bad", "warn") else ""
    if reason:
        rows.append(("Why", esc(reason)))
    for label, other in (("Rollback of", run.rollback_of), ("Rolled back by", run.rollback_run)):
        if other:
            text = f"<code>{esc(other)}</code>"
            link = f'<a href="#{anchor(other)}">{text}</a>' if other in on_page else text
            rows.append((label, link))
    rows.extend(extra)
    summary = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in rows)
    steps = _steps(run.steps) or '<p class="rbk-empty">No step was recorded.</p>'
    here = anchor(run.id)
    state = " open" if open else ""
    return (
        f'<details class="rbk-run" id="{here}"{state}><summary><span class="rbk-run-title">Run '
        f"<code>{esc(run.id)}</code> {when(run.started_at)}</span> "
        f"{run_status(run)} {section_cell(run)}{_older(run, sha256)} "
        f'<a class="headerlink" href="#{here}" title="Link to this run">¶</a></summary>'
        f'<div class="rbk-card"><dl class="rbk-meta">{summary}</dl></div>{steps}</details>'
    )


def _steps(steps: Sequence[StepLike]) -> str:
    if not any(step.host is not None for step in steps):
        return "".join(step_block(step) for step in steps)
    groups: dict[tuple[object, ...], list[str]] = {}
    by_host: dict[str, list[StepLike]] = {}
    for step in steps:
        by_host.setdefault(step.host or "local", []).append(step)
    for host, done in by_host.items():
        groups.setdefault(_outcome(done), []).append(host)
    blocks = []
    ordered = sorted(groups.items(), key=lambda item: not _failed(by_host[item[1][0]]))
    for _, hosts in ordered:
        done = by_host[hosts[0]]
        bad = _failed(done)
        names = ", ".join(hosts)
        alike = (
            f' <span class="rbk-about">{len(hosts)} hosts, identical output</span>'
            if len(hosts) > 1
            else ""
        )
        badge_html = badge("failed", "bad") if bad else badge("passed", "ok")
        blocks.append(
            f'<div class="rbk-host{" rbk-host-bad" if bad else ""}">'
            f'<h3 class="rbk-host-name">{esc(names)} {badge_html}{alike}</h3>'
            + "".join(step_block(step, show_host=len(hosts) == 1) for step in done)
            + "</div>"
        )
    return "".join(blocks)


def _failed(steps: Sequence[StepLike]) -> bool:
    return any(step.status in FAILED_STATUSES for step in steps)


def _outcome(steps: Sequence[StepLike]) -> tuple[object, ...]:
    """What makes two hosts' steps alike on the page (the host name aside)."""
    return tuple(
        (s.number, s.title, s.status, s.exit_code, s.matched, s.stdout, s.stderr, s.error)
        for s in steps
    )


def step_block(step: StepLike, *, show_host: bool = True) -> str:
    """One step of a run: commands, exit code, duration, expected vs got, output.

    ``show_host`` off leaves the target out (a group of hosts names them all above).
    """
    host = f" (host {esc(step.host)})" if step.host else ""
    facts = [f"target {esc(step.target)}{host}"] if show_host else []
    facts += [
        f"exit code {esc(step.exit_code) if step.exit_code is not None else '—'}",
        f"duration {esc(duration_label(step.duration))}",
    ]
    if step.attempts > 1:
        facts.append(f"{esc(step.attempts)} attempts")
    parts = [
        f'<div class="rbk-step"><h4>{esc(step.number)}. {esc(step.title)} '
        f"{status_badge(step.status)}</h4>",
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
