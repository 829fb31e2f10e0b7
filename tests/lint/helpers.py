"""A small, clean runbook that every rule case starts from, and a way to lint text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from runbookkit.lint import Finding, LintOptions, lint_file

TODAY = dt.date(2026, 6, 1)

BASE = """\
# Disk full

**Pattern:** `(?i)no space left on device`
**Severity:** High
**MTTR Target:** 10 minutes
**Last Updated:** 2026-01-10
**Next Review:** 2026-12-31

## Symptoms

**Examples:**
```
write /var/lib/app/data: no space left on device
```

## Diagnosis

```bash
# Step 1: Check free space
ssh ops@db1.example.com "df -h /var"
# Expected: /var
```

## Fix

```bash
# Step 1: Remove old logs
# WARNING: logs older than a week are deleted for good
ssh ops@db1.example.com "find /var/log/app -name '*.gz' -mtime +7 -delete"
```

**Verification:**
```bash
# Step 1: Check free space again
ssh ops@db1.example.com "df -h /var"
```
"""


def variant(*changes: tuple[str, str]) -> str:
    """BASE with each (old, new) replacement made; every old text must be there."""
    text = BASE
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def lint_text(tmp_path: Path, text: str, **options: object) -> list[Finding]:
    """Write ``text`` to a file and lint it (today is :data:`TODAY` unless given)."""
    path = tmp_path / "runbook.md"
    path.write_text(text, encoding="utf-8")
    settings = {"today": TODAY, "shellcheck": False, **options}
    result = lint_file(path, LintOptions(**settings))  # type: ignore[arg-type]
    assert result.error is None, result.error
    return result.findings
