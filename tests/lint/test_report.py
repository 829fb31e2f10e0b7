"""Output formats: text, JSON, GitHub annotations, and SARIF checked against the SARIF schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from runbookkit.display.lint import render_github, render_text
from runbookkit.lint import FileResult, Finding, Level, Rule
from tests.conftest import DATA, REDIS, ROOT, SEED

SARIF_SCHEMA = DATA / "sarif-2.1.0-rtm.5.json"


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    path = tmp_path / "broken.md"
    path.write_bytes(b"# T\n\n## Fix\n\nCaf\xe9\n")
    return path


def test_json(cli, broken: Path) -> None:
    result = cli("lint", "--today", "2026-11-26", "--format", "json", str(SEED), str(broken))
    assert result.returncode == 2
    data = json.loads(result.stdout)
    codes = [f["code"] for f in data["findings"]]
    old = ["RBK004"] + ["RBK005"] * 8 + ["RBK006"]
    assert [c for c in codes if c != "RBK018"] == old
    assert codes.count("RBK018") == 2
    first = data["findings"][0]
    assert first == {
        "path": "tests/data/seed.md",
        "line": 3,
        "column": 15,
        "code": "RBK004",
        "rule": "pattern-misses-example",
        "level": "error",
        "message": first["message"],
        "fixable": False,
    }
    assert data["errors"] == [
        {"path": str(broken), "line": 5, "message": data["errors"][0]["message"]}
    ]
    assert data["summary"] == {
        "files": 2,
        "errors": 9,
        "warnings": 3,
        "fixable": 5,
        "fixed": 0,
        "unreadable": 1,
    }


def test_sarif_validates_against_the_official_schema(cli, broken: Path) -> None:
    result = cli(
        "lint", "--today", "2026-11-26", "--format", "sarif", str(SEED), str(REDIS), str(broken)
    )
    assert result.returncode == 2
    log = json.loads(result.stdout)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(log)
    run = log["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [rule.code for rule in Rule]
    results = run["results"]
    assert len(results) == 13
    seed_pattern = results[0]
    assert seed_pattern["ruleId"] == "RBK004" and seed_pattern["level"] == "error"
    location = seed_pattern["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "tests/data/seed.md", "uriBaseId": "%SRCROOT%"}
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": ROOT.as_uri() + "/"}}
    assert "informationUri" not in run["tool"]["driver"]
    assert location["region"] == {"startLine": 3, "startColumn": 15}
    (notice,) = run["invocations"][0]["toolExecutionNotifications"]
    assert "not UTF-8" in notice["message"]["text"]


def test_sarif_schema_rejects_a_broken_log() -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(schema).validate({"version": "2.1.0", "runs": [{"results": []}]})


def test_github_annotations(cli, broken: Path) -> None:
    result = cli("lint", "--today", "2026-11-26", "--format", "github", str(SEED), str(broken))
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "::error file=tests/data/seed.md,line=3,col=15,title=RBK004 pattern-misses-example::"
        "Pattern doesn't match the example error at line 22: "
        "'Error: connect ECONNREFUSED 127.0.0.1:6379'"
    )
    assert lines[-2].startswith("::warning file=tests/data/seed.md,line=215,col=18,title=RBK006 ")
    assert lines[-1].startswith(f"::error file={broken},line=5,title=unreadable runbook::")


def test_github_escapes_what_would_break_a_command() -> None:
    finding = Finding(Rule.EMPTY_STEP, "a,b:c.md", 2, "50% done\nnext", Level.error)
    out = render_github([FileResult("a,b:c.md", [finding])])
    assert out == (
        "::error file=a%2Cb%3Ac.md,line=2,col=1,title=RBK011 empty-step::50%25 done%0Anext\n"
    )


def test_text_colour_only_when_asked() -> None:
    finding = Finding(Rule.REVIEW_OVERDUE, "x.md", 7, "late", Level.warning)
    results = [FileResult("x.md", [finding])]
    assert render_text(results) == (
        "x.md:7:1: RBK006 late\nFound 1 problem (0 errors, 1 warning) in 1 file.\n"
    )
    coloured = render_text(results, color=True)
    assert "\x1b[33m" in coloured and "RBK006" in coloured


@pytest.mark.parametrize("no_color", [False, True])
def test_colour_on_a_terminal(no_color: bool) -> None:
    import os
    import sys

    import pexpect

    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    if no_color:
        env["NO_COLOR"] = "1"
    child = pexpect.spawn(
        sys.executable,
        ["-m", "runbookkit", "lint", "--today", "2026-11-26", str(REDIS)],
        env=env,
        encoding="utf-8",
        timeout=60,
    )
    output = child.read()
    child.close()
    assert "RBK006" in output
    assert ("\x1b[33m" in output) is not no_color
    assert child.exitstatus == 0
