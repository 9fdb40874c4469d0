"""Data dumps: everything as gzipped N-Quads, and each named graph as Turtle.

Streamed from the store as they are written, so a multi-million-triple dump never sits in
memory; the store is immutable per build, so the bytes are the same on every request.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from nsxkg.namespaces import PREFIXES
from nsxkg.web.deps import State
from nsxkg.web.http import error, etag_for, get_and_head, not_modified, page, validators, wants_html
from nsxkg.web.linked_data import _graphs, dump_name

router = APIRouter()

ALL = "nsxkg.nq.gz"
_CHUNK = 50_000  # quads per serialised chunk


def _all_quads_gzipped(store: ox.Store) -> Iterator[bytes]:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as gz:
        chunk: list[ox.Quad] = []
        for quad in store:
            chunk.append(quad)
            if len(chunk) >= _CHUNK:
                gz.write(ox.serialize(chunk, format=ox.RdfFormat.N_QUADS) or b"")
                chunk.clear()
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        if chunk:
            gz.write(ox.serialize(chunk, format=ox.RdfFormat.N_QUADS) or b"")
    yield buffer.getvalue()


@get_and_head(router, "/dumps/")
def index(request: Request, state: State) -> Response:
    graphs = [{"iri": g["iri"], "file": f"{dump_name(g)}.ttl", "triples": int(g["triples"]),
               "kind": g.get("kind", "")} for g in _graphs(state)]
    if wants_html(request):
        return page(request, "dumps.html", {"graphs": graphs, "all": ALL,
                                            "quads": state.build.quads})
    lines = [f"{ALL}\tall {state.build.quads} quads, gzipped N-Quads"]
    lines += [f"{g['file']}\t{g['triples']} triples of <{g['iri']}>" for g in graphs]
    return Response("\n".join(lines) + "\n", media_type="text/plain; charset=utf-8",
                    headers={"Vary": "Accept"})


@get_and_head(router, "/dumps/{name}")
def dump(name: str, request: Request, state: State) -> Response:
    etag = etag_for(state, "dump", name)
    if name == ALL:
        cached = not_modified(request, state, etag)
        if cached is not None:
            return cached
        headers = validators(state, etag)
        headers["Content-Disposition"] = f'attachment; filename="{ALL}"'
        return StreamingResponse(_all_quads_gzipped(state.store), media_type="application/gzip",
                                 headers=headers)
    for graph in _graphs(state):
        if f"{dump_name(graph)}.ttl" == name:
            cached = not_modified(request, state, etag)
            if cached is not None:
                return cached
            return StreamingResponse(_graph_turtle(state.store, graph["iri"]),
                                     media_type="text/turtle; charset=utf-8",
                                     headers=validators(state, etag))
    return error(request, 404, f"no dump named {name!r}; see /dumps/")


def _graph_turtle(store: ox.Store, iri: str) -> Iterator[bytes]:
    # Turtle documents concatenate into one valid document (a prefix may be declared
    # again, blank-node labels are kept), so the graph goes out in bounded chunks.
    chunk: list[ox.Triple] = []
    for quad in store.quads_for_pattern(None, None, None, ox.NamedNode(iri)):
        chunk.append(quad.triple)
        if len(chunk) >= _CHUNK:
            yield ox.serialize(chunk, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES) or b""
            chunk.clear()
    if chunk:
        yield ox.serialize(chunk, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES) or b""
