"""Fleets: the hosts a section runs on, how they are named, and the order they run in.

An inventory (``--hosts h1,h2``, ``--hosts @inventory.yaml``, ``--group cache``, ssh_config
``Host`` entries, the runbook's ``hosts:`` default group) resolves to a list of plain
:class:`~runbookkit.fleet.hosts.Host` records; nothing here opens a connection.
"""

from __future__ import annotations

from runbookkit.fleet.hosts import Host, parse_address
from runbookkit.fleet.inventory import Group, Inventory, load_inventory
from runbookkit.fleet.resolve import Fleet, resolve

__all__ = ["Fleet", "Group", "Host", "Inventory", "load_inventory", "parse_address", "resolve"]
