"""The SPARQL 1.1 Service Description, answered on GET /sparql without a query."""

from __future__ import annotations

import pyoxigraph as ox

from nsxkg.formats import FORMATS
from nsxkg.namespaces import RDF
from nsxkg.web.deps import AppState

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
W3C_FORMATS = "http://www.w3.org/ns/formats/"
# The W3C format IRIs (https://www.w3.org/ns/formats/) of the formats the endpoint speaks.
FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON", "xml": "SPARQL_Results_XML", "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV", "turtle": "Turtle", "ntriples": "N-Triples",
    "jsonld": "JSON-LD", "rdfxml": "RDF_XML", "trig": "TriG", "nquads": "N-Quads",
}


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def service_description(state: AppState, endpoint: str) -> list[ox.Triple]:
    service = ox.NamedNode(endpoint)
    out: list[ox.Triple] = []

    def add(s: ox.NamedNode | ox.BlankNode, p: ox.NamedNode,
            o: ox.NamedNode | ox.BlankNode | ox.Literal) -> None:
        out.append(ox.Triple(s, p, o))

    add(service, RDF.type, _sd("Service"))
    add(service, _sd("endpoint"), service)
    add(service, _sd("supportedLanguage"), _sd("SPARQL11Query"))
    for fmt in FORMATS:
        if fmt.name in FORMAT_IRIS:
            add(service, _sd("resultFormat"), ox.NamedNode(W3C_FORMATS + FORMAT_IRIS[fmt.name]))
    # The default graph is the union of the named graphs unless default-graph-uri is given.
    add(service, _sd("feature"), _sd("UnionDefaultGraph"))
    if state.settings.service_allow:
        add(service, _sd("feature"), _sd("BasicFederatedQuery"))
    dataset = ox.BlankNode("dataset")
    add(service, _sd("defaultDataset"), dataset)
    add(dataset, RDF.type, _sd("Dataset"))
    default = ox.BlankNode("default")
    add(dataset, _sd("defaultGraph"), default)
    add(default, RDF.type, _sd("Graph"))
    add(default, ox.NamedNode(VOID + "triples"), ox.Literal(str(state.build.quads),
        datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")))
    graphs = state.build.manifest.get("graphs", [])
    for index, graph in enumerate(graphs if isinstance(graphs, list) else []):
        named = ox.BlankNode(f"g{index}")
        add(dataset, _sd("namedGraph"), named)
        add(named, RDF.type, _sd("NamedGraph"))
        add(named, _sd("name"), ox.NamedNode(str(graph["iri"])))
        body = ox.BlankNode(f"g{index}graph")
        add(named, _sd("graph"), body)
        add(body, RDF.type, _sd("Graph"))
        add(body, ox.NamedNode(VOID + "triples"), ox.Literal(str(graph["triples"]),
            datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")))
    return out
