"""schema/runbook.schema.json is what the model generates, and parse --json validates against it."""

from __future__ import annotations

import json

import jsonschema
import pytest

from runbookkit.model import from_data, json_schema, to_data
from runbookkit.parsing import parse_file
from tests.conftest import REDIS, ROOT, SEED

SCHEMA = ROOT / "schema" / "runbook.schema.json"


def test_schema_file_is_current() -> None:
    on_disk = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert on_disk == json_schema(), "run `runbookkit schema > schema/runbook.schema.json`"


@pytest.mark.parametrize("path", [SEED, REDIS], ids=["seed", "redis"])
def test_parse_json_validates(path, cli) -> None:
    result = cli("parse", "--json", str(path))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["metadata"]["severity"] == "high"
    # The same document the runbook gives in Python, and the same runbook validated back.
    assert data == to_data(parse_file(path))
    assert from_data(data) == parse_file(path)


def test_schema_rejects_a_broken_model() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"id": "x"}, schema)
