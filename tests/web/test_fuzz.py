"""Fuzzing the live server: generated SPARQL, parameters, headers, paths and bodies
(hypothesis), and every operation of the OpenAPI schema (schemathesis).

The property is the same everywhere: no 5xx (a query stopped at the timeout, 503 with its
message, is the one expected server-side answer and is tallied apart), never a traceback in
the body, and SPARQL that oxigraph's own parser rejects gets 400. Examples are bounded (a
few hundred requests in all) so the module stays around a minute; run with ``-s`` to see the
tally of requests by status.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pyoxigraph as ox
import pytest
import schemathesis
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from schemathesis.core.result import Ok

from nsxkg.web.sparqltext import analyse
from web.web_helpers import Server, serve

FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                      HealthCheck.too_slow],
                max_examples=60, database=None)
TALLY: Counter[str] = Counter()


@pytest.fixture(scope="module")
def fuzzed(loaded: Any) -> Iterator[Server]:
    # A short timeout, so a generated cross join costs seconds, and no per-client limits in
    # the way of a single fuzzing client.
    settings_ = loaded.settings.with_overrides(pool_size=2, query_timeout=2.0,
                                               client_rate=10_000.0, client_burst=10_000,
                                               client_concurrency=64)
    with serve(settings_) as running:
        yield running
    total = sum(TALLY.values())
    print(f"\nfuzzed {total} requests: " + ", ".join(f"{k}: {v}" for k, v in
                                                    sorted(TALLY.items())))


@pytest.fixture(scope="module")
def http(fuzzed: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fuzzed.url, timeout=30) as client:
        yield client


def check(response: httpx.Response) -> None:
    status = response.status_code
    stopped = status == 503 and "was stopped" in response.text
    TALLY["503 (timeout)" if stopped else str(status)] += 1
    request = response.request
    assert status < 500 or stopped, f"{request.method} {request.url} -> {status}: " \
                                    f"{response.text[:500]}"
    assert "Traceback" not in response.text, f"{request.method} {request.url}"


# -- SPARQL text --------------------------------------------------------------------------

TOKENS = ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "*", "DISTINCT", "WHERE", "{", "}", "(",
          ")", ".", ";", ",", "?s", "?p", "?o", "?x", "$y", "a", "<http://x.example/a>",
          "<https://w3id.org/nsxkg/id/occupation/11-2022.00>", "nsx:Occupation", "skos:",
          "PREFIX", "nsx:", "<https://w3id.org/nsxkg/def#>", "BASE", '"x"', "'y'@en", '"""z"""',
          "42", "-1.5e3", "true", "FILTER", "regex", "STR", "LANG", "BOUND", "OPTIONAL",
          "UNION", "MINUS", "GRAPH", "VALUES", "UNDEF", "BIND", "AS", "COUNT", "GROUP BY",
          "ORDER BY", "DESC", "HAVING", "LIMIT", "OFFSET", "+", "/", "|", "^", "!", "=", "<",
          "<=", "&&", "||", "#", "\n", "SERVICE", "SILENT", "LOAD", "INSERT", "DATA", "DELETE",
          "CLEAR", "<<", ">>", "\\", "\u00e9", "\x00", "%", "@"]

# Enough to stand for "any text": grammar fragments in any order, arbitrary unicode, and
# valid queries cut short at a random point.
EXAMPLE = ("PREFIX nsx: <https://w3id.org/nsxkg/def#> SELECT ?o (COUNT(?t) AS ?n) "
           "WHERE { ?o a nsx:Occupation . OPTIONAL { ?t nsx:occupation ?o } "
           "FILTER(regex(str(?o), \"11-\")) } GROUP BY ?o ORDER BY DESC(?n) LIMIT 5")
SPARQL = st.one_of(
    st.lists(st.sampled_from(TOKENS), max_size=30).map(" ".join),
    st.text(max_size=200),
    st.integers(0, len(EXAMPLE)).map(lambda cut: EXAMPLE[:cut]),
)
ORACLE = ox.Store()  # empty: parsing (and evaluating on nothing) costs nothing


def malformed(text: str) -> bool:
    """Whether oxigraph's parser rejects the text (the server must then answer 400)."""
    try:
        ORACLE.query(text)
    except SyntaxError:
        return True
    except (ValueError, OSError):
        return False
    return False


@settings(FUZZ, max_examples=150)
@given(query=SPARQL, post=st.booleans())
def test_generated_sparql(http: httpx.Client, query: str, post: bool) -> None:
    if post:
        response = http.post("/sparql", content=query.encode("utf-8"),
                             headers={"Content-Type": "application/sparql-query"})
    else:
        response = http.get("/sparql", params={"query": query})
    check(response)
    analysis = analyse(query)
    if not query.strip():
        assert response.status_code == 400
    elif analysis.update or analysis.services or analysis.variable_service \
            or analysis.unchecked_service:
        assert response.status_code == 403, response.text
    elif "service" not in query.casefold() and malformed(query):
        assert response.status_code == 400, (query, response.text)
        assert "syntax error" in response.text


# -- parameters, headers, bodies, paths ---------------------------------------------------

PRINTABLE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)
VALUES = st.one_of(PRINTABLE, st.text(max_size=40))
ROUTES = ["/sparql", "/", "/search", "/api/search", "/query", "/dumps/", "/.well-known/void",
          "/crosswalks/", "/crosswalks/lookup", "/def", "/context.jsonld",
          "/doc/occupation/11-2022.00", "/id/occupation/11-2022.00"]
NAMES = ["query", "update", "format", "default-graph-uri", "named-graph-uri", "q", "limit",
         "code", "uri", "output", "callback"]


@FUZZ
@given(route=st.sampled_from(ROUTES),
       params=st.lists(st.tuples(st.one_of(st.sampled_from(NAMES), PRINTABLE), VALUES),
                       max_size=5))
def test_generated_parameters(http: httpx.Client, route: str,
                              params: list[tuple[str, str | int | float | bool | None]]
                              ) -> None:
    check(http.get(route, params=params))


HEADERS = ["Accept", "Content-Type", "If-None-Match", "If-Modified-Since", "Origin", "Range",
           "Accept-Encoding", "Accept-Language", "Cookie", "X-Forwarded-For"]


@FUZZ
@given(route=st.sampled_from(ROUTES), method=st.sampled_from(["GET", "HEAD", "POST", "OPTIONS"]),
       headers=st.dictionaries(st.sampled_from(HEADERS), PRINTABLE.map(str.strip), max_size=4),
       body=st.one_of(st.none(), st.binary(max_size=300), PRINTABLE.map(str.encode)))
def test_generated_headers_and_bodies(http: httpx.Client, route: str, method: str,
                                      headers: dict[str, str], body: bytes | None) -> None:
    check(http.request(method, route, headers=headers,
                       content=body if method == "POST" else None))


PATH_TEXT = st.lists(st.one_of(st.characters(codec="utf-8", exclude_categories=["Cs"]),
                               st.sampled_from(["/", ".", "..", "%", "%2e", "%2F", "%00", "~"])),
                     max_size=20).map("".join)


@FUZZ
@given(prefix=st.sampled_from(["/id/", "/doc/", "/dumps/", "/static/", "/graph/", "/def.",
                               "/crosswalks/", "/api/queries/", "/"]),
       tail=PATH_TEXT)
def test_generated_paths(http: httpx.Client, prefix: str, tail: str) -> None:
    try:
        response = http.get(prefix + quote(tail, safe="/.%~"))
    except httpx.InvalidURL:
        assume(False)
        return
    check(response)


# -- the OpenAPI schema -------------------------------------------------------------------

def test_every_openapi_operation(fuzzed: Server) -> None:
    from web.web_helpers import APPS

    schema = schemathesis.openapi.from_dict(APPS[fuzzed.url].openapi())
    operations = [result.ok() for result in schema.get_all_operations()
                  if isinstance(result, Ok)]
    assert len(operations) >= 8, [op.label for op in operations]
    for operation in operations:

        @settings(FUZZ, max_examples=15)
        @given(case=operation.as_strategy())
        def fuzz(case: schemathesis.Case[Any]) -> None:
            response = case.call(base_url=fuzzed.url, timeout=30)
            TALLY[str(response.status_code)] += 1
            assert response.status_code < 500, (case.as_curl_command(), response.text[:500])
            assert "Traceback" not in response.text

        fuzz()
