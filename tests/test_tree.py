"""The parse tree mirrors the model: the same classes, fields, order and defaults, the same JSON."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from runbookkit import model, tree
from runbookkit.parsing import tree_file, validate

ROOT = Path(__file__).resolve().parent.parent
RUNBOOKS = sorted(
    [
        *(ROOT / "runbooks").glob("*.md"),
        ROOT / "tests" / "data" / "seed.md",
        *(ROOT / "tests" / "data" / "dialects").glob("*.md"),
    ]
)
NODES = sorted(
    name
    for name, value in vars(tree).items()
    if isinstance(value, type) and dataclasses.is_dataclass(value)
)
MODELS = sorted(
    name
    for name, value in vars(model).items()
    if isinstance(value, type)
    and issubclass(value, BaseModel)
    and not name.startswith("_")
    and value.__module__ == model.__name__
)


def test_every_model_class_has_a_node() -> None:
    assert NODES == MODELS
    assert len(NODES) >= 15


def _tree_fields(cls: Any) -> list[tuple[str, Any]]:
    out = []
    for f in dataclasses.fields(cls):
        if f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = "<required>" if f.default is dataclasses.MISSING else f.default
        out.append((f.name, default))
    return out


def _model_fields(cls: type[BaseModel]) -> list[tuple[str, Any]]:
    return [
        (name, "<required>" if info.is_required() else info.get_default(call_default_factory=True))
        for name, info in cls.model_fields.items()
    ]


@pytest.mark.parametrize("name", NODES)
def test_fields_match_in_order_with_defaults(name: str) -> None:
    assert _tree_fields(getattr(tree, name)) == _model_fields(getattr(model, name))


def test_severity_is_one_class() -> None:
    assert model.Severity is tree.Severity


@pytest.mark.parametrize("path", RUNBOOKS, ids=lambda p: p.name)
def test_tree_json_is_the_model_json(path: Path) -> None:
    parsed = tree_file(path)
    runbook = validate(parsed)
    assert json.loads(tree.to_json(parsed)) == json.loads(runbook.model_dump_json())
    assert runbook.sections, path  # every one of them has sections: the comparison is real


def test_section_lookup_prefers_an_exact_id_and_says_so() -> None:
    from runbookkit.parsing import parse_text
    from runbookkit.planning import plan
    from runbookkit.tree import changed

    text = "# T\n\n## Mitigation\n\n```bash\necho fix\n```\n\n## Steps\n\n```bash\necho b\n```\n"
    runbook = parse_text(text, path="t.md", runbook_id="t")
    # A heading id (`## Steps {#mitigation}`) gives the second section the id "mitigation".
    runbook.sections[1] = changed(runbook.sections[1], id="mitigation")
    found, note = runbook.section_lookup("Mitigation")
    assert (found.id, found.line) == ("mitigation", 9)
    assert (
        note is not None and "by its id" in note and "'fix' (line 3, titled 'Mitigation')" in note
    )
    assert runbook.section_lookup("fix") == (runbook.sections[0], None)
    assert runbook.section("steps").id == "mitigation"  # by title when no id matches
    planned = plan(runbook, "mitigation")
    assert planned.section.id == "mitigation"
    assert planned.chosen == runbook.section_lookup("mitigation")[1]
    assert planned.chosen is not None
    from runbookkit.planning import render

    assert f"note: {planned.chosen}" in render(planned).splitlines()
