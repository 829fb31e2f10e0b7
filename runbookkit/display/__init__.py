"""What runbookkit prints on a terminal: one module per thing shown.

:mod:`~runbookkit.display.run` shows a run as it goes, :mod:`~runbookkit.display.fleet` a fleet
run, :mod:`~runbookkit.display.lint` lint findings (text, JSON, GitHub annotations, SARIF),
:mod:`~runbookkit.display.match` which runbook a log line is about, and
:mod:`~runbookkit.display.history` recorded runs. What they share (the words and styles of a
status, a run's header and result lines, durations, output lines made visible) is in
:mod:`~runbookkit.display.common`.

Nothing is imported here, and Rich only where a Rich view is made: ``runbookkit match`` and
``runbookkit lint`` never load it.
"""
