"""Linked data: every IRI minted under the base dereferences on this server.

URL layout (whatever host the server runs on, paths map onto the configured base IRI):

* ``/id/{path}``  the resource ``{base}id/{path}``: ``303 See Other`` to ``/doc/{path}``.
* ``/doc/{path}`` its description, negotiated (Turtle, N-Triples, JSON-LD, RDF/XML, HTML;
  gzip-coded when the client accepts it; ``Vary: Accept, Accept-Encoding``);
  ``/doc/{path}.ttl|.nt|.jsonld|.rdf|.html`` picks one explicitly.
* ``/def``        the ontology (``https://w3id.org/nsxkg/def#``): 303 to ``/def.ttl``,
  ``/def.html``, … by Accept.
* ``/graph/{name}`` a named graph: 303 to its Turtle dump.
* ``/context.jsonld`` the JSON-LD context the JSON-LD documents refer to.
"""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import Callable, Hashable
from typing import TypeVar

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from nsxkg.formats import BY_NAME, Format
from nsxkg.namespaces import NSX, PREFIXES
from nsxkg.web.deps import AppState, State
from nsxkg.web.describe import context_document, describe, exists, to_jsonld
from nsxkg.web.http import error, etag_for, not_modified, validators
from nsxkg.web.negotiation import NotAcceptable, UnknownFormat, accepts_gzip, negotiate
from nsxkg.web.prerender import Prerendered, compressed

router = APIRouter()
T = TypeVar("T")

# Order matters: on Accept: */* (curl, most RDF libraries) the data wins over the page.
DOCUMENT_FORMATS: list[Format] = [BY_NAME[n] for n in
                                  ("turtle", "ntriples", "jsonld", "rdfxml", "html")]
SUFFIXES = {f".{f.extension}": f for f in DOCUMENT_FORMATS}
ONTOLOGY = NSX.iri.rstrip("#")
# Documents and pages are remembered gzip-coded: a release page (about 130 KiB) keeps in
# about 18 KiB, so this many of each (a page for every release of a thousand frameworks)
# take about what 600 plain ones would.
REMEMBERED = 4096
DOCUMENT_VARY = "Accept, Accept-Encoding"


def _raw_tail(request: Request, prefix: str) -> str:
    # The raw (still percent-encoded) path, so the IRI is rebuilt exactly as it was minted.
    raw = request.scope.get("raw_path") or request.url.path.encode()
    return raw.decode("latin-1").split("?", 1)[0][len(prefix):]


def _see_other(location: str) -> Response:
    return RedirectResponse(location, status_code=303, headers={"Vary": "Accept"})


# The handlers are async: a dereference is a couple of index lookups and a remembered body,
# cheaper than the thread hand-off a sync handler costs; describing and rendering a resource
# the first time runs in a thread (see _remembered).
@router.api_route("/id/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
async def resource(request: Request, state: State) -> Response:
    tail = _raw_tail(request, "/id/")
    if not tail or not exists(state.store, state.settings.base_iri + "id/" + tail):
        return error(request, 404, f"no resource <{state.settings.base_iri}id/{tail}> in "
                                   f"this knowledge graph")
    return _see_other(f"/doc/{tail}")


@router.api_route("/doc/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
async def document(request: Request, state: State) -> Response:
    tail = _raw_tail(request, "/doc/")
    base = state.settings.base_iri + "id/"
    explicit: Format | None = None
    if tail and not exists(state.store, base + tail):
        stem, dot, ext = tail.rpartition(".")
        explicit = SUFFIXES.get(f".{ext}") if dot else None
        if explicit is None or not exists(state.store, base + stem):
            return error(request, 404, f"no resource <{base}{tail}> in this knowledge graph")
        tail = stem
    if not tail:
        return error(request, 404, "no resource here; try /id/occupation/11-2022.00")
    iri = base + tail
    return await _negotiated(request, state, iri, f"/doc/{tail}", explicit,
                             lambda: describe(state.store, iri))


@router.api_route("/def", methods=["GET", "HEAD"], include_in_schema=False)
def ontology(request: Request, state: State) -> Response:
    try:
        fmt = negotiate(request.headers.get("accept"), DOCUMENT_FORMATS)
    except NotAcceptable as err:
        return error(request, 406, str(err))
    return _see_other(f"/def.{fmt.extension}")


@router.api_route("/def.{ext}", methods=["GET", "HEAD"], include_in_schema=False)
async def ontology_document(ext: str, request: Request, state: State) -> Response:
    fmt = SUFFIXES.get(f".{ext}")
    if fmt is None:
        return error(request, 404, f"no ontology document /def.{ext}; try /def.ttl")
    return await _negotiated(request, state, ONTOLOGY, "/def", fmt,
                             lambda: ontology_triples(state))


@router.get("/context.jsonld", include_in_schema=False)
def context(request: Request, state: State) -> Response:
    body = json.dumps(context_document(state.settings.base_iri), indent=1).encode()
    return Response(body, media_type="application/ld+json",
                    headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "max-age=86400"})


@router.api_route("/graph/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
def named_graph(request: Request, state: State) -> Response:
    iri = state.settings.base_iri + "graph/" + _raw_tail(request, "/graph/")
    for graph in _graphs(state):
        if graph["iri"] == iri:
            return _see_other(f"/dumps/{dump_name(graph)}.ttl")
    return error(request, 404, f"no named graph <{iri}> in this knowledge graph")


def _graphs(state: AppState) -> list[dict[str, str]]:
    graphs = state.build.manifest.get("graphs", [])
    return [dict(g) for g in graphs] if isinstance(graphs, list) else []


def dump_name(graph: dict[str, str]) -> str:
    """graphs/framework-11-2022.00.nq -> framework-11-2022.00"""
    return str(graph["file"]).rsplit("/", 1)[-1].removesuffix(".nq")


def ontology_triples(state: AppState) -> list[ox.Triple]:
    cached = state.cache.get("ontology")
    if cached is None:
        graphs = [ox.NamedNode(g["iri"]) for g in _graphs(state) if g.get("kind") == "ontology"]
        seen: dict[ox.Triple, None] = {}
        for graph in graphs:
            for quad in state.store.quads_for_pattern(None, None, None, graph):
                seen[quad.triple] = None
        cached = state.cache["ontology"] = list(seen)
    result: list[ox.Triple] = cached
    return result


async def _remembered(state: AppState, family: str, key: Hashable, make: Callable[[], T],
                      limit: int = 512) -> T:
    """``state.memo`` without blocking the event loop: only a first computation goes to a
    thread."""
    found: T | None = state.remembered(family, key)
    if found is not None:
        return found
    return await asyncio.to_thread(state.memo, family, key, make, limit)


async def _negotiated(request: Request, state: AppState, iri: str, doc_path: str,
                      explicit: Format | None,
                      triples_of: Callable[[], list[ox.Triple]]) -> Response:
    if explicit is None:
        try:
            fmt = negotiate(request.headers.get("accept"), DOCUMENT_FORMATS,
                            request.query_params.get("format"))
        except NotAcceptable as err:
            return error(request, 406, str(err))
        except UnknownFormat as err:
            return error(request, 400, str(err))
    else:
        fmt = explicit
    gzipped = accepts_gzip(request.headers.get("accept-encoding"))
    # Each coding is its own representation (RFC 9110 §8.8.3): a validator of one must not
    # revalidate the other.
    etag = etag_for(state, "doc", iri, fmt.name)
    if gzipped:
        etag = etag[:-1] + '-gzip"'
    cached = not_modified(request, state, etag)
    if cached is not None:
        cached.headers["Vary"] = DOCUMENT_VARY
        return cached
    headers = {**validators(state, etag), "Vary": DOCUMENT_VARY}
    headers["Content-Location"] = f"{doc_path}.{fmt.extension}"
    headers["Link"] = ", ".join(
        f'<{doc_path}.{f.extension}>; rel="alternate"; type="{f.media_type}"'
        for f in DOCUMENT_FORMATS if f is not fmt)
    if gzipped:
        headers["Content-Encoding"] = "gzip"

    def sent(body: bytes) -> bytes:
        return body if gzipped else gzip.decompress(body)

    if fmt.name == "html":
        from nsxkg.web.pages import resource_page

        # Rendered once per resource: the page depends on the build alone (never on the
        # request), and rendering is most of a dereference's time. A release's page was
        # rendered by `nsxkg load` already (web/prerender.py).
        kept = prerendered(state).get(iri, doc_path)
        if kept is not None:
            return Response(sent(kept), media_type=fmt.content_type, headers=headers)

        def render() -> tuple[int, bytes]:
            page = resource_page(request, state, iri, doc_path, triples_of)
            return page.status_code, compressed(bytes(page.body))

        status, html = await _remembered(state, "pages", (iri, doc_path), render,
                                         limit=REMEMBERED)
        return Response(sent(html), status_code=status, media_type=fmt.content_type,
                        headers=headers)
    context_url = str(request.base_url) + "context.jsonld"

    def serialise() -> bytes:
        triples = triples_of()
        if fmt.name == "jsonld":
            return compressed(to_jsonld(triples, context_url, state.settings.base_iri))
        assert isinstance(fmt.oxigraph, ox.RdfFormat)
        prefixes = dict(PREFIXES, id=state.settings.base_iri + "id/") \
            if fmt.name == "turtle" else None
        return compressed(ox.serialize(triples, format=fmt.oxigraph, prefixes=prefixes) or b"")

    key = (iri, fmt.name, context_url if fmt.name == "jsonld" else "")
    body = await _remembered(state, "documents", key, serialise, limit=REMEMBERED)
    return Response(sent(body), media_type=fmt.content_type, headers=headers)


def prerendered(state: AppState) -> Prerendered:
    """The release pages ``nsxkg load`` rendered for this build (opened once)."""
    found = state.cache.get("prerendered")
    if found is None:
        found = state.cache["prerendered"] = Prerendered.open(state.build.path,
                                                              state.settings.base_iri)
    result: Prerendered = found
    return result
