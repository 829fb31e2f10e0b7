"""``runbookkit serve``: receive alert webhooks and run the right runbook's diagnosis."""

from __future__ import annotations

import os
from pathlib import Path

import click

from runbookkit.cli.common import (
    EXISTING_FILE,
    identity_option,
    load_settings,
    runbooks_dir_option,
    seconds_option,
    step_timeout_option,
)
from runbookkit.errors import ConfigError

TOKEN_ENV = "RUNBOOKKIT_SERVE_TOKEN"
PAGERDUTY_ENV = "RUNBOOKKIT_PAGERDUTY_SECRET"


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=9095, show_default=True)
@click.option(
    "--token-file",
    type=EXISTING_FILE,
    help=f"File holding the bearer token senders must give [env {TOKEN_ENV}].",
)
@click.option(
    "--pagerduty-secret-file",
    type=EXISTING_FILE,
    help=f"File holding the PagerDuty webhook signing secret [env {PAGERDUTY_ENV}].",
)
@click.option("--history", metavar="PATH|URL", help="The history store holding the queue.")
@runbooks_dir_option
@click.option(
    "--concurrency", type=click.IntRange(min=1), default=4, show_default=True, help="Runs at once."
)
@click.option(
    "--target-host",
    metavar="HOST",
    help="Send every remote step of alert runs to HOST ([user@]host[:port]).",
)
@click.option(
    "--inventory",
    type=EXISTING_FILE,
    help="Map an alert's instance label to a host of this inventory.",
)
@click.option(
    "--ssh-config", type=EXISTING_FILE, help="ssh_config for the runs (and instance aliases)."
)
@identity_option
@seconds_option(
    "--dedup-window",
    default=3600.0,
    help="Seconds after its run during which a still-firing alert is counted, not rerun.",
)
@seconds_option(
    "--replay-window",
    default=300.0,
    help="Seconds a delivery is remembered to refuse it again (409).",
)
@step_timeout_option
@click.option("--json", "as_json", is_flag=True, help="Log one JSON object per event.")
def serve_command(**flags: object) -> None:
    """Receive Alertmanager, Grafana, PagerDuty and generic JSON webhooks; route each firing
    alert to its runbook and run that runbook's diagnosis unattended, recorded.

    Only steps that need nobody run: the run stops at the first manual, destructive or
    interactive step. Listens on 127.0.0.1 unless --host says otherwise.
    """
    from runbookkit.alerts.diagnose import Targets
    from runbookkit.alerts.eventlog import EventLog
    from runbookkit.alerts.receiver import ReceiverOptions
    from runbookkit.alerts.server import ServeOptions, run
    from runbookkit.execute.ssh import SshOptions

    settings = load_settings(history=flags["history"], runbooks_dir=flags["runbooks_dir"])
    inventory = None
    if flags["inventory"] is not None:
        from runbookkit.fleet.inventory import load_inventory

        inventory = load_inventory(Path(str(flags["inventory"])))
    ssh_config = flags["ssh_config"]
    assert ssh_config is None or isinstance(ssh_config, Path)
    identity = flags["identity"]
    assert identity is None or isinstance(identity, Path)
    receiver = ReceiverOptions(
        history=settings.history_store,
        targets=Targets(
            host=_text(flags["target_host"]), inventory=inventory, ssh_config=ssh_config
        ),
        ssh=SshOptions(ssh_config=ssh_config, identity=identity),
        concurrency=int(str(flags["concurrency"])),
        dedup_window=float(str(flags["dedup_window"])),
        timeout=float(str(flags["timeout"])),
    )
    options = ServeOptions(
        receiver=receiver,
        runbooks_dir=settings.runbooks_dir,
        host=str(flags["host"]),
        port=int(str(flags["port"])),
        token=_secret(flags["token_file"], TOKEN_ENV, "--token-file"),
        pagerduty_secret=_secret(
            flags["pagerduty_secret_file"], PAGERDUTY_ENV, "--pagerduty-secret-file"
        ),
        replay_window=float(str(flags["replay_window"])),
        policy=settings.policy,
    )
    run(options, EventLog(as_json=bool(flags["as_json"])))


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _secret(path: object, env: str, flag: str) -> str | None:
    """A secret from its file (one trailing newline dropped), else the environment."""
    if path is not None:
        text = Path(str(path)).read_text(encoding="utf-8").removesuffix("\n")
        if not text.strip():
            raise ConfigError(f"{flag}: the file is empty", path=str(path))
        return text
    return os.environ.get(env) or None
