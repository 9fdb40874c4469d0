"""ESCO rows → quads, on ESCO's own URIs so the graph joins ESCO's published dataset."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC

from pyoxigraph import Literal, NamedNode, Quad

from nsxkg.convert.onet import SourceReport
from nsxkg.convert.terms import Triple, en, quads, string
from nsxkg.namespaces import DCAT, DCTERMS, ESCO, FOAF, NSX, OWL, RDF, SKOS, XSD
from nsxkg.sources.esco import (
    BROADER_OCCUPATIONS,
    CONCEPT_SCHEMES,
    ISCO_GROUPS,
    OCCUPATIONS,
    BroaderRelation,
    ConceptScheme,
    EscoOccupation,
    EscoRelease,
    IscoGroup,
)

ISCO_BASE = "http://data.europa.eu/esco/isco/C"
ESCO_ATTRIBUTION = ("ESCO classification v{version}, © European Union, "
                    "https://esco.ec.europa.eu/. Reused under the Commission's reuse policy "
                    "(Decision 2011/833/EU), with attribution.")


def esco_quads(release: EscoRelease, graph: NamedNode,
               report: SourceReport) -> Iterator[Quad]:
    yield from quads(graph, dataset(release, graph))
    steps: list[tuple[str, str, Iterator[tuple[int, list[Triple]]]]] = [
        ("occupations", OCCUPATIONS, ((o.row, occupation(o)) for o in release.occupations())),
        ("ISCO groups", ISCO_GROUPS, ((g.row, isco_group(g)) for g in release.isco_groups())),
        ("broader relations", BROADER_OCCUPATIONS,
         ((b.row, broader(b)) for b in release.broader_relations())),
        ("concept schemes", CONCEPT_SCHEMES,
         ((c.row, concept_scheme(c)) for c in release.concept_schemes())),
    ]
    for name, file_name, converted in steps:
        yield from report.quads(graph, converted, f"{release.label}: {name}",
                                str(release.table(file_name)))


def dataset(release: EscoRelease, graph: NamedNode) -> list[Triple]:
    return [
        (graph, RDF.type, DCAT.Dataset),
        (graph, DCTERMS.title, en(f"ESCO classification v{release.version} (English CSV)")),
        (graph, DCTERMS.publisher, string("European Commission")),
        (graph, DCAT.version, string(release.version)),
        (graph, OWL.versionInfo, string(release.version)),
        (graph, DCTERMS.license,
         NamedNode("https://eur-lex.europa.eu/eli/dec/2011/833/oj")),
        (graph, DCTERMS.rights, en(ESCO_ATTRIBUTION.format(version=release.version))),
        (graph, DCAT.landingPage, NamedNode("https://esco.ec.europa.eu/en/use-esco/download")),
        (graph, FOAF.homepage, NamedNode("https://esco.ec.europa.eu/")),
    ]


def _labels(node: NamedNode, pref: str, alt: tuple[str, ...],
            hidden: tuple[str, ...] = ()) -> list[Triple]:
    out: list[Triple] = [(node, SKOS.prefLabel, en(pref))]
    out += [(node, SKOS.altLabel, en(a)) for a in alt]
    out += [(node, SKOS.hiddenLabel, en(h)) for h in hidden]
    return out


def occupation(row: EscoOccupation) -> list[Triple]:
    node = NamedNode(row.uri)
    out: list[Triple] = [
        (node, RDF.type, ESCO.Occupation), (node, RDF.type, ESCO.MemberConcept),
        (node, RDF.type, SKOS.Concept),
        (node, SKOS.notation, string(row.code)),
        (node, NSX.escoStatus, string(row.status)),
        (node, NSX.iscoGroup, NamedNode(ISCO_BASE + row.isco_group)),
        (node, DCTERMS.modified,
         Literal(row.modified.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                 datatype=XSD.dateTime)),
        *_labels(node, row.preferred_label, row.alt_labels, row.hidden_labels),
        *[(node, SKOS.inScheme, NamedNode(s)) for s in row.in_scheme],
    ]
    if row.definition:
        out.append((node, SKOS.definition, en(row.definition)))
    if row.scope_note:
        out.append((node, SKOS.scopeNote, en(row.scope_note)))
    if row.description:
        out.append((node, DCTERMS.description, en(row.description)))
    if row.regulated_profession_note:
        out.append((node, NSX.regulatedProfessionNote, NamedNode(row.regulated_profession_note)))
    return out


def isco_group(row: IscoGroup) -> list[Triple]:
    node = NamedNode(row.uri)
    out: list[Triple] = [
        (node, RDF.type, SKOS.Concept),
        (node, SKOS.notation, string(row.code)),
        (node, NSX.escoStatus, string(row.status)),
        *_labels(node, row.preferred_label, row.alt_labels),
        *[(node, SKOS.inScheme, NamedNode(s)) for s in row.in_scheme],
    ]
    if row.description:
        out.append((node, DCTERMS.description, en(row.description)))
    return out


def broader(row: BroaderRelation) -> list[Triple]:
    return [(NamedNode(row.uri), SKOS.broader, NamedNode(row.broader_uri))]


def concept_scheme(row: ConceptScheme) -> list[Triple]:
    node = NamedNode(row.uri)
    out: list[Triple] = [(node, RDF.type, SKOS.ConceptScheme),
                         (node, SKOS.prefLabel, en(row.preferred_label))]
    if row.title:
        out.append((node, DCTERMS.title, en(row.title)))
    if row.description:
        out.append((node, DCTERMS.description, en(row.description)))
    return out
