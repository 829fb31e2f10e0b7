"""The runbook model: one set of dataclasses, validated and described by pydantic at the edges."""

from __future__ import annotations

import dataclasses
import inspect
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from runbookkit import model
from runbookkit.model import changed, from_data, to_data, to_json
from runbookkit.parsing import parse_file

ROOT = Path(__file__).resolve().parent.parent
RUNBOOKS = sorted(
    [
        *(ROOT / "runbooks").glob("*.md"),
        ROOT / "tests" / "data" / "seed.md",
        *(ROOT / "tests" / "data" / "dialects").glob("*.md"),
    ]
)
NODES = [
    value
    for value in vars(model).values()
    if isinstance(value, type) and dataclasses.is_dataclass(value)
]


def test_every_class_of_the_model_is_described_in_the_schema() -> None:
    schema = model.json_schema()
    described = {**schema["$defs"], "Runbook": schema}
    assert len(NODES) >= 15
    for cls in NODES:
        if cls is model.Block:  # only ever inside a section or subsection
            continue
        assert described[cls.__name__]["description"] == inspect.cleandoc(cls.__doc__ or "")
        properties = described[cls.__name__]["properties"]
        assert list(properties) == [f.name for f in dataclasses.fields(cls)]
    assert schema["$defs"]["Command"]["properties"]["raw"]["description"] == (
        "The command exactly as written."
    )


@pytest.mark.parametrize("path", RUNBOOKS, ids=lambda p: p.name)
def test_the_json_validates_back_into_the_same_runbook(path: Path) -> None:
    runbook = parse_file(path)
    assert runbook.sections, path  # every one of them has sections: the comparison is real
    data = json.loads(to_json(runbook))
    assert data == to_data(runbook)
    assert from_data(data) == runbook


def test_json_from_outside_is_validated() -> None:
    data = to_data(parse_file(ROOT / "runbooks" / "redis-connection-refused.md"))
    data["metadata"]["severity"] = "urgent"
    with pytest.raises(ValidationError, match="severity"):
        from_data(data)
    data["metadata"]["severity"] = "high"
    blocks = [block for section in data["sections"] for block in [section, *section["subsections"]]]
    step = next(step for block in blocks for step in block["steps"])
    step["retry"] = {"attempts": 0, "delay": 1}
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        from_data(data)
    step["retry"] = None
    data["surprise"] = 1
    with pytest.raises(ValidationError, match="surprise"):
        from_data(data)


def test_changed_copies_with_fields_replaced() -> None:
    runbook = parse_file(ROOT / "runbooks" / "redis-connection-refused.md")
    copy = changed(runbook, id="other")
    assert (copy.id, runbook.id) == ("other", "redis-connection-refused")
    assert copy.sections is runbook.sections


def test_section_lookup_prefers_an_exact_id_and_says_so() -> None:
    from runbookkit.parsing import parse_text
    from runbookkit.planning import plan

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
