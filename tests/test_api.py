"""The public API of ``runbookkit``: every name importable, and ``import runbookkit`` cheap."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import runbookkit
from tests.conftest import REDIS


@pytest.mark.parametrize("name", [n for n in runbookkit.__all__ if n != "__version__"])
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(runbookkit, name) is not None
    assert name in dir(runbookkit)


def test_all_lists_exactly_the_lazy_exports() -> None:
    assert sorted(runbookkit.__all__) == sorted(["__version__", *runbookkit._EXPORTS])


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = runbookkit.nope  # type: ignore[attr-defined]


def test_errors_form_one_hierarchy() -> None:
    for name in ("ParseError", "ConfigError", "NotFoundError", "ExecutionError", "HistoryError"):
        assert issubclass(getattr(runbookkit, name), runbookkit.RunbookError)


def test_parse_and_plan_through_the_package() -> None:
    runbook = runbookkit.parse_file(REDIS)
    assert isinstance(runbook, runbookkit.Runbook)
    planned = runbookkit.plan(runbook, "fix")
    assert isinstance(planned, runbookkit.Plan)
    assert planned.steps[0].step.title == "Start Redis service"
    text = runbookkit.parse_text("# T\n\n## Fix\n\n```bash\necho hi\n```\n")
    assert text.sections[0].steps[0].commands[0].text == "echo hi"


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_import_loads_nothing_heavy() -> None:
    code = (
        "import sys, runbookkit\n"
        "print(sorted({'pydantic', 'markdown_it', 'click', 'yaml', 'ftfy'} & set(sys.modules)))"
    )
    assert _run(code) == "[]"


def test_parse_json_needs_no_pydantic() -> None:
    """`runbookkit parse --json` prints the parse tree: its start-up skips pydantic and fabric."""
    code = (
        "import sys\nfrom runbookkit.cli import main\n"
        f"try:\n    main(['parse', '--json', {str(REDIS)!r}])\nexcept SystemExit as exc:\n"
        "    assert exc.code == 0, exc.code\n"
        "print(sorted({'pydantic', 'fabric', 'ftfy', 'yaml'} & set(sys.modules)), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout)["id"] == "redis-connection-refused"
    assert done.stderr.strip() == "[]"


@pytest.mark.parametrize(
    "first",
    [
        "import runbookkit",
        "import runbookkit.planning",
        "from runbookkit import plan",
        "import runbookkit.cli.catalog",
    ],
)
def test_plan_is_the_function_whatever_the_import_order(first: str) -> None:
    code = (
        f"{first}\nimport types, runbookkit, runbookkit.planning\n"
        "print(runbookkit.plan is runbookkit.planning.plan,"
        " isinstance(runbookkit.plan, types.FunctionType))"
    )
    assert _run(code) == "True True"


def test_plan_is_not_a_module() -> None:
    code = (
        "try:\n    import runbookkit.plan\nexcept ModuleNotFoundError:\n    print('none')\n"
        "else:\n    print('module')"
    )
    assert _run(code) == "none"


@pytest.mark.parametrize("argv", [["schema"], ["nope"], ["parse", "missing.md"], ["--help"]])
def test_main_leaves_the_collector_on(argv: list[str]) -> None:
    code = (
        "import gc\nfrom runbookkit.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        "print(gc.isenabled())"
    )
    assert _run(code).splitlines()[-1] == "True"


def test_a_local_run_needs_no_ssh_stack(tmp_path) -> None:
    """Local steps run in a bash session of their own: fabric, paramiko and invoke stay out."""
    runbook = tmp_path / "local.md"
    runbook.write_text("# Local\n\n## Fix\n\n```bash\ncd /tmp\npwd\n```\n", encoding="utf-8")
    code = (
        "import sys\nfrom runbookkit.cli import main\n"
        f"try:\n    main(['run', {str(runbook)!r}, '-s', 'fix', '--json'])\n"
        "except SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "print(sorted({'fabric', 'paramiko', 'invoke', 'tree_sitter'} & set(sys.modules)),"
        " file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.strip().splitlines()[-1] == "[]"
