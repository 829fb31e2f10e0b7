"""The import-order check: runbookkit's own modules pass it; a package that breaks it fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from runbookkit._dev import imports
from tests.conftest import ROOT

PACKAGE = ROOT / "runbookkit"


def make(tmp_path: Path, files: dict[str, str]) -> Path:
    """A package named runbookkit in ``tmp_path`` with ``files`` (path -> source); every
    folder gets an ``__init__.py``."""
    root = tmp_path / "runbookkit"
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        for folder in path.relative_to(root).parents:
            (root / folder / "__init__.py").touch()
        path.write_text(text, encoding="utf-8")
    return root


def run(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = imports.main([str(root)])
    out = capsys.readouterr().out
    return code, [line for line in out.splitlines() if not line.startswith(("[", " "))]


# A small package in order: text <- tokens <- model <- plan <- results <- entry.
CLEAN = {
    "errors.py": "class RunbookError(Exception):\n    pass\n",
    "model.py": "from runbookkit.errors import RunbookError\n",
    "parsing/__init__.py": "from . import steps\nfrom ..model import *\n",
    "parsing/steps.py": "from runbookkit import model\n\n\ndef f():\n    from . import words\n",
    "parsing/words.py": "import re\n",
    "finder.py": "import runbookkit.model\nfrom runbookkit.parsing import steps\n",
    "planning.py": "from runbookkit.finder import *\n",
    "execute/runner.py": (
        "from runbookkit.planning import *\nfrom runbookkit.execute import events\n"
    ),
    "execute/events.py": "",
    "cli/__init__.py": "from runbookkit.execute.runner import *\nfrom runbookkit import planning\n",
}


def test_runbookkit_imports_in_stage_order_without_cycles(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, problems = run(PACKAGE, capsys)
    assert problems == []
    assert code == 0


def test_the_module_runs_and_prints_the_graph_by_stage() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "runbookkit._dev.imports"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "[text]"
    assert "  runbookkit.errors -> (nothing)" in lines
    runner = next(line for line in lines if line.startswith("  runbookkit.execute.runner -> "))
    assert "runbookkit.planning" in runner and "runbookkit.execute.events" in runner
    assert lines.index("[results]") < lines.index("[history]") < lines.index("[entry]")
    assert "runbookkit._dev" not in done.stdout


def test_every_module_of_runbookkit_has_a_stage() -> None:
    report = imports.check(PACKAGE)
    names = set(imports.modules(PACKAGE.resolve()))
    assert set(report.stages) == {n for n in names if not n.startswith("runbookkit._dev")}
    assert report.stages["runbookkit.parsing.document"] == "tokens"
    assert report.stages["runbookkit.cli.run"] == "entry"


def test_a_clean_package_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, problems = run(make(tmp_path, CLEAN), capsys)
    assert (code, problems) == (0, [])
    graph = list(imports.graph_lines(imports.check(tmp_path / "runbookkit")))
    assert "  runbookkit.parsing.steps -> runbookkit.model; lazy: runbookkit.parsing.words" in graph
    assert "  runbookkit.parsing -> runbookkit.model, runbookkit.parsing.steps" in graph


def test_an_import_from_a_later_stage_fails_with_its_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make(
        tmp_path,
        {
            **CLEAN,
            # a lazy import counts, and a relative one is resolved
            "parsing/steps.py": "import os\n\n\ndef f():\n    from ..planning import x\n",
        },
    )
    code, problems = run(root, capsys)
    assert code == 1
    assert problems == [
        "runbookkit/parsing/steps.py:5: imports runbookkit.planning "
        "(stage tokens -> later stage plan) [lazy]"
    ]


def test_a_type_checking_import_keeps_the_order_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    errors = "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    import runbookkit.finder\n"
    code, problems = run(make(tmp_path, {**CLEAN, "errors.py": errors}), capsys)
    assert code == 1
    assert problems == [
        "runbookkit/errors.py:4: imports runbookkit.finder "
        "(stage text -> later stage model) [TYPE_CHECKING]"
    ]


def test_parallel_branches_may_not_import_each_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lint = {"lint/__init__.py": "from runbookkit.model import *\nfrom runbookkit import planning\n"}
    code, problems = run(make(tmp_path, {**CLEAN, **lint}), capsys)
    assert code == 1
    assert problems == [
        "runbookkit/lint/__init__.py:2: imports runbookkit.planning "
        "(stage findings -> parallel stage plan)"
    ]


def test_a_cycle_fails_but_lazy_and_type_only_imports_break_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cycle = {
        "parsing/steps.py": "from runbookkit.parsing import shellwords\n",
        "parsing/shellwords.py": "import re\n\nfrom . import steps\n",
    }
    code, problems = run(make(tmp_path, {**CLEAN, **cycle}), capsys)
    assert code == 1
    assert problems == [
        "runbookkit/parsing/shellwords.py:3: import cycle runbookkit.parsing.shellwords -> "
        "runbookkit.parsing.steps -> runbookkit.parsing.shellwords"
    ]

    broken = {
        "parsing/steps.py": "from runbookkit.parsing import shellwords\n",
        "parsing/shellwords.py": "def f():\n    from . import steps\n",
    }
    assert run(make(tmp_path / "lazy", {**CLEAN, **broken}), capsys) == (0, [])
    typed = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import steps\n"
    assert run(
        make(tmp_path / "typed", {**CLEAN, **broken, "parsing/shellwords.py": typed}), (capsys)
    ) == (0, [])


def test_a_module_missing_from_the_table_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, problems = run(make(tmp_path, {**CLEAN, "history/newthing.py": ""}), capsys)
    assert code == 1
    assert problems == [
        "runbookkit/history/newthing.py:1: runbookkit.history.newthing is not in the stage table"
    ]


def test_the_table_decides_what_is_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make(tmp_path, {**CLEAN, "_dev/tool.py": "from runbookkit.cli import *\n"})
    assert run(root, capsys) == (0, [])
    report = imports.check(root)
    assert "runbookkit._dev.tool" not in report.stages
    uses = {"planning.py": "from runbookkit._dev import tool\n", "_dev/tool.py": ""}
    used = make(tmp_path / "used", {**CLEAN, **uses})
    code, problems = run(used, capsys)
    assert code == 1
    assert problems[0].startswith(
        "runbookkit/planning.py:1: imports runbookkit._dev.tool, which is"
    )


def test_a_table_and_stages_of_ones_own(tmp_path: Path) -> None:
    root = make(tmp_path, {"a.py": "from runbookkit import b\n", "b.py": ""})
    table = {"__init__": "top", "a": "low", "b": "high"}
    report = imports.check(root, table, (("low",), ("high",), ("top",)))
    assert report.problems == [
        "runbookkit/a.py:1: imports runbookkit.b (stage low -> later stage high)"
    ]
    assert imports.check(root, table, (("high",), ("low",), ("top",))).problems == []
