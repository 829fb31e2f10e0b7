"""Alerts from monitoring: what a webhook said, routed to the runbook that answers it.

:mod:`runbookkit.alerts.event` holds the one shape every source (Alertmanager, Grafana,
PagerDuty, the generic JSON form) is read into; the receiver, the router, the run queue and the
incidents all speak it.
"""
