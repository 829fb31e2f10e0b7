"""The unattended run an alert starts: its runbook's diagnosis, with its labels as variables.

The section is the one the runbook names in ``on_alert:``, else ``diagnosis``. Only steps that
need nobody run: the run stops, incomplete, at the first manual, destructive or interactive step
(:attr:`runbookkit.execute.runner.RunOptions.unattended`). Where remote steps go, first match:

1. ``serve --host``: every remote step goes there;
2. the alert's ``instance`` label (``cache-1:9121``): its host part, when an inventory given to
   ``serve --inventory`` has a host of that name or address, goes to that host's address; when
   the ssh_config has a ``Host`` entry of exactly that name, goes to that alias;
3. else the hosts the runbook's own ``ssh`` lines name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from runbookkit.alerts.labels import variables

if TYPE_CHECKING:
    from runbookkit.alerts.queue import Job
    from runbookkit.execute.events import Listener
    from runbookkit.execute.runner import RunOutcome
    from runbookkit.execute.ssh import SshOptions
    from runbookkit.fleet.inventory import Inventory
    from runbookkit.fleet.run import FleetOutcome
    from runbookkit.history.incidents import IncidentLink
    from runbookkit.history.store import RunWriter
    from runbookkit.model import Runbook

DEFAULT_SECTION = "diagnosis"


def section_of(runbook: Runbook) -> str:
    """The section an alert runs: the runbook's ``on_alert:``, else its diagnosis."""
    return runbook.metadata.on_alert or DEFAULT_SECTION


@dataclass
class Targets:
    """How the receiver picks where an alert's remote steps go (see the module's list)."""

    host: str | None = None
    inventory: Inventory | None = None
    ssh_config: Path | None = None
    _aliases: set[str] | None = field(default=None, repr=False)

    def for_labels(self, labels: dict[str, str]) -> str | None:
        """The host for an alert with ``labels`` (None: the runbook's own targets)."""
        if self.host is not None:
            return self.host
        instance = labels.get("instance", "").strip()
        if not instance:
            return None
        name = _host_part(instance)
        if self.inventory is not None:
            for host in self.inventory.all():
                if name in (host.name, host.hostname):
                    user = f"{host.user}@" if host.user else ""
                    port = f":{host.port}" if host.port else ""
                    return f"{user}{host.hostname}{port}"
        if name in self._ssh_aliases():
            return name
        return None

    def _ssh_aliases(self) -> set[str]:
        if self._aliases is None:
            self._aliases = set()
            if self.ssh_config is not None and self.ssh_config.is_file():
                import paramiko

                config = paramiko.SSHConfig.from_path(str(self.ssh_config))
                self._aliases = {h for h in config.get_hostnames() if not set(h) & set("*?!")}
        return self._aliases


def _host_part(instance: str) -> str:
    """``cache-1`` of ``cache-1:9121``, ``::1`` of ``[::1]:9121``."""
    if instance.startswith("["):
        return instance[1:].split("]", 1)[0]
    return instance.rsplit(":", 1)[0] if instance.count(":") == 1 else instance


def diagnose(
    job: Job,
    runbook: Runbook,
    *,
    history: RunWriter | str | Path | None,
    ssh: SshOptions | None = None,
    listeners: Iterable[Listener] = (),
    timeout: float | None = 300.0,
    incident: IncidentLink | None = None,
) -> tuple[RunOutcome | FleetOutcome, list[str]]:
    """Run ``job``'s section of ``runbook`` unattended, recorded in ``history`` (and linked
    to ``incident`` there, when given).

    Returns the outcome (a fleet's, when the runbook names a ``hosts:`` group and no host
    was picked) and one line per label left out of the variables.

    Raises:
        RunbookError: the section does not exist, a placeholder has no value, the store
            can't be used; nothing ran.
    """
    from runbookkit import runs
    from runbookkit.execute.runner import RunOptions
    from runbookkit.execute.ssh import SshOptions

    values, refused = variables(job.labels)
    options = RunOptions(
        variables=values,
        unattended=True,
        host=job.host,
        ssh=ssh or SshOptions(),
        operator=f"alert:{job.name or job.alert_key}",
        timeout=timeout,
    )
    section = job.section or section_of(runbook)
    outcome = runs.run(
        runbook, section, options, history=history, listeners=listeners, incident=incident
    )
    return outcome, refused
