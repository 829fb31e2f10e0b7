"""``runbookkit run``: execute a section's steps here and over SSH, with a live view."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from runbookkit import catalog
from runbookkit.cli.common import ExitCode, load_settings, runbooks_dir_option
from runbookkit.cli.fleet import fleet_for, fleet_run_options, run_on_fleet

_FILE = click.Path(path_type=Path, dir_okay=False, exists=True)


@click.command("run")
@click.argument("runbook")
@click.option(
    "--section", "-s", required=True, help="Section id or title; section/sub for a subsection."
)
@click.option("--step", "only", type=click.IntRange(min=1), help="Run only step N.")
@click.option("--from", "start", type=click.IntRange(min=1), help="Resume from step N.")
@click.option("--dry-run", is_flag=True, help="Print the exact plan and run nothing.")
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
    "--ssh-config", type=_FILE, help="ssh_config file (Host, HostName, Port, User, IdentityFile)."
)
@click.option("--identity", "-i", type=_FILE, help="Private key to try.")
@click.option(
    "--accept-new-host-key", is_flag=True, help="Record unknown host keys (never changed ones)."
)
@click.option(
    "--var", "var", multiple=True, metavar="KEY=VALUE", help="Export KEY into the run's shells."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=300.0,
    show_default=True,
    help="Seconds per step.",
)
@click.option(
    "--retry", type=click.IntRange(min=1), help="Attempts for steps without their own # Retry."
)
@click.option(
    "--retry-delay",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="Seconds between attempts.",
)
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
@fleet_run_options
@runbooks_dir_option
def run_command(runbook: str, section: str, runbooks_dir: Path | None, **flags: Any) -> None:
    """Run SECTION of RUNBOOK step by step, on this machine and over SSH.

    With --hosts or --group, every host runs the section (see "Fleet runs" in the README).
    Exit codes: 0 all steps passed (on every host), 1 a step failed (on any host), 2 usage or
    parse error, 3 declined, aborted or incomplete, 70 internal error, 130 interrupted (Ctrl-C,
    SIGTERM or SIGHUP).
    """
    from runbookkit.execute import signals

    with signals.stop_like_ctrl_c():
        _run(runbook, section, runbooks_dir, flags)


def _run(runbook: str, section: str, runbooks_dir: Path | None, flags: dict[str, Any]) -> None:
    from runbookkit.execute import listeners, variables
    from runbookkit.execute.runner import Runner
    from runbookkit.plan import plan

    if flags["host"] not in (None, "local"):
        from runbookkit.execute.steps import parse_host

        parse_host(flags["host"])  # a bad --host: exit 2 before anything runs
    settings = load_settings(runbooks_dir=runbooks_dir)
    parsed = catalog.load(runbook, settings.runbooks_dir, validate=False, policy=settings.policy)
    given = variables.secrets(flags["secret"], flags["secret_env"], flags["secret_file"])
    values = {**variables.parse_assignments(flags["var"]), **given}
    planned = plan(parsed, section, only=flags["only"], start=flags["start"])
    if planned.chosen and not flags["dry_run"]:  # a dry run's plan says it
        click.echo(f"note: {planned.chosen}", err=True)
    options = _options(flags, values, frozenset({*given, *parsed.metadata.secrets}))
    context = listeners.RunContext(settings, parsed, section, options, flags["dry_run"], flags)
    redactor = secret_redactor(options)
    fleet = fleet_for(parsed, flags)  # --hosts, --group or the runbook's hosts: group
    if fleet is not None:
        return run_on_fleet(settings, parsed, section, planned, options, fleet, flags)
    if flags["dry_run"]:
        from runbookkit.execute.needs import render_plan

        click.echo(redactor.text(render_plan(planned, values, host=flags["host"])))
        listeners.build(context)
        return
    extra = listeners.build(context)
    operator = _operator(flags, redactor)
    runner = Runner(planned, options, listeners=[_view(flags), *extra], operator=operator)
    runner.prepare()  # connecting overlaps with the run's start (its record, the first lines)
    try:
        outcome = runner.run()
    finally:
        for warning in listeners.finish(extra):
            click.echo(f"warning: {warning}", err=True)
    _report(outcome, parsed.path, runner.redactor)  # also values asked for during the run
    if outcome.fault is not None and os.environ.get("RUNBOOKKIT_DEBUG"):
        raise outcome.fault
    if outcome.exit_code:
        raise SystemExit(outcome.exit_code)


def _options(flags: dict[str, Any], values: dict[str, str], secrets: frozenset[str]) -> Any:
    """The runner's options from the command line's (``secrets``: the names masked)."""
    from runbookkit.execute.runner import RunOptions
    from runbookkit.execute.ssh import SshOptions

    return RunOptions(
        only=flags["only"],
        start=flags["start"],
        yes=flags["yes"],
        allow_destructive=flags["allow_destructive"],
        rollback_on_failure=flags["rollback_on_failure"],
        host=flags["host"],
        operator=flags["operator"],
        variables=values,
        secrets=secrets,
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
    from runbookkit.execute import display

    if flags["as_json"]:
        return display.JsonView(sys.stdout)
    if sys.stdout.isatty() and not os.environ.get("NO_COLOR"):
        return display.RichView(quiet=flags["quiet"])
    return display.PlainView(sys.stdout, quiet=flags["quiet"])


def secret_redactor(options: Any) -> Any:
    """The redactor of what the command line itself prints: the run's secrets, every shape."""
    from runbookkit.secrets import Redactor

    secret = options.secrets
    return Redactor(value for name, value in options.variables.items() if name in secret)


def _operator(flags: dict[str, Any], redactor: Any) -> Any:
    from runbookkit.execute.operator import TerminalOperator, Unattended
    from runbookkit.secrets import MaskedWriter

    if not sys.stdin.isatty():
        return Unattended()
    # Questions go where a person sees them: stdout when it is the terminal, else stderr.
    visible = sys.stdout.isatty() and not flags["as_json"]
    out = MaskedWriter(sys.stdout if visible else sys.stderr, redactor)
    return TerminalOperator(out=out, inp=sys.stdin)  # type: ignore[arg-type]


def _report(outcome: Any, path: str, redactor: Any) -> None:
    """One line on stderr saying why the run did not pass."""
    if outcome.exit_code == ExitCode.OK or outcome.error is None:
        if outcome.exit_code == ExitCode.INTERRUPTED:
            click.echo("interrupted", err=True)
        return
    where = f"{path}:{outcome.line}: " if outcome.line else ""
    from runbookkit.terminal import visible

    click.echo(visible(redactor.text(f"{where}{outcome.status.value}: {outcome.error}")), err=True)


def _add_listener_options() -> None:
    """Options that registered listeners (history…) add to this command."""
    from runbookkit.execute import listeners

    for option in reversed(listeners.cli_options()):
        option(run_command)


_add_listener_options()
