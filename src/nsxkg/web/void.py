"""The dataset described with VoID and DCAT, at /.well-known/void (RFC 8615 well-known URI
registered for VoID: https://www.w3.org/TR/void/#well-known).

Counts come from the loaded build: triples per named graph, class partitions (entities per
class) and property partitions (triples per property); ``nsxkg load`` counted the
partitions (``nsxkg.partitions``), and the description is assembled on first request and
kept.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response

from nsxkg import __version__, partitions
from nsxkg.convert.framework import release_graph
from nsxkg.iris import Iris
from nsxkg.namespaces import DCAT, DCTERMS, FOAF, NSX, PREFIXES, RDF, SKOS
from nsxkg.web import frameworks
from nsxkg.web.deps import AppState, State
from nsxkg.web.http import error, etag_for, get_and_head, not_modified, validators
from nsxkg.web.linked_data import DOCUMENT_FORMATS, _graphs, dump_name
from nsxkg.web.negotiation import NotAcceptable, UnknownFormat, negotiate

router = APIRouter()

VOID = "http://rdfs.org/ns/void#"
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
RDF_FORMATS = [f for f in DOCUMENT_FORMATS if f.name != "html"]


def _v(name: str) -> ox.NamedNode:
    return ox.NamedNode(VOID + name)


def _count(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=XSD_INTEGER)


def void_triples(state: AppState, root: str) -> list[ox.Triple]:
    cached = state.cache.get(f"void {root}")
    if cached is not None:
        result: list[ox.Triple] = cached
        return result
    store = state.store
    out: list[ox.Triple] = []

    def add(s: ox.NamedNode | ox.BlankNode, p: ox.NamedNode,
            o: ox.NamedNode | ox.BlankNode | ox.Literal) -> None:
        out.append(ox.Triple(s, p, o))

    description = ox.NamedNode(root + ".well-known/void")
    dataset = ox.NamedNode(root + ".well-known/void#dataset")
    add(description, RDF.type, _v("DatasetDescription"))
    add(description, DCTERMS.title, ox.Literal("VoID description of the NSX Skills Knowledge "
                                               "Graph", language="en"))
    add(description, FOAF.page, dataset)
    add(dataset, RDF.type, _v("Dataset"))
    add(dataset, RDF.type, DCAT.Dataset)
    add(dataset, DCTERMS.title, ox.Literal("NSX Skills Knowledge Graph", language="en"))
    add(dataset, DCTERMS.description, ox.Literal(
        "Occupations, tasks, skills, mastery levels, statements and their sources as RDF.",
        language="en"))
    add(dataset, DCAT.version, ox.Literal(state.build.digest[:16] or __version__))
    add(dataset, DCTERMS.modified, ox.Literal(
        state.last_modified.isoformat(),
        datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")))
    add(dataset, DCTERMS.license, ox.NamedNode(state.settings.dataset_license))
    add(dataset, _v("sparqlEndpoint"), ox.NamedNode(root + "sparql"))
    add(dataset, _v("uriSpace"), ox.Literal(state.settings.base_iri + "id/"))
    add(dataset, _v("vocabulary"), ox.NamedNode(NSX.iri))
    add(dataset, _v("triples"), _count(state.build.quads))
    add(dataset, _v("exampleResource"),
        ox.NamedNode(state.settings.base_iri + "id/occupation/11-2022.00"))
    classes, properties, subjects = partitions.for_build(store, state.build.path)
    add(dataset, _v("classes"), _count(len(classes)))
    add(dataset, _v("properties"), _count(len(properties)))
    add(dataset, _v("distinctSubjects"), _count(subjects))
    for index, (cls, n) in enumerate(classes):
        node = ox.BlankNode(f"class{index}")
        add(dataset, _v("classPartition"), node)
        add(node, _v("class"), ox.NamedNode(cls))
        add(node, _v("entities"), _count(n))
    for index, (prop, n) in enumerate(properties):
        node = ox.BlankNode(f"property{index}")
        add(dataset, _v("propertyPartition"), node)
        add(node, _v("property"), ox.NamedNode(prop))
        add(node, _v("triples"), _count(n))
    # Attribution: every source the data derives from, with its own licence and homepage.
    for quad in store.quads_for_pattern(None, RDF.type, NSX.Source, None):
        source = quad.subject
        assert isinstance(source, ox.NamedNode)
        add(dataset, DCTERMS.source, source)
        for fact_prop in (SKOS.prefLabel, DCTERMS.title, DCTERMS.publisher, DCTERMS.license,
                          FOAF.homepage):
            for fact in store.quads_for_pattern(source, fact_prop, None, None):
                add(source, fact_prop, fact.object)  # type: ignore[arg-type]
    dump = ox.BlankNode("dump")
    add(dataset, _v("dataDump"), ox.NamedNode(root + "dumps/nsxkg.nq.gz"))
    add(dataset, DCAT.distribution, dump)
    add(dump, RDF.type, DCAT.Distribution)
    add(dump, DCAT.downloadURL, ox.NamedNode(root + "dumps/nsxkg.nq.gz"))
    add(dump, DCAT.mediaType, ox.Literal("application/n-quads"))
    add(dump, DCTERMS.format, ox.Literal("application/gzip"))
    for graph in _graphs(state):
        subset = ox.NamedNode(graph["iri"])
        add(dataset, _v("subset"), subset)
        add(subset, RDF.type, _v("Dataset"))
        add(subset, _v("triples"), _count(int(graph["triples"])))
        dist = ox.BlankNode(f"dump-{dump_name(graph)}".replace(".", "_"))
        add(subset, _v("dataDump"), ox.NamedNode(f"{root}dumps/{dump_name(graph)}.ttl"))
        add(subset, DCAT.distribution, dist)
        add(dist, RDF.type, DCAT.Distribution)
        add(dist, DCAT.downloadURL, ox.NamedNode(f"{root}dumps/{dump_name(graph)}.ttl"))
        add(dist, DCAT.mediaType, ox.Literal("text/turtle"))
    _framework_downloads(state, root, add)
    state.cache[f"void {root}"] = out
    return out


def _framework_downloads(state: AppState, root: str, add: Any) -> None:
    """Each framework release's exports (CASE, CTDL-ASN, CSV and its CSVW metadata) as
    distributions of the release's graph, so a harvester finds them beside the dump."""
    iris = Iris(state.settings.base_iri)
    for entry in frameworks.catalog(state):
        for release in entry.releases:
            subset = release_graph(iris, entry.code, release.version)
            for d in frameworks.downloads(entry.code, release.version):
                dist = ox.BlankNode(
                    f"export-{entry.code}-{release.version}-{d['format']}".replace(".", "_"))
                add(subset, DCAT.distribution, dist)
                add(dist, RDF.type, DCAT.Distribution)
                add(dist, DCTERMS.title, ox.Literal(d["title"], language="en"))
                add(dist, DCAT.downloadURL, ox.NamedNode(root + d["path"].lstrip("/")))
                add(dist, DCAT.mediaType, ox.Literal(d["media_type"].split(";")[0]))


@get_and_head(router, "/.well-known/void")
def void(request: Request, state: State) -> Response:
    try:
        fmt = negotiate(request.headers.get("accept"), RDF_FORMATS,
                        request.query_params.get("format"))
    except NotAcceptable as err:
        return error(request, 406, str(err))
    except UnknownFormat as err:
        return error(request, 400, str(err))
    root = str(request.base_url)
    etag = etag_for(state, "void", fmt.name, root)
    cached = not_modified(request, state, etag)
    if cached is not None:
        return cached
    triples = void_triples(state, root)
    if fmt.name == "jsonld":
        from nsxkg.web.describe import to_jsonld

        body = to_jsonld(triples, root + "context.jsonld", state.settings.base_iri)
    else:
        assert isinstance(fmt.oxigraph, ox.RdfFormat)
        prefixes = dict(PREFIXES, void=VOID) if fmt.name == "turtle" else None
        body = ox.serialize(triples, format=fmt.oxigraph, prefixes=prefixes) or b""
    return Response(body, media_type=fmt.content_type, headers=validators(state, etag))
