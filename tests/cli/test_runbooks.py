"""`parse`, `show` and `list` on layouts from the wild: paths, repairs and front matter."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from runbookkit import finder
from tests.conftest import DATA

LAYOUTS = DATA / "layouts"


def test_an_existing_file_is_a_path_whatever_its_extension(cli, tmp_path: Path) -> None:
    path = tmp_path / "runbook.txt"
    shutil.copy(LAYOUTS / "mixed-h1-h2.md", path)
    assert finder.is_path(str(path)) and not finder.is_path("runbook-name")
    result = cli("parse", "--json", str(path))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["id"], data["path"]) == ("runbook", str(path))
    bare = tmp_path / "RUNBOOK"
    shutil.copy(LAYOUTS / "mixed-h1-h2.md", bare)
    result = cli("show", "RUNBOOK", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "section escalation: Escalation" in result.stdout


def test_parse_show_and_lint_report_a_fence_repair(cli) -> None:
    path = str(LAYOUTS / "unclosed-short.md")
    parsed = cli("parse", path)
    assert parsed.returncode == 0, parsed.stderr
    assert "code fence ```bash at line 5 not closed: closed by the `` at line 7" in parsed.stdout
    shown = cli("show", path)
    assert shown.returncode == 0, shown.stderr
    assert "repaired: line 5: ```bash closed by the `` at line 7, read as ```" in shown.stdout
    assert "section verification: Verification" in shown.stdout
    data = json.loads(cli("parse", "--json", path).stdout)
    assert data["repairs"] == [
        {"line": 5, "end": 7, "text": "```bash", "fix": "closed by the `` at line 7, read as ```"}
    ]


def test_show_and_list_give_owner_summary_tags_and_review(cli, tmp_path: Path) -> None:
    for name in ("front-matter-review-in", "front-matter-team"):
        shutil.copy(LAYOUTS / f"{name}.md", tmp_path / f"{name}.md")
    shown = cli("show", str(tmp_path / "front-matter-review-in.md"))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(
        "The reporting replica is more than 5 minutes behind.\n"
        "owner #db-oncall, tags postgres, replica, review by 2026-02-28\n"
    )
    listed = cli("list", "--runbooks-dir", str(tmp_path), env={"COLUMNS": "400"})
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if "front-matter-team" in line)
    for value in ("messaging", "2026-03-01", "mail, postfix"):
        assert value in row
    assert "Outgoing mail piles up in the postfix queue." in listed.stdout
