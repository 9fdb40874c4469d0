"""A release as CSV, one row per statement, with its CSVW metadata (W3C CSV on the Web), for
spreadsheets and tools that import tables (CaSS reads such CSV).

Rows follow the page: mastery by level, then AI use by level, then each durable-skill domain
by level, each block in page order. The metadata file describes every column (name, title,
datatype, whether it may be empty) and names the table it describes by its file name, so the
two files travel together: ``X.csv`` and ``X.csv-metadata.json`` (the name CSVW looks for).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from nsxkg.export.release import Release

MEDIA_TYPE = "text/csv; charset=utf-8"
METADATA_MEDIA_TYPE = "application/csvm+json"
SUFFIX = ".csv"
METADATA_SUFFIX = ".csv-metadata.json"

# (name, title, datatype, required, description)
COLUMNS: list[tuple[str, str, str, bool, str]] = [
    ("occupation", "Occupation", "string", True, "O*NET-SOC code of the occupation"),
    ("release", "Release", "string", True, "The framework release (version)"),
    ("kind", "Kind", "string", True, "mastery, ai-use or durable"),
    ("level", "Level", "string", True, "The statement's level"),
    ("domain", "Domain", "string", False, "The durable-skill domain (durable statements only)"),
    ("position", "Position", "integer", True, "Place of the statement within its level"),
    ("focus", "Focus", "string", True, "The focus phrase or title of the statement"),
    ("text", "Text", "string", True, "The statement, after its focus phrase"),
    ("citations", "Citations", "string", False, "Citation chips of the sources it cites, "
                                                 "separated by ' | '"),
    ("iri", "IRI", "anyURI", True, "The statement across releases, in nsxkg"),
]


def rows(release: Release) -> Iterator[dict[str, Any]]:
    view = release.view
    sections = [("mastery", None, view["mastery"]), ("ai-use", None, view["ai_use"])]
    sections += [("durable", d["label"], d["levels"]) for d in view["domains"]]
    for kind, domain, blocks in sections:
        for block in blocks:
            for st in block["statements"]:
                yield {"occupation": release.code, "release": release.version, "kind": kind,
                       "level": block["label"], "domain": domain or "",
                       "position": st["position"], "focus": st["focus"], "text": st["text"],
                       "citations": " | ".join(c["label"] for c in st["cites"]),
                       "iri": st["lineage"]}


def render(release: Release) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=[c[0] for c in COLUMNS], lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows(release))
    return out.getvalue().encode("utf-8")


def file_name(release: Release) -> str:
    return f"{release.code}-{release.version}{SUFFIX}"


def metadata(release: Release, table_url: str) -> dict[str, Any]:
    """CSVW metadata for the table at ``table_url`` (relative to the metadata file)."""
    view = release.view
    return {
        "@context": "http://www.w3.org/ns/csvw",
        "url": table_url,
        "dc:title": f"{view['label']} skills framework, release {release.version}: statements",
        "dc:source": view["release"]["rel"],
        "dialect": {"header": True, "encoding": "utf-8"},
        "tableSchema": {
            "columns": [{"name": name, "titles": title, "datatype": datatype,
                         "required": required, "dc:description": description}
                        for name, title, datatype, required, description in COLUMNS],
            "primaryKey": "iri",
            "aboutUrl": "{+iri}",
        },
    }


def render_metadata(release: Release, table_url: str) -> bytes:
    return (json.dumps(metadata(release, table_url), ensure_ascii=False, indent=2)
            + "\n").encode("utf-8")
