"""The description a resource's IRI dereferences to, read straight from the store.

A description holds the resource's own triples (from every named graph), the closure of the
blank nodes they reach, the labels of the IRIs it links to, and the triples that link to it
(with their subjects' labels), so a consumer can render it without a second request. It is
read with ``quads_for_pattern`` lookups, not SPARQL: that keeps a dereference to well under
a millisecond of store time.
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from typing import Any

import pyoxigraph as ox

from nsxkg.namespaces import DCTERMS, NSX, PREFIXES, RDF, RDFS, SKOS

LABELS = (SKOS.prefLabel, RDFS.label, DCTERMS.title, NSX.citationLabel)
# Incoming links beyond this many are left to SPARQL (a skill rated for every occupation
# has thousands); the description says how many there are in all.
INCOMING_LIMIT = 500
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

Subject = ox.NamedNode | ox.BlankNode


def exists(store: ox.Store, iri: str) -> bool:
    try:
        node = ox.NamedNode(iri)
    except ValueError:  # a raw request path holding characters no IRI may contain
        return False
    return (next(iter(store.quads_for_pattern(node, None, None, None)), None) is not None or
            next(iter(store.quads_for_pattern(None, None, node, None)), None) is not None)


def describe(store: ox.Store, iri: str) -> list[ox.Triple]:
    node = ox.NamedNode(iri)
    triples: dict[ox.Triple, None] = {}  # ordered and without the copies other graphs hold
    pending: list[Subject] = [node]
    seen: set[Subject] = set()
    linked: set[ox.NamedNode] = set()
    while pending:
        subject = pending.pop()
        if subject in seen:
            continue
        seen.add(subject)
        for quad in store.quads_for_pattern(subject, None, None, None):
            triples[quad.triple] = None
            obj = quad.object
            if isinstance(obj, ox.BlankNode):
                pending.append(obj)
            elif isinstance(obj, ox.NamedNode):
                linked.add(obj)
    for quad in itertools.islice(store.quads_for_pattern(None, None, node, None),
                                 INCOMING_LIMIT):
        triples[quad.triple] = None
        if isinstance(quad.subject, ox.NamedNode):
            linked.add(quad.subject)
    linked.discard(node)
    for other in sorted(linked, key=lambda n: n.value):
        triples.update(dict.fromkeys(label_of(store, other)))
    # Cited sources also carry their citation label: pages show it on the chips.
    for quad in store.quads_for_pattern(node, NSX.cites, None, None):
        if isinstance(quad.object, ox.NamedNode):
            for label in store.quads_for_pattern(quad.object, NSX.citationLabel, None, None):
                triples[label.triple] = None
    return list(triples)


def label_of(store: ox.Store, node: ox.NamedNode) -> list[ox.Triple]:
    """One label property per linked resource (the first of LABELS it has) is enough to show
    it, and keeps a resource with hundreds of links to a lookup or two each."""
    for index, prop in enumerate(LABELS):
        found = [q.triple for q in store.quads_for_pattern(node, prop, None, None)]
        if found:
            return found
        # O*NET ratings (hundreds link to a skill or an occupation) carry no label: after
        # the first miss, one type lookup saves the remaining label lookups.
        if index == 0 and next(iter(store.quads_for_pattern(node, RDF.type, NSX.Rating, None)),
                               None) is not None:
            return []
    return []


def context_document(base_iri: str) -> dict[str, Any]:
    """The published JSON-LD @context: the project's prefixes, and ``id`` for its IRIs."""
    terms: dict[str, Any] = dict(sorted(PREFIXES.items()))
    terms["id"] = base_iri + "id/"
    return {"@context": terms}


def to_jsonld(triples: list[ox.Triple], context_url: str, base_iri: str) -> bytes:
    """Compact JSON-LD against the published context: keys and types as prefixed names."""
    prefixes = context_document(base_iri)["@context"]
    ordered = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))

    def compact(iri: str) -> str:
        for prefix, ns in ordered:
            if iri.startswith(ns) and len(iri) > len(ns) and not iri[len(ns):].startswith("//"):
                return f"{prefix}:{iri[len(ns):]}"
        return iri

    def ref(term: ox.NamedNode | ox.BlankNode) -> str:
        return f"_:{term.value}" if isinstance(term, ox.BlankNode) else term.value

    nodes: dict[str, dict[str, Any]] = {}
    values: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        subject = t.subject
        assert isinstance(subject, ox.NamedNode | ox.BlankNode)
        key = ref(subject)
        node = nodes.setdefault(key, {"@id": key})
        obj = t.object
        if t.predicate == RDF.type and isinstance(obj, ox.NamedNode):
            node.setdefault("@type", []).append(compact(obj.value))
            continue
        if isinstance(obj, ox.NamedNode | ox.BlankNode):
            value: dict[str, Any] = {"@id": ref(obj)}
        elif isinstance(obj, ox.Literal):
            value = {"@value": obj.value}
            if obj.language:
                value["@language"] = obj.language
            elif obj.datatype.value != XSD_STRING:
                value["@type"] = compact(obj.datatype.value)
        else:
            continue
        values[key][compact(t.predicate.value)].append(value)
    graph = []
    for key, node in nodes.items():
        graph.append({**node, **values.get(key, {})})
    doc = {"@context": context_url, "@graph": graph}
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
