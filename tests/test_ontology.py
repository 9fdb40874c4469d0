"""The ontology (ontology/nsxkg.ttl) against the code and the data.

It must declare exactly the terms of the closed ``NSX`` namespace, label and define each one,
and cover every class and property the framework converter emits, with domains, ranges and
property kinds the converted data agrees with.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, Namespace, URIRef

from nsxkg.namespaces import NSX
from support import seed_quads

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY_FILE = ROOT / "ontology" / "nsxkg.ttl"

ONTOLOGY = URIRef("https://w3id.org/nsxkg/def")
NS = Namespace(NSX.iri)
VANN = Namespace("http://purl.org/vocab/vann/")
DCTERMS = Namespace("http://purl.org/dc/terms/")
CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")
XSD_STRING = URIRef("http://www.w3.org/2001/XMLSchema#string")

TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
              RDF.Property, OWL.NamedIndividual)
PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


@cache
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


@cache
def sample() -> Graph:
    """The Sales Managers framework as the converter emits it."""
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in seed_quads()}
    return Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")


def local(iri: object) -> str | None:
    text = str(iri)
    return text[len(NSX.iri):] if isinstance(iri, URIRef) and text.startswith(NSX.iri) else None


def declared() -> dict[str, set[URIRef]]:
    """Each nsx: term the ontology declares, with the OWL/RDF types it declares it as."""
    out: dict[str, set[URIRef]] = {}
    for kind in TERM_TYPES:
        for term in ontology().subjects(RDF.type, kind):
            name = local(term)
            if name is not None:
                out.setdefault(name, set()).add(kind)
    return out


def superclasses(cls: URIRef) -> set[URIRef]:
    return set(ontology().transitive_objects(cls, RDFS.subClassOf))


def types_of(node: object) -> set[URIRef]:
    """The classes a node of the sample is an instance of, with their superclasses."""
    direct = set(sample().objects(node, RDF.type))  # type: ignore[arg-type]
    return set().union(*(superclasses(c) for c in direct)) if direct else set()


def test_ontology_parses_with_rdflib_and_oxigraph() -> None:
    assert len(ontology()) > 0
    quads = list(ox.parse(path=ONTOLOGY_FILE, format=ox.RdfFormat.TURTLE))
    assert len(quads) == len(ontology())


def test_ontology_header() -> None:
    g = ontology()
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in g
    assert g.value(ONTOLOGY, DCTERMS.title) is not None
    assert g.value(ONTOLOGY, DCTERMS.description) is not None
    assert g.value(ONTOLOGY, DCTERMS.license) == CC_BY
    assert str(g.value(ONTOLOGY, OWL.versionInfo)) == "0.1.0"
    assert str(g.value(ONTOLOGY, DCTERMS.creator)) == "nsxkg contributors"
    assert str(g.value(ONTOLOGY, VANN.preferredNamespacePrefix)) == NSX.prefix
    assert str(g.value(ONTOLOGY, VANN.preferredNamespaceUri)) == NSX.iri


def test_declared_terms_are_the_closed_namespace() -> None:
    terms = set(declared())
    only_in_ontology = sorted(terms - NSX.terms)
    only_in_namespace = sorted(NSX.terms - terms)
    assert not only_in_ontology and not only_in_namespace, (
        f"declared in ontology/nsxkg.ttl but not in NSX (src/nsxkg/namespaces.py): "
        f"{only_in_ontology}\n"
        f"in NSX but not declared in ontology/nsxkg.ttl: {only_in_namespace}")


def test_every_nsx_iri_in_the_ontology_is_declared() -> None:
    """A misspelt nsx: IRI in a domain, range or superclass is caught here."""
    used = {local(t) for triple in ontology() for t in triple} - {None}
    undeclared = sorted(used - set(declared()))  # type: ignore[type-var]
    assert not undeclared, f"nsx: IRIs used in the ontology but never declared: {undeclared}"


@pytest.mark.parametrize("name", sorted(NSX.terms))
def test_term_is_labelled_defined_and_typed(name: str) -> None:
    g, term = ontology(), NS[name]
    for prop in (RDFS.label, SKOS.definition):
        english = [o for o in g.objects(term, prop)
                   if isinstance(o, Literal) and o.language == "en"]
        assert len(english) == 1, f"nsx:{name} needs exactly one English {prop.n3()}"
    assert (term, RDFS.isDefinedBy, ONTOLOGY) in g, f"nsx:{name} lacks rdfs:isDefinedBy"
    kinds = declared().get(name, set())
    is_class = OWL.Class in kinds
    is_property = bool(kinds & set(PROPERTY_TYPES))
    # The one individual: the text-search service (ontology section 11).
    is_individual = OWL.NamedIndividual in kinds
    assert is_class + is_property + is_individual == 1, \
        f"nsx:{name} must be exactly one of a class, a property or an individual"
    if is_individual:
        assert name == "textSearch", f"nsx:{name}: the only individual is nsx:textSearch"
    elif is_class:
        assert name[0].isupper(), f"class nsx:{name} should be UpperCamelCase"
    else:
        assert name[0].islower(), f"property nsx:{name} should be lowerCamelCase"
        assert len(kinds & {OWL.ObjectProperty, OWL.DatatypeProperty}) == 1, \
            f"nsx:{name} must be an owl:ObjectProperty or an owl:DatatypeProperty"


def test_framework_classes_and_properties_are_declared() -> None:
    used_classes = {local(o) for o in sample().objects(None, RDF.type)} - {None}
    used_properties = {local(p) for p in sample().predicates()} - {None}
    undeclared = sorted((used_classes | used_properties) - set(declared()))  # type: ignore[operator]
    assert not undeclared, f"the framework data uses undeclared nsx: terms: {undeclared}"
    classes = {n for n, k in declared().items() if OWL.Class in k}
    assert used_classes <= classes, f"used as classes but not owl:Class: {used_classes - classes}"


def test_framework_data_respects_property_kinds_and_ranges() -> None:
    g = ontology()
    problems = set()
    for s, p, o in sample():
        name = local(p)
        if name is None:
            continue
        kinds = declared()[name]
        if OWL.ObjectProperty in kinds and isinstance(o, Literal):
            problems.add(f"nsx:{name} is an object property but has a literal value")
        if OWL.DatatypeProperty in kinds and not isinstance(o, Literal):
            problems.add(f"nsx:{name} is a datatype property but has a non-literal value")
        for rng in g.objects(p, RDFS.range):
            if isinstance(o, Literal):
                datatype = RDF.langString if o.language else (o.datatype or XSD_STRING)
                if datatype != rng:
                    problems.add(f"nsx:{name} has a {datatype.n3()} value; its range is "
                                 f"{rng.n3()}")
            elif rng not in types_of(o):
                problems.add(f"nsx:{name} points to {o}, which is not a {rng.n3()}")
        for dom in g.objects(p, RDFS.domain):
            if dom not in types_of(s):
                problems.add(f"nsx:{name} is used on {s}, which is not a {dom.n3()}")
    assert not problems, "\n".join(sorted(problems))


def test_subclass_hierarchy_reuses_standard_vocabularies() -> None:
    g = ontology()
    skos_concept, schema_occupation = SKOS.Concept, URIRef("https://schema.org/Occupation")
    esco = Namespace("http://data.europa.eu/esco/model#")
    prov_entity = URIRef("http://www.w3.org/ns/prov#Entity")
    dcat = Namespace("http://www.w3.org/ns/dcat#")
    assert {skos_concept, schema_occupation} <= superclasses(NS.Occupation)
    assert (NS.Occupation, SKOS.closeMatch, esco.Occupation) in g
    assert (NS.SkillConcept, SKOS.closeMatch, esco.Skill) in g
    for family in ("ONetSkill", "Knowledge", "Ability", "WorkStyle", "TechnologyCategory",
                   "DurableSkillDomain"):
        assert {NS.SkillConcept, skos_concept} <= superclasses(NS[family]), family
    assert SKOS.ConceptScheme in superclasses(NS.ProficiencyScale)
    for level in ("MasteryLevel", "DurableSkillLevel"):
        assert {NS.ProficiencyLevel, skos_concept} <= superclasses(NS[level]), level
    assert {dcat.Dataset, prov_entity} <= superclasses(NS.FrameworkRelease)
    assert {prov_entity, dcat.Resource} <= superclasses(NS.Source)
    for kind in ("MasteryStatement", "AIUseStatement", "DurableSkillStatement"):
        assert {NS.Statement, prov_entity} <= superclasses(NS[kind]), kind
    assert (NS.cites, RDFS.subPropertyOf, DCTERMS.references) in g
    anchors = {local(p) for p in g.subjects(RDFS.subPropertyOf, NS.anchor)}
    assert anchors == {n for n in NSX.terms if n.startswith("anchor") and n != "anchor"}
