"""The published JSON Schema of framework files, generated from the typed model."""

from __future__ import annotations

from typing import Any

from nsxkg.frameworks.model import Framework

SCHEMA_ID = "https://w3id.org/nsxkg/schema/framework.schema.json"


def framework_json_schema() -> dict[str, Any]:
    schema = Framework.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            **schema, "title": "NSX occupation skills framework"}
