"""The published JSON Schemas of the framework files, generated from the typed model."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from nsxkg.frameworks.model import Framework, Reference

SCHEMA_BASE = "https://w3id.org/nsxkg/schema/"
SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "framework": (Framework, "NSX occupation skills framework release"),
    "reference": (Reference, "NSX framework reference data (sources, durable-skill domains)"),
}


def json_schema(kind: str = "framework") -> dict[str, Any]:
    """The JSON Schema of a release file (``framework``) or of reference.yaml
    (``reference``)."""
    model, title = SCHEMAS[kind]
    schema = model.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"{SCHEMA_BASE}{kind}.schema.json", **schema, "title": title}


def framework_json_schema() -> dict[str, Any]:
    return json_schema("framework")
