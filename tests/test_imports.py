"""What each command imports: an import-graph check (not a timing) of start-up.

Each command runs through :func:`runbookkit.cli.main` in a fresh interpreter, which then writes
the names in ``sys.modules`` to a file. A command must not pull in what it does not use: the SSH
stack (fabric, invoke, paramiko) outside a remote run, jsonschema outside a team's own lint
profile, MkDocs outside the site, pydantic outside ``schema`` (the model's JSON Schema);
``--help`` and ``--version`` not even click, the model or the parser.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REDIS, ROOT

NEVER = {"fabric", "invoke", "paramiko", "jsonschema", "mkdocs"}
NO_PYDANTIC = NEVER | {"pydantic"}
NOTHING = NO_PYDANTIC | {
    "runbookkit.model",
    "click",
    "markdown_it",
    "rich",
    "runbookkit.parsing",
    "runbookkit.execute",
}
NAME = REDIS.stem

# label → (argv, modules it must not import)
COMMANDS: dict[str, tuple[list[str], set[str]]] = {
    "--help": (["--help"], NOTHING),
    "-h": (["-h"], NOTHING),
    "--version": (["--version"], NOTHING),
    "list": (["list"], NO_PYDANTIC),
    "parse NAME": (["parse", NAME], NO_PYDANTIC | {"rich"}),
    "parse PATH": (["parse", str(REDIS)], NO_PYDANTIC | {"rich"}),
    "parse --json": (["parse", "--json", str(REDIS)], NO_PYDANTIC | {"rich"}),
    "show": (["show", NAME, "--section", "diagnosis"], NO_PYDANTIC),
    "lint FILE": (["lint", "--no-shellcheck", str(REDIS)], NO_PYDANTIC | {"runbookkit.execute"}),
    "lint --profile strict": (["lint", "--profile", "strict", str(REDIS)], NO_PYDANTIC),
    "rule": (["rule", "RBK004"], NO_PYDANTIC | {"runbookkit.execute"}),
    "match TEXT": (["match", "ECONNREFUSED 10.0.0.7:6379"], NO_PYDANTIC | {"rich"}),
    "history": (["history"], NO_PYDANTIC | {"markdown_it", "runbookkit.parsing"}),
    "run --dry-run": (["run", NAME, "-s", "diagnosis", "--dry-run"], NO_PYDANTIC),
    "schema": (["schema"], NEVER),
}


def imported(argv: list[str], tmp_path: Path, **env: str) -> set[str]:
    """The modules (and their packages) in ``sys.modules`` after ``runbookkit ARGV``."""
    out = tmp_path / "modules.json"
    script = (
        "import json, sys\nfrom runbookkit.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit as exit:\n    code = exit.code\n"
        f"open({str(out)!r}, 'w').write(json.dumps([code, sorted(sys.modules)]))\n"
    )
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RUNBOOKKIT_HISTORY": str(tmp_path / "history.sqlite"),
        "RUNBOOKKIT_CACHE_DIR": str(tmp_path / "cache"),
        "NO_COLOR": "1",
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    code, modules = json.loads(out.read_text())
    assert code in (0, 1), done.stderr  # 1: lint's findings, match's "nothing matched"
    names = set(modules)
    return names | {name.split(".")[0] for name in names}


@pytest.mark.parametrize("label", list(COMMANDS))
def test_command_imports_only_what_it_uses(label: str, tmp_path: Path) -> None:
    argv, banned = COMMANDS[label]
    if label == "match TEXT":
        imported(argv, tmp_path)  # the first run parses the runbooks into its cache
    found = imported(argv, tmp_path)
    assert "runbookkit.cli" in found  # the command did run in this interpreter
    assert sorted(found & banned) == [], f"runbookkit {' '.join(argv)}"


def test_the_check_sees_what_a_command_needs(tmp_path: Path) -> None:
    """A team's own profile is checked by jsonschema, and ``schema`` needs pydantic: the same
    check finds both, so an empty answer above means something."""
    profile = tmp_path / "team.json"
    profile.write_text(json.dumps({"type": "object", "required": ["id"]}), encoding="utf-8")
    linted = imported(["lint", "--no-shellcheck", "--profile", str(profile), str(REDIS)], tmp_path)
    assert "jsonschema" in linted
    assert "pydantic" in imported(["schema"], tmp_path)
    assert "click" in imported(["list"], tmp_path)
