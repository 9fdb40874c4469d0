"""Canned queries as REST: every example under ``queries/examples/`` is a GET route.

``GET /api/queries`` lists them; ``GET /api/queries/{name}?param=…`` runs one. Each query gets
its own route, generated from its header, so the OpenAPI schema documents its parameters with
their types, defaults and descriptions. Values are checked and bound by the catalogue
(:meth:`nsxkg.catalogue.Query.bound_text`: a typed RDF term in the query's ``VALUES`` block,
never the text as given), and the query goes to the query service like any ``/sparql``
request, so the same timeout, result limit and SERVICE allow-list apply.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from nsxkg.catalogue import Catalogue, Param, ParameterError, Query
from nsxkg.formats import BY_NAME, Format
from nsxkg.web.deps import AppState, State
from nsxkg.web.failures import QueryError
from nsxkg.web.http import error, etag_for, failed, not_modified, validators
from nsxkg.web.limits import client_address
from nsxkg.web.negotiation import NotAcceptable, UnknownFormat, negotiate
from nsxkg.web.service import QueryRequest

PREFIX = "/api/queries"
FORMAT = "format"  # the one parameter every route takes besides the query's own
# What a canned query answers in: results as SPARQL JSON or CSV, graphs as JSON-LD or Turtle.
RESULTS: list[Format] = [BY_NAME["json"], BY_NAME["csv"]]
GRAPHS: list[Format] = [BY_NAME["jsonld"], BY_NAME["turtle"]]

# JSON Schema of each parameter type, for the OpenAPI document; the catalogue's own patterns
# still decide what is accepted.
_SCHEMA: dict[str, dict[str, Any]] = {
    "integer": {"type": "integer"},
    "decimal": {"type": "number"},
    "boolean": {"type": "boolean"},
    "iri": {"type": "string", "format": "uri"},
}


def offered(query: Query) -> list[Format]:
    return GRAPHS if query.form in ("CONSTRUCT", "DESCRIBE") else RESULTS


def router(catalogue: Catalogue) -> APIRouter:
    """The listing and one route per example query of the catalogue (for the OpenAPI
    document, and any request the front in app.py does not take: see :func:`fronted`)."""
    routes = APIRouter(tags=["canned queries"])

    def listing(request: Request) -> Response:
        return JSONResponse({"queries": describe(catalogue, str(request.base_url))})

    # HEAD is answered like GET but left out of the schema (one operation per path).
    routes.add_api_route(PREFIX, listing, methods=["HEAD"], include_in_schema=False)
    routes.add_api_route(PREFIX, listing, methods=["GET"], summary="The canned queries",
                         operation_id="list_queries")
    for query in catalogue.examples:
        endpoint = _endpoint(query)
        routes.add_api_route(f"{PREFIX}/{query.name}", endpoint, methods=["HEAD"],
                             include_in_schema=False)
        routes.add_api_route(
            f"{PREFIX}/{query.name}", endpoint, methods=["GET"],
            operation_id=f"query_{query.name.replace('-', '_')}", summary=query.title,
            description=_description(query), response_class=Response,
            responses={200: {"description": "The query's answer",
                             "content": {f.media_type: {} for f in offered(query)}},
                       400: {"description": "An unknown parameter or a value of the wrong "
                                            "type (the message names both)"},
                       406: {"description": "None of the media types in Accept fits"}},
            openapi_extra={"parameters": [_openapi_param(p) for p in query.params]
                           + [_openapi_format(query)]})
    return routes


def fronted(catalogue: Catalogue) -> dict[str, ASGIApp]:
    """Each query's path and a plain ASGI app answering it, as the route does.

    Served ahead of FastAPI's layers (app.QueryFront): a canned query answered from the
    cache cost the server 0.36 ms of CPU through them and costs 0.17 ms here.
    """
    return {f"{PREFIX}/{query.name}": _Canned(query) for query in catalogue.examples}


class _Canned:
    def __init__(self, query: Query):
        self.query = query

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        if scope["method"] in ("GET", "HEAD"):
            response = await answer(request, scope["app"].state.nsxkg, self.query)
        else:
            response = error(request, 405, f"{scope['method']} is not allowed on "
                                           f"{scope['path']}", headers={"Allow": "GET, HEAD"})
        await response(scope, receive, send)


def describe(catalogue: Catalogue, base_url: str) -> list[dict[str, Any]]:
    return [{"name": q.name, "title": q.title, "description": q.description,
             "data": q.data, "form": q.form, "href": f"{base_url.rstrip('/')}{PREFIX}/{q.name}",
             "formats": [f.media_type for f in offered(q)],
             "parameters": [{"name": p.name, "type": p.type.name, "expected": p.type.expected,
                             "default": p.default, "description": p.description}
                            for p in q.params]}
            for q in catalogue.examples]


def _description(query: Query) -> str:
    needs = ("Needs the source releases (O*NET, ESCO, SOC, CIP, crosswalks) in the graph."
             if query.data == "sources" else "Runs on the framework data alone.")
    return f"{query.description}\n\n{needs} The SPARQL is `queries/examples/{query.path.name}`."


def _openapi_param(param: Param) -> dict[str, Any]:
    schema = dict(_SCHEMA.get(param.type.name,
                              {"type": "string", "pattern": f"^(?:{param.type.pattern})$",
                               "maxLength": 500}))
    default: object = param.default
    if param.type.name == "integer":
        default = int(param.default)
    elif param.type.name == "decimal":
        default = float(param.default)
    elif param.type.name == "boolean":
        default = param.default == "true"
    schema["default"] = default
    return {"name": param.name, "in": "query", "required": False,
            "description": f"{param.description} ({param.type.expected})", "schema": schema}


def _openapi_format(query: Query) -> dict[str, Any]:
    names = [f.name for f in offered(query)]
    return {"name": FORMAT, "in": "query", "required": False,
            "description": "The answer's format, instead of the Accept header: "
                           + " or ".join(names),
            "schema": {"type": "string", "enum": names}}


def _endpoint(query: Query) -> Callable[[Request, AppState], Awaitable[Response]]:
    async def endpoint(request: Request, state: State) -> Response:
        return await answer(request, state, query)
    return endpoint


async def answer(request: Request, state: AppState, query: Query) -> Response:
    given = parse_qs(request.scope["query_string"].decode("latin-1"), keep_blank_values=True)
    repeated = sorted(name for name, values in given.items() if len(values) > 1)
    if repeated:
        return error(request, 400, f"parameter {repeated[0]} is given more than once; "
                                   f"give it once")
    values = {name: found[0] for name, found in given.items()}
    override = values.pop(FORMAT, None)
    try:
        text = query.bound_text(values)
    except ParameterError as err:
        takes = [p.name for p in query.params]
        suffix = "" if err.name in takes else \
            f" (and {FORMAT}: {' or '.join(f.name for f in offered(query))})"
        return error(request, 400, f"{err}{suffix}")
    try:
        fmt = negotiate(request.headers.get("accept"), offered(query), override)
    except UnknownFormat as err:
        return error(request, 400, f"parameter {FORMAT}: {err}")
    except NotAcceptable as err:
        return error(request, 406, str(err))

    etag = etag_for(state, "api/queries", query.name, text, fmt.name)
    cached = not_modified(request, state, etag)
    if cached is not None:
        return cached
    graph = fmt.kind == "rdf"
    # The same policy as /sparql: a federated example calls out only to allowed endpoints.
    asked = QueryRequest(text, client_address(request.scope),
                         None if graph else fmt.name, fmt.name if graph else None)
    try:
        result = await state.service.run(asked)
    except QueryError as err:
        return failed(request, err)
    headers = validators(state, etag)
    headers["X-Result-Count"] = str(result.count)
    return Response(result.body, media_type=BY_NAME[result.format].content_type,
                    headers=headers)
