"""What the data-model diagram shows, read from the ontology's own axioms: classes, their
subclass axioms, and properties with their rdfs:domain and rdfs:range."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from nsxkg.errors import InputError
from nsxkg.namespaces import NSX, PREFIXES


def compact(iri: str) -> str:
    """``nsx:`` terms by their local name, other vocabularies as ``prefix:name``."""
    if iri.startswith(NSX.iri):
        return iri[len(NSX.iri):]
    for prefix, namespace in sorted(PREFIXES.items()):
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return f"<{iri}>"


@dataclass
class ClassBox:
    iri: str
    external: bool = False  # a class of another vocabulary that nsx properties point to
    supers: list[str] = field(default_factory=list)  # superclasses outside nsx, compacted
    attributes: list[str] = field(default_factory=list)  # "property : range" lines

    @property
    def name(self) -> str:
        return compact(self.iri)


@dataclass
class Link:
    source: str  # class IRI: the subclass, or the property's domain
    target: str  # the superclass, or the property's range
    label: str  # property names; empty for subclass links
    subclass: bool


@dataclass
class OntologyModel:
    classes: dict[str, ClassBox]
    links: list[Link]
    undomained: list[str]  # "property → range" for properties used on several classes


_PROPERTIES = """
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?p ?kind ?domain ?range WHERE {
  VALUES ?kind { owl:ObjectProperty owl:DatatypeProperty }
  ?p a ?kind .
  OPTIONAL { ?p rdfs:domain ?domain }
  OPTIONAL { ?p rdfs:range ?range }
}"""


def read_model(ontology_dir: Path) -> OntologyModel:
    store = ox.Store()
    files = sorted(ontology_dir.glob("*.ttl"))
    if not files:
        raise InputError.at(ontology_dir, "no ontology files (*.ttl) found")
    for path in files:
        try:
            store.bulk_load(path=path, format=ox.RdfFormat.TURTLE)
        except SyntaxError as err:
            raise InputError.at(path, f"malformed Turtle: {err}") from err
    return _model(store)


def _select(store: ox.Store, query: str) -> list[ox.QuerySolution]:
    result = store.query(query)
    assert isinstance(result, ox.QuerySolutions)
    return list(result)


def _model(store: ox.Store) -> OntologyModel:
    classes: dict[str, ClassBox] = {}
    for row in _select(store, "SELECT ?c WHERE { ?c a <http://www.w3.org/2002/07/owl#Class> }"):
        iri = row["c"].value
        if iri.startswith(NSX.iri):
            classes[iri] = ClassBox(iri)
    links: list[Link] = []
    for row in _select(store, "SELECT ?c ?s WHERE { ?c "
                              "<http://www.w3.org/2000/01/rdf-schema#subClassOf> ?s }"):
        sub, sup = row["c"].value, row["s"].value
        if sub not in classes:
            continue
        if sup in classes:
            links.append(Link(sub, sup, "", subclass=True))
        else:
            classes[sub].supers.append(compact(sup))
    # Several properties between the same two classes share one arrow, labelled with all.
    between: dict[tuple[str, str], list[str]] = defaultdict(list)
    undomained: list[str] = []
    for row in _select(store, _PROPERTIES):
        name = compact(row["p"].value)
        domain = row["domain"].value if row["domain"] is not None else None
        target = row["range"].value if row["range"] is not None else None
        datatype = row["kind"].value.endswith("DatatypeProperty")
        shown_range = compact(target) if target else "(any)"
        if domain is None:
            undomained.append(f"{name} → {shown_range}")
        elif datatype or target is None:
            _box(classes, domain).attributes.append(f"{name} : {shown_range}")
        else:
            _box(classes, domain)
            _box(classes, target)
            between[(domain, target)].append(name)
    links += [Link(d, r, ", ".join(sorted(names)), subclass=False)
              for (d, r), names in between.items()]
    for box in classes.values():
        box.supers.sort()
        box.attributes.sort()
    links.sort(key=lambda link: (link.source, link.target, link.label))
    return OntologyModel(dict(sorted(classes.items())), links, sorted(undomained))


def _box(classes: dict[str, ClassBox], iri: str) -> ClassBox:
    if iri not in classes:
        classes[iri] = ClassBox(iri, external=True)
    return classes[iri]
