"""The SPARQL 1.1 Protocol endpoint (query operation; the store is read-only)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, Response

from nsxkg.errors import QueryError
from nsxkg.formats import of_kind
from nsxkg.query import kind_of, run, serialize
from nsxkg.web.deps import State
from nsxkg.web.negotiation import NotAcceptable, UnknownFormat, negotiate

router = APIRouter()

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"


def _error(status: int, message: str) -> Response:
    return PlainTextResponse(message + "\n", status_code=status, headers={"Vary": "Accept"})


@router.get("/sparql")
async def sparql_get(
    request: Request,
    state: State,
    query: Annotated[str | None, Query(description="A SPARQL 1.1 query")] = None,
    default_graph_uri: Annotated[list[str], Query(alias="default-graph-uri")] = [],  # noqa: B006
    named_graph_uri: Annotated[list[str], Query(alias="named-graph-uri")] = [],  # noqa: B006
    format: Annotated[str | None, Query(description="Override Accept: json, xml, csv, tsv, "
                                        "turtle, ntriples, jsonld, rdfxml, trig, nquads")] = None,
) -> Response:
    if "update" in request.query_params:
        return _error(403, "SPARQL Update is not allowed: this endpoint is read-only")
    return await _answer(request, state, query, default_graph_uri, named_graph_uri, format)


@router.post("/sparql")
async def sparql_post(request: Request, state: State) -> Response:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    params = {k: v for k, v in parse_qs(request.url.query).items()}
    if content_type == FORM:
        params.update(parse_qs(body.decode("utf-8"), keep_blank_values=True))
        query = _single(params.get("query"))
    elif content_type == SPARQL_QUERY:
        query = body.decode("utf-8")
    elif content_type == SPARQL_UPDATE:
        return _error(403, "SPARQL Update is not allowed: this endpoint is read-only")
    else:
        return _error(415, f"unsupported Content-Type {content_type or '(none)'!r}; send "
                           f"{FORM} or {SPARQL_QUERY}")
    if "update" in params:
        return _error(403, "SPARQL Update is not allowed: this endpoint is read-only")
    return await _answer(request, state, query, params.get("default-graph-uri", []),
                         params.get("named-graph-uri", []), _single(params.get("format")))


def _single(values: list[str] | None) -> str | None:
    return values[-1] if values else None


async def _answer(request: Request, state: State, query: str | None,
                  default_graphs: list[str], named_graphs: list[str],
                  format: str | None) -> Response:
    if query is None or not query.strip():
        return _error(400, "missing query: pass the SPARQL query as the `query` parameter")
    try:
        result = await run_in_threadpool(
            run, state.store, query,
            default_graph=[ox.NamedNode(g) for g in default_graphs] or None,
            named_graphs=[ox.NamedNode(g) for g in named_graphs] or None)
    except QueryError as err:
        return _error(400, str(err))
    except ValueError as err:  # a malformed graph IRI
        return _error(400, f"bad graph IRI: {err}")
    try:
        fmt = negotiate(request.headers.get("accept"), of_kind(kind_of(result)), format)  # type: ignore[arg-type]
    except NotAcceptable as err:
        return _error(406, str(err))
    except UnknownFormat as err:
        return _error(400, str(err))
    body = await run_in_threadpool(serialize, result, fmt)
    return Response(body, media_type=fmt.content_type, headers={"Vary": "Accept"})
