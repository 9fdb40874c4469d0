"""The SPARQL 1.1 Protocol endpoint: the query operation over a read-only store.

https://www.w3.org/TR/sparql11-protocol/#query-operation — GET, POST form-encoded and POST
``application/sparql-query``, with ``default-graph-uri`` / ``named-graph-uri``. The query
goes to the query service (service.py: policy, cache, lanes, workers); everything decided
from the request alone (missing query, update, SERVICE, Accept) is answered before a worker
is involved.
"""

from __future__ import annotations

import codecs
import functools
from urllib.parse import unquote_to_bytes

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import Response
from starlette.types import Receive, Scope, Send

from nsxkg.formats import BY_NAME, Format, Kind, by_name, of_kind
from nsxkg.namespaces import PREFIXES
from nsxkg.web.deps import AppState
from nsxkg.web.failures import QueryError
from nsxkg.web.http import (
    error,
    etag_for,
    failed,
    not_modified,
    validators,
    wants_html,
)
from nsxkg.web.limits import client_address
from nsxkg.web.negotiation import NotAcceptable, negotiate
from nsxkg.web.service import READ_ONLY, QueryRequest
from nsxkg.web.service_description import service_description

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"


class SparqlEndpoint:
    """``/sparql`` as a plain ASGI app, mounted as a route of its own.

    Every query request passes here, so it carries none of FastAPI's per-request machinery
    (dependency solving, parameter validation; about a fifth of a light query's time in
    the server): the request is read once, by hand. Its OpenAPI description is
    :data:`OPENAPI`.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        state: AppState = scope["app"].state.nsxkg
        method = scope["method"]
        if method in ("GET", "HEAD"):
            response = await sparql_get(request, state)
        elif method == "POST":
            response = await sparql_post(request, state)
        else:
            response = error(request, 405, f"{method} is not allowed on /sparql",
                             headers={"Allow": "GET, HEAD, POST"})
        await response(scope, receive, send)


def _query_params(request: Request) -> dict[str, list[str]]:
    return _form_params(request.scope["query_string"])


def _form_params(raw: bytes) -> dict[str, list[str]]:
    """Form-encoded parameters, as ``parse_qs(..., keep_blank_values=True)`` gives them,
    decoded in C: the standard library decodes each %-escape in Python, and a query sent
    form-encoded is mostly escapes (a fifth of the server's time on a light query)."""
    params: dict[str, list[str]] = {}
    for pair in raw.split(b"&"):
        if pair:
            name, _, value = pair.partition(b"=")
            params.setdefault(_unquote_plus(name), []).append(_unquote_plus(value))
    return params


def _unquote_plus(raw: bytes) -> str:
    raw = raw.replace(b"+", b" ")
    if b"%" in raw:
        try:  # %XX as \xXX, for the C escape decoder (backslashes kept as they are)
            raw = codecs.escape_decode(raw.replace(b"\\", b"\\\\").replace(b"%", b"\\x"))[0]
        except ValueError:  # a % not followed by two hex digits: kept, as parse_qs does
            raw = unquote_to_bytes(raw)
    return raw.decode("utf-8", "replace")


async def sparql_get(request: Request, state: AppState) -> Response:
    params = _query_params(request)
    if "update" in params:
        return error(request, 403, READ_ONLY.format(what="update parameter"))
    if "query" not in params:
        if params.keys() - {"format"}:
            return error(request, 400, "missing query: pass the SPARQL query as the `query` "
                                       "parameter")
        return _service_description(request, state, _single(params.get("format")))
    return await _answer(request, state, params)


async def sparql_post(request: Request, state: AppState) -> Response:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    params = _query_params(request)
    if content_type == FORM:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return error(request, 400, "the form body is not UTF-8")
        for key, values in _form_params(body).items():
            params.setdefault(key, []).extend(values)
    elif content_type == SPARQL_QUERY:
        if "query" in params:
            return error(request, 400, "send the query either in the body or as a parameter, "
                                       "not both")
        try:
            params["query"] = [body.decode("utf-8")]
        except UnicodeDecodeError:
            return error(request, 400, "the query body is not UTF-8")
    elif not content_type and not body:
        return error(request, 400, "missing query: POST it form-encoded as `query`, or as "
                                   f"the body with Content-Type {SPARQL_QUERY}")
    elif content_type == SPARQL_UPDATE:
        return error(request, 403, READ_ONLY.format(what=SPARQL_UPDATE))
    else:
        return error(request, 415, f"unsupported Content-Type {content_type or '(none)'!r}; "
                                   f"send {FORM} or {SPARQL_QUERY}")
    if "update" in params:
        return error(request, 403, READ_ONLY.format(what="update parameter"))
    return await _answer(request, state, params)


def _single(values: list[str] | None) -> str | None:
    return values[-1] if values else None


# What clients put in `format` beyond our names and media types: SPARQLWrapper sends
# format=xml / json for every query form (meaning RDF/XML and JSON-LD for graphs), others
# use file extensions.
ALIASES: dict[Kind, dict[str, str]] = {
    "rdf": {"xml": "rdfxml", "rdf": "rdfxml", "json": "jsonld", "json-ld": "jsonld",
            "ttl": "turtle", "nt": "ntriples", "n-triples": "ntriples", "nq": "nquads"},
    "results": {"srj": "json", "srx": "xml"},
    "page": {},
}


def _negotiate_kind(request: Request, kind: Kind, override: str | None) -> Format | None:
    """This kind's format for the request, or None if the client takes none of them."""
    if override:
        name = override.strip().lower()
        return by_name(ALIASES[kind].get(name, name), kind)
    accept = request.headers.get("accept")
    if accept is not None and len(accept) > 512:  # not kept: a few hundred would be MBs
        return _by_accept.__wrapped__(accept, kind)
    return _by_accept(accept, kind)


@functools.lru_cache(maxsize=1024)
def _by_accept(accept: str | None, kind: Kind) -> Format | None:
    # A client sends the same Accept with every query: it is read once.
    try:
        return negotiate(accept, of_kind(kind))
    except NotAcceptable:
        return None


async def _answer(request: Request, state: AppState, params: dict[str, list[str]]) -> Response:
    queries = params.get("query", [])
    if len(queries) > 1:
        return error(request, 400, "more than one `query` parameter; send exactly one")
    query = queries[0] if queries else ""
    if not query.strip():
        return error(request, 400, "missing query: the `query` parameter is empty")
    try:
        analysis = state.service.check(query)
    except QueryError as err:
        return failed(request, err)

    override = _single(params.get("format"))
    kinds: tuple[Kind, ...] = (("rdf",) if analysis.form in ("CONSTRUCT", "DESCRIBE") else
                               ("results",) if analysis.form in ("SELECT", "ASK") else
                               ("results", "rdf"))
    chosen = {kind: _negotiate_kind(request, kind, override) for kind in kinds}
    if override and not any(chosen.values()):
        names = ", ".join(f.name for k in kinds for f in of_kind(k))
        return error(request, 400, f"unknown format {override!r} for this query; use one of "
                                   f"{names}")
    if analysis.form is not None and not any(chosen.values()):
        offered = ", ".join(f.media_type for k in kinds for f in of_kind(k))
        return error(request, 406, f"none of the media types in Accept can be produced for "
                                   f"this query; available: {offered}")
    results_fmt, rdf_fmt = chosen.get("results"), chosen.get("rdf")
    default_graphs = tuple(params.get("default-graph-uri", []))
    named_graphs = tuple(params.get("named-graph-uri", []))
    for graph in (*default_graphs, *named_graphs):
        try:
            ox.NamedNode(graph)
        except ValueError as err:
            return error(request, 400, f"bad graph IRI {graph!r}: {err}")

    etag = etag_for(state, query, "|".join(default_graphs), "|".join(named_graphs),
                    results_fmt.name if results_fmt else "", rdf_fmt.name if rdf_fmt else "")
    cached = not_modified(request, state, etag)
    if cached is not None:
        return cached
    asked = QueryRequest(query, client_address(request.scope),
                         results_fmt.name if results_fmt else None,
                         rdf_fmt.name if rdf_fmt else None, default_graphs, named_graphs)
    try:
        answer = await state.service.run(asked)
    except QueryError as err:
        return failed(request, err)
    fmt = BY_NAME[answer.format]
    headers = validators(state, etag)
    headers["X-Result-Count"] = str(answer.count)
    return Response(answer.body, media_type=fmt.content_type, headers=headers)


def _service_description(request: Request, state: AppState, override: str | None) -> Response:
    if not override and wants_html(request):
        # A person opening /sparql in a browser gets the query page.
        from nsxkg.web.pages import query_page

        return query_page(request, state)
    fmt = _negotiate_kind(request, "rdf", override)
    if fmt is None:
        if override:
            return error(request, 400, f"unknown format {override!r}")
        return error(request, 406, "the service description is RDF; available: " +
                     ", ".join(f.media_type for f in of_kind("rdf")))
    etag = etag_for(state, "service-description", fmt.name, str(request.base_url))
    cached = not_modified(request, state, etag)
    if cached is not None:
        return cached
    assert isinstance(fmt.oxigraph, ox.RdfFormat)
    triples = service_description(state, str(request.base_url) + "sparql")
    prefixes = PREFIXES if fmt.name in ("turtle", "trig") else None
    body = ox.serialize(triples, format=fmt.oxigraph, prefixes=prefixes) or b""
    return Response(body, media_type=fmt.content_type, headers=validators(state, etag))


def _param(name: str, description: str) -> dict[str, object]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "string"}}


_PROTOCOL_PARAMS = [
    _param("default-graph-uri", "A graph of the query's default graph (repeatable); with "
                                "none given, the default graph is the union of all graphs"),
    _param("named-graph-uri", "A graph available to GRAPH (repeatable)"),
    _param("format", "The answer's format instead of Accept: json, xml, csv, tsv, turtle, "
                     "ntriples, jsonld, rdfxml, trig, nquads (or a media type)"),
]
_ANSWERS = {
    "200": {"description": "The answer, in the format negotiated from Accept or format",
            "content": {f.media_type: {} for k in ("results", "rdf") for f in of_kind(k)}},
    "400": {"description": "A syntax error (with its position) or a malformed request"},
    "403": {"description": "An update, or SERVICE to an endpoint not on the allow-list"},
    "406": {"description": "None of the media types in Accept can carry the answer"},
    "413": {"description": "The query or the body is over the length limit"},
    "422": {"description": "The answer is over the result limit"},
    "503": {"description": "The query ran past the time limit, or every worker was busy"},
}
# /sparql in the OpenAPI document (the route is a plain ASGI app, which FastAPI does not
# describe by itself).
OPENAPI: dict[str, object] = {
    "get": {"operationId": "sparql_query_get", "tags": ["SPARQL"],
            "summary": "SPARQL 1.1 query (GET); without a query, the service description",
            "parameters": [_param("query", "The SPARQL query"), *_PROTOCOL_PARAMS],
            "responses": _ANSWERS},
    "post": {"operationId": "sparql_query_post", "tags": ["SPARQL"],
             "summary": "SPARQL 1.1 query (POST, form-encoded or application/sparql-query)",
             "parameters": _PROTOCOL_PARAMS,
             "requestBody": {"required": True, "content": {
                 FORM: {"schema": {"type": "object",
                                   "properties": {"query": {"type": "string"}},
                                   "required": ["query"]}},
                 SPARQL_QUERY: {"schema": {"type": "string"}}}},
             "responses": _ANSWERS},
}
