"""The published JSON Schema is generated from the model and accepts the framework files."""

from __future__ import annotations

import json

import jsonschema
import yaml

from nsxkg.frameworks.schema import framework_json_schema
from support import DATA, FRAMEWORKS

PUBLISHED = FRAMEWORKS / "framework.schema.json"


def test_published_schema_is_current() -> None:
    published = json.loads(PUBLISHED.read_text(encoding="utf-8"))
    assert published == framework_json_schema(), (
        "data/frameworks/framework.schema.json is stale: run "
        "`nsxkg schema -o data/frameworks/framework.schema.json`")


def test_framework_files_satisfy_schema() -> None:
    schema = framework_json_schema()
    for path in [*FRAMEWORKS.glob("*.yaml"), *(DATA / "frameworks" / "valid").glob("*.yaml")]:
        jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema)


def test_schema_rejects_a_bad_code() -> None:
    schema = framework_json_schema()
    data = yaml.safe_load((FRAMEWORKS / "11-2022.00.yaml").read_text(encoding="utf-8"))
    data["occupation"]["code"] = "11-2022"
    validator = jsonschema.Draft202012Validator(schema)
    errors = list(validator.iter_errors(data))
    assert [list(e.absolute_path) for e in errors] == [["occupation", "code"]]
