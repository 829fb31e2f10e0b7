"""``runbookkit run``: execute a section's steps here and over SSH, with a live view."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from runbookkit.cli.common import (
    EXISTING_FILE,
    ExitCode,
    identity_option,
    load_settings,
    runbooks_dir_option,
    seconds_option,
    step_timeout_option,
    warn,
)
from runbookkit.cli.fleet import fleet_for, fleet_run_options, run_on_fleet

if TYPE_CHECKING:
    from runbookkit.execute.operator import Operator
    from runbookkit.execute.runner import RunOptions, RunOutcome
    from runbookkit.history.incidents import IncidentLink
    from runbookkit.secrets import Redactor


@click.command("run")
@click.argument("runbook")
@click.option(
    "--section", "-s", required=True, help="Section id or title; section/sub for a subsection."
)
@click.option("--step", "only", type=click.IntRange(min=1), help="Run only step N.")
@click.option("--from", "start", type=click.IntRange(min=1), help="Resume from step N.")
@click.option("--dry-run", is_flag=True, help="Print the exact plan and run nothing.")
@click.option(
    "--accept-repairs", is_flag=True, help="Run steps from a code fence that was not closed."
)
@click.option(
    "--yes", "-y", is_flag=True, help="Answer yes to ordinary confirmations (manual steps done)."
)
@click.option(
    "--allow-destructive", is_flag=True, help="Run destructive steps without typing their number."
)
@click.option(
    "--rollback-on-failure", is_flag=True, help="Run the section's rollback when a step fails."
)
@click.option("--host", help="Send every remote step to HOST ([user@]host[:port]; 'local' = here).")
@click.option(
    "--ssh-config",
    type=EXISTING_FILE,
    help="ssh_config file (Host, HostName, Port, User, IdentityFile).",
)
@identity_option
@click.option(
    "--accept-new-host-key", is_flag=True, help="Record unknown host keys (never changed ones)."
)
@click.option(
    "--var", "var", multiple=True, metavar="KEY=VALUE", help="Export KEY into the run's shells."
)
@step_timeout_option
@click.option(
    "--retry", type=click.IntRange(min=1), help="Attempts for steps without their own # Retry."
)
@seconds_option("--retry-delay", default=1.0, help="Seconds between attempts.")
@click.option(
    "--secret", "secret", multiple=True, metavar="KEY=VALUE", help="Like --var, masked as ***."
)
@click.option(
    "--secret-env",
    multiple=True,
    metavar="NAME[=ENVNAME]",
    help="A secret from runbookkit's environment (ENVNAME, default NAME), masked as ***.",
)
@click.option(
    "--secret-file",
    multiple=True,
    metavar="NAME=PATH|PATH",
    help="A secret from a file (its text), or NAME=VALUE lines of a file, masked as ***.",
)
@click.option(
    "--keep-going/--fail-fast",
    "keep_going",
    default=None,
    help="Go on past a failing step, or stop at the first [default: evidence sections go on].",
)
@click.option(
    "--tty", is_flag=True, help="Give interactive commands this terminal (else they are manual)."
)
@click.option("--operator", help="Who runs it, as recorded [default user@machine].")
@click.option(
    "--json", "as_json", is_flag=True, help="One JSON event per line on stdout, nothing else."
)
@click.option(
    "--quiet", "-q", is_flag=True, help="Show output only for a failing step (its last lines)."
)
@click.option(
    "--history",
    metavar="PATH|URL",  # the store says itself what is wrong with a path or URL
    help="Run history store: a file or postgresql:// URL [env RUNBOOKKIT_HISTORY; default "
    ".runbookkit/history.sqlite beside the runbooks directory].",
)
@click.option("--record", is_flag=True, help="Record a --dry-run in the run history too.")
@click.option(
    "--incident",
    metavar="ID",
    help="The incident this run works on (a unique id prefix) [default: at a terminal, the "
    "open incidents of the runbook, which the run acknowledges].",
)
@fleet_run_options
@runbooks_dir_option
def run_command(runbook: str, section: str, runbooks_dir: Path | None, **flags: Any) -> None:
    """Run SECTION of RUNBOOK step by step, on this machine and over SSH.

    With --hosts or --group, every host runs the section (see "Fleet runs" in the README).
    Exit codes: 0 all steps passed (on every host), 1 a step failed (on any host), 2 usage or
    parse error, 3 declined, aborted or incomplete, 70 internal error, 130 interrupted (Ctrl-C,
    SIGTERM or SIGHUP).
    """
    from runbookkit.errors import ExecutionError
    from runbookkit.execute import signals
    from runbookkit.execute.needs import MissingValues

    try:
        with signals.stop_like_ctrl_c():
            _run(runbook, section, runbooks_dir, flags)
    except MissingValues as exc:
        hint = " ".join(f"--var {name}=VALUE" for name in exc.names)
        raise ExecutionError(f"{exc.what} with {hint}", path=exc.path, line=exc.line) from None


def _run(runbook: str, section: str, runbooks_dir: Path | None, flags: dict[str, Any]) -> None:
    from runbookkit import runs
    from runbookkit.cli import values
    from runbookkit.execute.runner import RunOutcome

    if flags["host"] not in (None, "local"):
        check_host(flags["host"])  # a bad --host: exit 2 before anything runs
    settings = load_settings(runbooks_dir=runbooks_dir)
    parsed = runs.load(runbook, settings)
    given = values.secrets(flags["secret"], flags["secret_env"], flags["secret_file"])
    variables = values.parse_assignments(flags["var"])
    options = runs.run_options(_options(flags, variables), parsed, given)
    planned = runs.plan_for(parsed, section, options)
    if planned.chosen and not flags["dry_run"]:  # a dry run's plan says it
        click.echo(f"note: {planned.chosen}", err=True)
    if flags["dry_run"] and not flags["record"]:
        history = None  # a dry run is recorded only when asked
    else:
        history = flags["history"] or settings.history_store
    flags["incident_link"] = None if flags["dry_run"] else incident_link(flags, history)
    fleet = fleet_for(parsed, options, flags)  # --hosts, --group or the runbook's hosts: group
    # One redactor for all the run shows and keeps: questions, plan, events, outcome, record.
    redactor = runs.run_redactor(options, fleet)
    operator = _operator(flags, redactor)
    if fleet is not None:
        return run_on_fleet(
            section, planned, options, fleet, settings, history, operator, redactor, flags
        )
    if flags["dry_run"]:
        from runbookkit.display.plan import render_plan

        runs.run(
            parsed,
            section,
            options,
            settings=settings,
            history=history,
            dry_run=True,
            redactor=redactor,
        )
        click.echo(redactor.text(render_plan(planned, options.variables, host=flags["host"])))
        return
    outcome = runs.run(
        parsed,
        section,
        options,
        settings=settings,
        history=history,
        listeners=[_view(flags)],
        operator=operator,
        incident=flags["incident_link"],
        redactor=redactor,
    )
    assert isinstance(outcome, RunOutcome)  # no fleet asked, none resolved
    warn(outcome.warnings)
    _report(outcome, parsed.path)
    if outcome.fault is not None and os.environ.get("RUNBOOKKIT_DEBUG"):
        raise outcome.fault
    if outcome.exit_code:
        raise SystemExit(outcome.exit_code)


def incident_link(flags: dict[str, Any], history: str | Path | None) -> IncidentLink | None:
    """How the run is tied to incidents: the one ``--incident`` names (checked now, so a wrong
    id stops the run before it starts), else, for a person at a terminal, the open incidents
    of the runbook; a run nobody watches (cron, CI) acknowledges nothing."""
    if history is None or (flags["incident"] is None and not sys.stdin.isatty()):
        return None
    from runbookkit.history.incidents import IncidentLink

    def tell(text: str) -> None:
        click.echo(f"note: {text}", err=True)

    if flags["incident"] is not None:
        from runbookkit.cli.history import absent
        from runbookkit.errors import NotFoundError
        from runbookkit.history import open_store
        from runbookkit.history.incidents import get_incident

        if absent(history):
            raise NotFoundError(f"--incident: no incident {flags['incident']!r} (no history yet)")
        with open_store(history) as store:
            found = get_incident(store, flags["incident"])
        return IncidentLink(found.id, tell=tell)
    return IncidentLink(tell=tell)


def check_host(host: str) -> None:
    """Refuse a ``--host`` that is not ``[user@]host[:port]``, naming the flag."""
    from runbookkit.errors import ConfigError
    from runbookkit.fleet.hosts import parse_address

    try:
        parse_address(host)
    except ConfigError as exc:
        raise ConfigError(f"--host: {exc.message}") from None


def _options(flags: dict[str, Any], variables: dict[str, str]) -> RunOptions:
    """The runner's options from the command line's."""
    from runbookkit.execute.runner import RunOptions
    from runbookkit.execute.ssh import SshOptions

    return RunOptions(
        only=flags["only"],
        start=flags["start"],
        accept_repairs=flags["accept_repairs"],
        yes=flags["yes"],
        allow_destructive=flags["allow_destructive"],
        rollback_on_failure=flags["rollback_on_failure"],
        host=flags["host"],
        operator=flags["operator"],
        variables=variables,
        timeout=flags["timeout"],
        retry=flags["retry"],
        retry_delay=flags["retry_delay"],
        keep_going=flags["keep_going"],
        tty=flags["tty"],
        ssh=SshOptions(
            ssh_config=flags["ssh_config"],
            identity=flags["identity"],
            accept_new_host_key=flags["accept_new_host_key"],
        ),
    )


def _view(flags: dict[str, Any]) -> Any:
    from runbookkit.display.run import JsonView, PlainView, RichView

    if flags["as_json"]:
        return JsonView(sys.stdout)
    if sys.stdout.isatty() and not os.environ.get("NO_COLOR"):
        return RichView(quiet=flags["quiet"])
    return PlainView(sys.stdout, quiet=flags["quiet"])


def _operator(flags: dict[str, Any], redactor: Redactor) -> Operator:
    from runbookkit.execute.operator import TerminalOperator, Unattended
    from runbookkit.secrets import MaskedWriter

    if not sys.stdin.isatty():
        return Unattended()
    # Questions go where a person sees them: stdout when it is the terminal, else stderr.
    visible = sys.stdout.isatty() and not flags["as_json"]
    stream = sys.stdout if visible else sys.stderr
    color = stream.isatty() and not os.environ.get("NO_COLOR")
    out = MaskedWriter(stream, redactor)
    return TerminalOperator(out=out, inp=sys.stdin, color=color)  # type: ignore[arg-type]


def _report(outcome: RunOutcome, path: str) -> None:
    """One line on stderr saying why the run did not pass (the outcome comes masked)."""
    if outcome.exit_code == ExitCode.OK or outcome.error is None:
        if outcome.exit_code == ExitCode.INTERRUPTED:
            click.echo("interrupted", err=True)
        return
    where = f"{path}:{outcome.line}: " if outcome.line else ""
    from runbookkit.terminal import visible

    click.echo(visible(f"{where}{outcome.status.value}: {outcome.error}"), err=True)
