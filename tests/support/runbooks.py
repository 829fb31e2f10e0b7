"""Runbooks written on the fly: the one builder the tests share."""

from __future__ import annotations

import textwrap
from pathlib import Path


def write_runbook(
    directory: Path,
    fix: str = "echo fix",
    *,
    name: str = "matrix",
    front: str | None = None,
    pattern: str | None = None,
    severity: str | None = None,
    mttr: str | None = None,
) -> Path:
    """Write ``NAME.md`` in ``directory``: an H1 title, then header lines, then a Fix section
    whose one bash block holds ``fix`` (dedented).

    ``front`` is YAML put in front matter (``"hosts: cache\\n"``); ``pattern``, ``severity`` and
    ``mttr`` become the ``**Pattern:**`` (always line 3), ``**Severity:**`` and ``**MTTR
    Target:**`` lines, in that order, when given.
    """
    head = f"---\n{front}---\n" if front is not None else ""
    fields = [("Pattern", f"`{pattern}`" if pattern is not None else None)]
    fields += [("Severity", severity), ("MTTR Target", mttr)]
    header = "".join(f"**{key}:** {value}\n" for key, value in fields if value is not None)
    header += "\n" if header else ""
    block = textwrap.dedent(fix).strip()
    text = f"{head}# {name.title()}\n\n{header}## Fix\n\n```bash\n{block}\n```\n"
    path = directory / f"{name}.md"
    path.write_text(text, encoding="utf-8")
    return path
