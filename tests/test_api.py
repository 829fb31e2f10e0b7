"""The public API of ``runbookkit``: every name importable, and ``import runbookkit`` cheap."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import runbookkit
from tests.conftest import REDIS


@pytest.mark.parametrize("name", [n for n in runbookkit.__all__ if n != "__version__"])
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(runbookkit, name) is not None
    assert name in dir(runbookkit)


def test_all_lists_exactly_the_lazy_exports() -> None:
    assert sorted(runbookkit.__all__) == sorted(["__version__", *runbookkit._EXPORTS])


def _type_checking_imports() -> dict[str, str]:
    """What the ``if TYPE_CHECKING:`` block of ``runbookkit/__init__.py`` imports from
    runbookkit: name -> module (each as ``X as X``, an explicit re-export)."""
    tree = ast.parse(Path(runbookkit.__file__).read_text(encoding="utf-8"))
    blocks = [
        node
        for node in tree.body
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
    ]
    assert len(blocks) == 1
    found: dict[str, str] = {}
    for node in blocks[0].body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("runbookkit"):
            for alias in node.names:
                assert alias.asname == alias.name, f"{alias.name} is not re-exported as itself"
                assert alias.name not in found, f"{alias.name} is imported twice"
                found[alias.name] = str(node.module)
    return found


def test_the_type_checking_imports_name_exactly_the_table() -> None:
    assert _type_checking_imports() == runbookkit._EXPORTS


def _defined_at_top_level(path: Path) -> set[str]:
    """The names a module's source defines itself (classes, functions, assignments), not
    those it imports."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


@pytest.mark.parametrize("name", sorted(runbookkit._EXPORTS))
def test_every_exported_name_is_defined_in_the_module_the_table_names(name: str) -> None:
    module = importlib.import_module(runbookkit._EXPORTS[name])
    value = getattr(runbookkit, name)
    assert value is getattr(module, name)
    assert module.__file__ is not None
    assert name in _defined_at_top_level(Path(module.__file__))
    if inspect.isclass(value) or inspect.isfunction(value):
        assert value.__module__ == module.__name__


def test_no_public_name_is_also_a_submodule() -> None:
    """A name that is both (``runbookkit.plan`` was) is whichever the import system bound last."""
    submodules = {info.name for info in pkgutil.iter_modules(runbookkit.__path__)}
    assert submodules & set(runbookkit._EXPORTS) == set()


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
        "import runbookkit.cli.runbooks",
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
