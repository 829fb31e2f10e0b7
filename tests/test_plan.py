"""Plans of sections whose steps come from a code fence that was not closed."""

from __future__ import annotations

from pathlib import Path

import pytest

from runbookkit.errors import ParseError
from runbookkit.parsing import parse_text
from runbookkit.planning import plan

UNCLOSED = "# T\n\n## Diagnosis\n\n```bash\necho fine\n```\n\n## Fix\n\n```bash\necho {word}\n"


def test_a_step_from_an_unclosed_fence_is_refused_unless_accepted() -> None:
    runbook = parse_text(UNCLOSED.format(word="fixed"), path="u.md")
    with pytest.raises(ParseError) as caught:
        plan(runbook, "fix", accept_repairs=False)
    assert str(caught.value) == (
        "u.md:11: section 'fix' step 1 comes from the code fence ```bash at line 11, which is "
        "not closed (closed at the end of the file (line 12)); close the fence, or run with "
        "--accept-repairs"
    )
    assert [p.step.line for p in plan(runbook, "fix").steps] == [12]


def test_sections_the_repair_does_not_touch_run() -> None:
    runbook = parse_text(UNCLOSED.format(word="fixed"), path="u.md")
    assert len(plan(runbook, "diagnosis", accept_repairs=False).steps) == 1


def test_run_refuses_then_accepts_repairs(cli, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = tmp_path / "u.txt"
    path.write_text(UNCLOSED.format(word=f"fixed > {marker}"))
    refused = cli("run", str(path), "-s", "fix", "--yes")
    assert refused.returncode == 2
    (line,) = refused.stderr.splitlines()
    assert line.startswith(f"{path}:11: section 'fix' step 1 comes from the code fence ```bash")
    assert "--accept-repairs" in line and not marker.exists()
    done = cli("run", str(path), "-s", "fix", "--yes", "--accept-repairs")
    assert done.returncode == 0, done.stderr
    assert marker.read_text() == "fixed\n"
