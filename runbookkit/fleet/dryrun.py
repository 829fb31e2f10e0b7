"""A fleet's dry run: what each host would get, without connecting to any of them.

Each host runs the section with its own target and its own values: its inventory variables,
then the run's (``--var``, ``--secret``…, which win). :func:`host_plans` works that out host by
host, with what the host's commands read that nothing gives (the host's login may set it).
What it shows is masked by the run's one redactor, which knows every host's secrets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from runbookkit.execute.needs import Need, survey
from runbookkit.execute.runner import RunOptions
from runbookkit.fleet.hosts import Host
from runbookkit.fleet.run import for_host, host_values
from runbookkit.planning import Plan

EVERY_HOST = Host(name="each host", hostname="each host")  # how the shared plan names its target


@dataclass(frozen=True)
class HostValue:
    """A value a host's run gets, and where it comes from: ``inventory``, ``--var``, ``secret``."""

    name: str
    value: str
    origin: str


@dataclass
class HostPlan:
    """One host of a dry run: where it connects, its values and what stays unset."""

    host: Host
    values: list[HostValue] = field(default_factory=list)
    unset: list[Need] = field(default_factory=list)  # read by its commands, given by nothing
    given: dict[str, str] = field(default_factory=dict)  # every value, by name


def shared_plan(plan: Plan) -> Plan:
    """``plan`` as every host runs it, its commands' target written ``each host``."""
    return for_host(plan, EVERY_HOST)


def host_plans(plan: Plan, hosts: list[Host], options: RunOptions) -> list[HostPlan]:
    """Each host's target, values (inventory, then the run's) and unset variables."""
    out = []
    for host in hosts:
        given = host_values(host, options)
        values = []
        for name, value in given.items():
            if name in options.variables:
                origin = "secret" if name in options.secrets else "--var"
            else:
                origin = "inventory"
            values.append(HostValue(name, value, origin))
        mine = for_host(plan, host)
        unset = [n for n in survey([*mine.steps, *mine.rollback], given) if n.source != "given"]
        out.append(HostPlan(host, values, unset, given))
    return out
