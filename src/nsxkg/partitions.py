"""The VoID partitions of a loaded build (entities per class, triples per property, distinct
subjects), counted once by ``nsxkg load`` and kept beside the build as ``partitions.json``.

Counting them walks the whole graph: 15 s on the full build on this machine, which the
first request for ``/.well-known/void`` used to wait for after every start. A build loaded
before this file existed is counted on first use instead.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox

PARTITIONS_FILE = "partitions.json"

Partitions = tuple[list[tuple[str, int]], list[tuple[str, int]], int]


def _rows(store: ox.Store, query: str) -> list[ox.QuerySolution]:
    result = store.query(query, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    return list(result)


def count(store: ox.Store) -> Partitions:
    classes = [(s["c"].value, int(s["n"].value)) for s in _rows(
        store, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c")]
    properties = [(s["p"].value, int(s["n"].value)) for s in _rows(
        store, "SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } "
               "GROUP BY ?p ORDER BY ?p")]
    subjects = int(_rows(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }")[0]["n"]
                   .value)
    return classes, properties, subjects


def write(partitions: Partitions, directory: Path) -> None:
    classes, properties, subjects = partitions
    (directory / PARTITIONS_FILE).write_text(json.dumps(
        {"classes": classes, "properties": properties, "subjects": subjects}), encoding="utf-8")


def for_build(store: ox.Store, build_path: Path) -> Partitions:
    """The counts ``nsxkg load`` kept, or counted now for a build loaded without them."""
    try:
        data = json.loads((build_path / PARTITIONS_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return count(store)
    return ([(c, int(n)) for c, n in data["classes"]],
            [(p, int(n)) for p, n in data["properties"]], int(data["subjects"]))
