"""Crosswalks: the mapping sets with their counts, per-set downloads (SSSOM TSV, CSV,
JSON-LD) and a lookup of one concept's matches on both sides."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from nsxkg import crosswalk as cw
from nsxkg.errors import InputError
from nsxkg.web.deps import State
from nsxkg.web.http import error, get_and_head

router = APIRouter()


@get_and_head(router, "/crosswalks/")
def index(request: Request, state: State) -> Response:
    sets = state.memo("crosswalks", "sets", lambda: cw.mapping_sets(state.store))
    base = str(request.base_url).rstrip("/")
    return JSONResponse({"mapping_sets": [{
        "key": s.key, "id": s.iri, "graph": s.graph, "title": s.title, "license": s.license,
        "source": s.source, "author": s.author, "date": s.date, "mappings": s.count,
        "downloads": {fmt: f"{base}/crosswalks/{s.key}{cw.EXTENSIONS[fmt]}"
                      for fmt in cw.FORMATS},
    } for s in sets]})


@get_and_head(router, "/crosswalks/lookup")
def lookup(request: Request, state: State, code: str | None = None,
           uri: str | None = None) -> Response:
    try:
        iri = cw.resolve(code, uri, state.settings.base_iri)
    except cw.BadCode as err:
        return error(request, 400, str(err))
    matches = cw.lookup(state.store, iri)
    if not matches and not cw.known(state.store, iri):
        return error(request, 404, f"no concept {code or uri} in this graph")
    return JSONResponse({"id": iri, "query": code or uri, "count": len(matches),
                         "matches": matches})


@get_and_head(router, "/crosswalks/{name}")
def download(name: str, request: Request, state: State) -> Response:
    fmt = next((f for f, ext in cw.EXTENSIONS.items() if name.endswith(ext)), None)
    if fmt is None:
        return error(request, 404, f"no download {name}; use <set>.sssom.tsv, .csv or .jsonld")
    key = name[: -len(cw.EXTENSIONS[fmt])]
    try:
        text = state.memo("crosswalk-export", (key, fmt),
                          lambda: cw.export(state.store, key, fmt, state.settings.base_iri),
                          limit=16)
    except InputError:
        return error(request, 404, f"no mapping set {key}")
    return Response(text, media_type=cw.MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
