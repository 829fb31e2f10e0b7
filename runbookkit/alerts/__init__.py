"""Alerts from monitoring: what a webhook said, routed to the runbook that answers it.

:mod:`~runbookkit.alerts.event` holds the one shape every source (Alertmanager, Grafana,
PagerDuty, the generic JSON form) is read into; :mod:`~runbookkit.alerts.payloads` reads each
source's body into it; :mod:`~runbookkit.alerts.route` picks the runbook;
:mod:`~runbookkit.alerts.labels` turns labels into variables; :mod:`~runbookkit.alerts.queue`
keeps the runs to do in the history store; :mod:`~runbookkit.alerts.diagnose` runs one,
unattended; :mod:`~runbookkit.alerts.receiver` ties them together and
:mod:`~runbookkit.alerts.server` puts HTTP in front (``runbookkit serve``).
"""
