"""The published JSON Schemas are generated from the model and accept the framework files."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from nsxkg.frameworks.schema import json_schema
from support import DATA, FRAMEWORKS, SEED


@pytest.mark.parametrize("kind", ["framework", "reference"])
def test_published_schema_is_current(kind: str) -> None:
    published = json.loads((FRAMEWORKS / f"{kind}.schema.json").read_text(encoding="utf-8"))
    assert published == json_schema(kind), (
        f"data/frameworks/{kind}.schema.json is stale: run "
        f"`nsxkg schema --kind {kind} -o data/frameworks/{kind}.schema.json`")


def test_framework_files_satisfy_schema() -> None:
    schema = json_schema("framework")
    releases = [*FRAMEWORKS.glob("*/*.yaml"), *(DATA / "frameworks" / "valid").glob("*/*.yaml")]
    assert len(releases) >= 2
    for path in releases:
        jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema)
    for path in [FRAMEWORKS / "reference.yaml", DATA / "frameworks" / "valid" / "reference.yaml"]:
        jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")),
                            json_schema("reference"))


def test_schema_rejects_a_bad_code_and_a_missing_key() -> None:
    validator = jsonschema.Draft202012Validator(json_schema("framework"))
    data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    data["occupation"]["code"] = "11-2022"
    del data["mastery"][0]["statements"][0]["key"]
    errors = sorted(list(e.absolute_path) for e in validator.iter_errors(data))
    assert errors == [["mastery", 0, "statements", 0], ["occupation", "code"]]
