"""The JSON-Schema format profile: default rules, its own failing cases, team profiles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runbookkit.errors import ConfigError
from runbookkit.lint import load_profile
from runbookkit.model import to_data
from runbookkit.parsing import parse_file
from tests.conftest import GOLDEN, REDIS, ROOT
from tests.lint.helpers import lint_text, variant

PROFILE_FILE = ROOT / "schema" / "profile.default.json"


def test_schema_dir_holds_the_shipped_default() -> None:
    shipped = load_profile().schema
    assert json.loads(PROFILE_FILE.read_text(encoding="utf-8")) == shipped


MISSING = [
    ((("## Fix", "## Notes"),), 1, "missing section Fix, expected a `## Fix`"),
    (
        (("**Pattern:** `(?i)no space left on device`\n", ""),),
        1,
        "missing Pattern, expected a `**Pattern:** …` line in the header",
    ),
    ((("**Severity:** High\n", ""),), 1, "missing Severity"),
    ((("**MTTR Target:** 10 minutes\n", ""),), 1, "missing MTTR Target"),
    ((("**Last Updated:** 2026-01-10\n", ""),), 1, "missing Last Updated"),
]
WRONG = [
    ((("**Severity:** High", "**Severity:** urgent"),), 4, "unknown severity 'urgent'"),
    ((("**MTTR Target:** 10 minutes", "**MTTR Target:** soon"),), 5, "is not a duration"),
    ((("**Last Updated:** 2026-01-10", "**Last Updated:** last week"),), 6, "is not a date"),
]


@pytest.mark.parametrize(
    ("changes", "line", "message"),
    [*MISSING, ((("## Symptoms", "## Observations"),), 1, "missing section Symptoms"), *WRONG],
)
def test_strict_profile_failures(changes, line: int, message: str, tmp_path: Path) -> None:
    found = lint_text(tmp_path, variant(*changes), profile="strict")
    assert [(f.code, f.level) for f in found] == [("RBK001", "error")], found
    assert found[0].line == line
    assert message in found[0].message


@pytest.mark.parametrize(("changes", "line", "message"), MISSING)
def test_default_profile_warns_about_missing_parts(
    changes, line: int, message: str, tmp_path: Path
) -> None:
    found = lint_text(tmp_path, variant(*changes))
    assert [(f.code, f.level) for f in found] == [("RBK015", "warning")], found
    assert found[0].line == line
    assert message in found[0].message


@pytest.mark.parametrize(("changes", "line", "message"), WRONG)
def test_default_profile_errors_on_wrong_values(
    changes, line: int, message: str, tmp_path: Path
) -> None:
    found = lint_text(tmp_path, variant(*changes))
    assert [(f.code, f.level, f.line) for f in found] == [("RBK001", "error", line)], found
    assert message in found[0].message


def test_default_profile_has_no_error_on_a_prometheus_style_runbook(cli) -> None:
    path = "tests/data/lint/prometheus-style.md"
    result = cli("lint", "--today", "2026-06-01", path)
    assert result.returncode == 0, result.stdout
    codes = sorted({line.split()[1] for line in result.stdout.splitlines()[:-1]})
    assert codes == ["RBK009", "RBK015"]  # warnings: no header lines, no verification
    assert "(0 errors, " in result.stdout
    strict = cli("lint", "--today", "2026-06-01", "--profile", "strict", path)
    assert strict.returncode == 1 and " RBK001 missing Pattern" in strict.stdout


def test_default_profile_has_no_error_on_the_redis_runbook(cli) -> None:
    result = cli("lint", "--today", "2026-11-26", str(REDIS))
    assert result.returncode == 0, result.stdout
    assert "(0 errors, " in result.stdout


def test_strict_profile_reproduces_the_old_default_on_the_seed(cli) -> None:
    old_rules = ",".join(f"RBK{n:03d}" for n in range(1, 15))
    result = cli(
        "lint",
        "--today",
        "2026-11-26",
        "--profile",
        "strict",
        "--select",
        old_rules,
        "tests/data/seed.md",
    )
    assert result.stdout == (GOLDEN / "seed.strict.lint.txt").read_text(encoding="utf-8")
    assert result.returncode == 1


def test_strict_profile_from_pyproject(tmp_path: Path, cli) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.runbookkit]\nprofile = "strict"\n')
    (tmp_path / "runbooks").mkdir()
    (tmp_path / "runbooks" / "disk.md").write_text(variant(("## Fix", "## Notes")))
    result = cli("lint", "--today", "2026-06-01", cwd=tmp_path)
    assert result.returncode == 1
    assert "runbooks/disk.md:1:1: RBK001 missing section Fix" in result.stdout


def test_profile_checks_values_on_the_model_json() -> None:
    data = to_data(parse_file(REDIS))
    data["metadata"]["severity"] = "urgent"
    data["metadata"]["pattern"] = None
    data["sections"] = [s for s in data["sections"] if s["id"] != "diagnosis"]
    problems = load_profile().check(data)
    messages = [p.message for p in problems]
    assert 'Severity is "urgent", expected one of critical, high, medium, low, info' in messages
    assert "missing Pattern, expected a `**Pattern:** …` line in the header" in messages
    assert any(m.startswith("missing section Diagnosis") for m in messages)
    assert {p.line for p in problems if "Severity" in p.message} == {4}


def _team_profile(tmp_path: Path) -> Path:
    profile = json.loads(PROFILE_FILE.read_text(encoding="utf-8"))
    profile["properties"]["metadata"]["properties"]["severity"] = {"enum": ["critical", "high"]}
    profile["properties"]["metadata"]["properties"]["owner"] = {"type": "string"}
    path = tmp_path / "team.json"
    path.write_text(json.dumps(profile), encoding="utf-8")
    return path


def test_team_profile_tightens(tmp_path: Path) -> None:
    profile = str(_team_profile(tmp_path))
    found = lint_text(
        tmp_path, variant(("**Severity:** High", "**Severity:** Low")), profile=profile
    )
    assert [f.message for f in found] == [
        "missing Owner, expected a `**Owner:** …` line in the header",
        'Severity is "low", expected one of critical, high',
    ]


def test_profile_from_pyproject(tmp_path: Path, cli) -> None:
    _team_profile(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.runbookkit]\nprofile = "team.json"\n')
    (tmp_path / "runbooks").mkdir()
    (tmp_path / "runbooks" / "disk.md").write_text(variant(), encoding="utf-8")
    result = cli("lint", "--today", "2026-06-01", cwd=tmp_path)
    assert result.returncode == 1
    assert "runbooks/disk.md:1:1: RBK001 missing Owner" in result.stdout


def _severities(path: Path, *allowed: str) -> None:
    profile = json.loads(PROFILE_FILE.read_text(encoding="utf-8"))
    profile["properties"]["metadata"]["properties"]["severity"] = {"enum": list(allowed)}
    path.write_text(json.dumps(profile), encoding="utf-8")


def test_a_profile_is_the_file_as_it_is_now(tmp_path: Path, cli) -> None:
    """Runs in one process (mkdocs serve, a program, the tests) see what a fresh one would: the
    same name in another directory is another profile, an edited file the edited profile."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _severities(tmp_path / "a" / "team.json", "critical")
    _severities(tmp_path / "b" / "team.json", "critical", "high", "medium", "low")
    args = ("lint", "--today", "2026-06-01", "--profile", "team.json", str(REDIS))

    def severity_refused(directory: str) -> bool:
        done = cli(*args, cwd=tmp_path / directory)
        assert done.returncode in (0, 1), done.stderr
        return 'RBK001 Severity is "high"' in done.stdout

    assert severity_refused("a") and not severity_refused("b")
    _severities(tmp_path / "a" / "team.json", "critical", "high", "extra-long-name")
    assert not severity_refused("a")
    _severities(tmp_path / "b" / "team.json", "low")
    assert severity_refused("b")


def test_loosened_profile_accepts_missing_sections(tmp_path: Path) -> None:
    path = tmp_path / "loose.json"
    path.write_text(json.dumps({"type": "object"}), encoding="utf-8")
    text = variant(("## Diagnosis", "## Notes"), ("**Severity:** High\n", ""))
    assert lint_text(tmp_path, text, profile=str(path)) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "profile is not valid JSON"),
        ("[1, 2]", "profile is not a JSON object"),
        ('{"type": "nonsense"}', "profile is not a valid JSON Schema"),
    ],
)
def test_bad_profiles(content: str, message: str, tmp_path: Path, cli) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_profile(path)
    result = cli("lint", "--profile", str(path), str(REDIS))
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(str(path)) and message in line


def test_front_matter_values_are_checked_too(tmp_path: Path) -> None:
    text = "---\nowner: dba\nseverity: urgent\n---\n" + variant(("**Severity:** High\n", ""))
    found = lint_text(tmp_path, text)
    assert [(f.code, f.line) for f in found] == [("RBK001", 3)]
    assert "unknown severity 'urgent'" in found[0].message


def test_profile_from_the_environment(tmp_path: Path, cli) -> None:
    team = _team_profile(tmp_path)
    result = cli("lint", "--today", "2025-12-01", str(REDIS), env={"RUNBOOKKIT_PROFILE": str(team)})
    assert result.returncode == 1
    assert ":1:1: RBK001 missing Owner" in result.stdout


BUILTIN_NAMES = ("default", "strict")
ODD_VALUES = [
    None,
    "",
    "x",
    "2026-01-10",
    "2026-13-01",
    "20260110",
    "2026-01-10T09:00",
    3,
    2.5,
    True,
    {},
    [],
]


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_builtin_profiles_are_json_schemas_checked_without_jsonschema(name: str) -> None:
    import jsonschema

    from runbookkit.lint import schema_subset

    profile = load_profile(name)
    jsonschema.Draft202012Validator.check_schema(profile.schema)
    assert schema_subset.unsupported(profile.schema) == set()
    assert schema_subset.unsupported({"properties": {"a": {"oneOf": []}}}) == {"oneOf"}


def _instances() -> list[dict]:
    """Model JSON of the test runbooks, and of the redis runbook with each profiled value
    replaced by values of every JSON type, and with its sections thinned out."""
    from runbookkit.errors import ParseError
    # to_data gives what the profile sees (lint.rules.Context.data).

    datas = []
    for path in sorted((ROOT / "tests" / "data").rglob("*.md"))[:80]:
        try:
            datas.append(to_data(parse_file(path)))
        except ParseError:  # a runbook the parser refuses has no model JSON
            continue
    base = to_data(parse_file(REDIS))
    for field in ("pattern", "severity", "mttr", "last_updated", "next_review"):
        for value in ODD_VALUES:
            changed = json.loads(json.dumps(base))
            changed["metadata"][field] = value
            datas.append(changed)
    for keep in ([], ["fix"], ["symptoms", "diagnosis"], ["history"]):
        changed = json.loads(json.dumps(base))
        changed["sections"] = [s for s in changed["sections"] if s["id"] in keep]
        datas.append(changed)
    return datas


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_builtin_checks_agree_with_jsonschema(name: str) -> None:
    from runbookkit.lint.profile import Profile

    schema = load_profile(name).schema
    subset, full = Profile(schema, name, builtin=True), Profile(schema, name)
    instances = _instances()
    assert len(instances) > 60
    failing = 0
    for data in instances:
        assert subset.check(data) == full.check(data), data["id"]
        failing += bool(full.check(data))
    assert failing > 40  # the instances exercise the failures, not only the passes
