"""schema/runbook.schema.json is what the model generates, and parse --json validates against it."""

from __future__ import annotations

import json

import jsonschema
import pytest

from runbookkit.model import json_schema
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
    # It prints the parse tree, without building the model: the same document the model dumps.
    assert data == parse_file(path).model_dump(mode="json")


def test_schema_rejects_a_broken_model() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"id": "x"}, schema)
