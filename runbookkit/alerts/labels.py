"""An alert's labels as a run's variables: data for the shell, never code, never a setting.

Each label ``namespace`` gives ``$NAMESPACE`` and ``$namespace``. A label whose name is not a
shell name (``[A-Za-z_][A-Za-z0-9_]*``), or whose variable would change how commands run
(``PATH``, ``LD_PRELOAD``, ``BASH_ENV``, … see :func:`runbookkit.execute.variables.changes_shell`),
is left out and said so. Annotations are free text and never become variables.
"""

from __future__ import annotations

from collections.abc import Mapping

from runbookkit.execute.variables import changes_shell, is_name


def variables(labels: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The variables ``labels`` give, and one line per label (or spelling) left out."""
    values: dict[str, str] = {}
    refused: list[str] = []
    for label, value in labels.items():
        if not is_name(label):
            refused.append(f"label {label!r} is not a shell variable name: not passed")
            continue
        for name in dict.fromkeys((label.upper(), label)):
            if changes_shell(name):
                refused.append(
                    f"label {label!r} would set ${name}, which changes how commands run: not passed"
                )
            else:
                values[name] = value
    return values, refused
