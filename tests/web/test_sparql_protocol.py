"""The SPARQL 1.1 Protocol over HTTP, against a real server on 127.0.0.1."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest
import rdflib

COUNT = ("PREFIX nsx: <https://w3id.org/nsxkg/def#> "
         "SELECT (COUNT(*) AS ?n) WHERE { ?s a nsx:MasteryStatement }")
CONSTRUCT = ("CONSTRUCT { ?s ?p ?o } WHERE { BIND(<https://w3id.org/nsxkg/id/occupation/"
             "11-2022.00> AS ?s) ?s ?p ?o }")
ASK = "ASK { ?s a <https://w3id.org/nsxkg/def#Occupation> }"
FRAMEWORK_GRAPH = "https://w3id.org/nsxkg/graph/framework/11-2022.00/v.26.05"  # a release


def count_of(response: httpx.Response) -> str:
    value: str = response.json()["results"]["bindings"][0]["n"]["value"]
    return value


def test_get(base_url: str) -> None:
    r = httpx.get(f"{base_url}/sparql", params={"query": COUNT})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    assert "accept" in r.headers["vary"].lower()
    assert count_of(r) == "40"


def test_post_form(base_url: str) -> None:
    r = httpx.post(f"{base_url}/sparql", data={"query": COUNT})
    assert r.status_code == 200
    assert count_of(r) == "40"


def test_post_direct(base_url: str) -> None:
    r = httpx.post(f"{base_url}/sparql", content=COUNT.encode(),
                   headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 200
    assert count_of(r) == "40"


# Accept -> Content-Type, end to end: q-values, wildcards, aliases, the format parameter, 406.
@pytest.mark.parametrize(("query", "accept", "fmt", "status", "content_type"), [
    (COUNT, None, None, 200, "application/sparql-results+json"),
    (COUNT, "*/*", None, 200, "application/sparql-results+json"),
    (COUNT, "application/json", None, 200, "application/sparql-results+json"),
    (COUNT, "application/sparql-results+xml", None, 200, "application/sparql-results+xml"),
    (COUNT, "text/csv", None, 200, "text/csv"),
    (COUNT, "text/tab-separated-values", None, 200, "text/tab-separated-values"),
    (COUNT, "text/*", None, 200, "text/csv"),
    (COUNT, "text/csv;q=0.4, application/sparql-results+xml;q=0.8", None, 200,
     "application/sparql-results+xml"),
    (COUNT, "text/turtle", None, 406, "text/plain"),
    (COUNT, "image/png", None, 406, "text/plain"),
    (COUNT, "image/png", "csv", 200, "text/csv"),
    (COUNT, "text/csv", "json", 200, "application/sparql-results+json"),
    (COUNT, None, "turtle", 400, "text/plain"),
    (COUNT, None, "srx", 200, "application/sparql-results+xml"),
    (CONSTRUCT, None, "xml", 200, "application/rdf+xml"),
    (CONSTRUCT, None, "json", 200, "application/ld+json"),
    (ASK, None, None, 200, "application/sparql-results+json"),
    (ASK, "application/sparql-results+xml", None, 200, "application/sparql-results+xml"),
    (CONSTRUCT, None, None, 200, "text/turtle"),
    (CONSTRUCT, "*/*", None, 200, "text/turtle"),
    (CONSTRUCT, "application/n-triples", None, 200, "application/n-triples"),
    (CONSTRUCT, "application/ld+json", None, 200, "application/ld+json"),
    (CONSTRUCT, "application/json", None, 200, "application/ld+json"),
    (CONSTRUCT, "application/rdf+xml", None, 200, "application/rdf+xml"),
    (CONSTRUCT, "application/trig", None, 200, "application/trig"),
    (CONSTRUCT, "application/n-quads", None, 200, "application/n-quads"),
    (CONSTRUCT, "text/turtle;q=0.2, application/rdf+xml;q=0.9", None, 200,
     "application/rdf+xml"),
    (CONSTRUCT, "text/csv", None, 406, "text/plain"),
    (CONSTRUCT, "text/csv", "ntriples", 200, "application/n-triples"),
    ("DESCRIBE <https://w3id.org/nsxkg/id/source/aei>", "application/n-triples", None, 200,
     "application/n-triples"),
])
def test_accept_to_content_type(base_url: str, query: str, accept: str | None,
                                fmt: str | None, status: int, content_type: str) -> None:
    params = {"query": query, **({"format": fmt} if fmt else {})}
    headers = {"Accept": accept} if accept is not None else {}
    r = httpx.get(f"{base_url}/sparql", params=params, headers=headers)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(content_type)
    assert "accept" in r.headers["vary"].lower()


@pytest.mark.parametrize(("accept", "start"), [
    ("text/csv", "n\r\n40"),
    ("text/tab-separated-values", "?n\n40"),
    ("application/sparql-results+xml", "<?xml"),
])
def test_result_bodies(base_url: str, accept: str, start: str) -> None:
    r = httpx.get(f"{base_url}/sparql", params={"query": COUNT}, headers={"Accept": accept})
    assert r.text.startswith(start)


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "jsonld", "rdfxml", "trig", "nquads"])
def test_graph_formats_parse_to_the_same_graph(base_url: str, fmt: str) -> None:
    reference = rdflib.Graph().parse(data=httpx.get(
        f"{base_url}/sparql", params={"query": CONSTRUCT, "format": "ntriples"}).text,
        format="nt")
    r = httpx.get(f"{base_url}/sparql", params={"query": CONSTRUCT, "format": fmt})
    parsed = rdflib.Dataset() if fmt in ("trig", "nquads") else rdflib.Graph()
    parsed.parse(data=r.text, format={"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld",
                                      "rdfxml": "xml", "trig": "trig", "nquads": "nquads"}[fmt])
    assert len(parsed) == len(reference) > 5


def test_syntax_error_is_400_with_message_and_position(base_url: str) -> None:
    r = httpx.get(f"{base_url}/sparql?query={quote('SELECT * WHERE { ?s ?p }')}")
    assert r.status_code == 400
    assert "syntax error" in r.text and "1:" in r.text and "expected" in r.text


@pytest.mark.parametrize("request_args", [
    {"method": "GET", "url": "/sparql?query="},
    {"method": "GET", "url": "/sparql?default-graph-uri=" + FRAMEWORK_GRAPH},
    {"method": "POST", "url": "/sparql", "data": {}},
    {"method": "POST", "url": "/sparql", "data": {"query": "  "}},
    {"method": "POST", "url": "/sparql", "content": b"",
     "headers": {"Content-Type": "application/sparql-query"}},
    {"method": "GET", "url": "/sparql?query=ASK%7B%7D&query=ASK%7B%7D"},
])
def test_missing_or_repeated_query_is_400(base_url: str, request_args: dict[str, object]) -> None:
    args = dict(request_args)
    r = httpx.request(str(args.pop("method")), base_url + str(args.pop("url")), **args)  # type: ignore[arg-type]
    assert r.status_code == 400


@pytest.mark.parametrize("request_args", [
    {"method": "POST", "content": b"DROP ALL",
     "headers": {"Content-Type": "application/sparql-update"}},
    {"method": "POST", "data": {"update": "DROP ALL"}},
    {"method": "GET", "params": {"update": "DROP ALL"}},
    {"method": "POST", "data": {"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}},
    {"method": "POST",
     "data": {"query": "# a comment\nPREFIX x: <urn:x#>\nDELETE WHERE { ?s ?p ?o }"}},
    {"method": "GET", "params": {"query": "LOAD <http://example.org/data.ttl>"}},
    {"method": "GET", "params": {"query": "CLEAR ALL"}},
])
def test_updates_are_refused(base_url: str, request_args: dict[str, object]) -> None:
    args = dict(request_args)
    r = httpx.request(str(args.pop("method")), f"{base_url}/sparql", **args)  # type: ignore[arg-type]
    assert r.status_code == 403
    assert "read-only" in r.text


def test_unsupported_content_type_is_415(base_url: str) -> None:
    r = httpx.post(f"{base_url}/sparql", content=COUNT.encode(),
                   headers={"Content-Type": "text/plain"})
    assert r.status_code == 415


def test_service_outside_the_allow_list_is_refused(base_url: str) -> None:
    query = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
    r = httpx.get(f"{base_url}/sparql", params={"query": query})
    assert r.status_code == 403
    assert "<http://example.org/sparql>" in r.text and "not allowed" in r.text
    silent = "SELECT * WHERE { SERVICE SILENT ?endpoint { ?s ?p ?o } }"
    assert httpx.get(f"{base_url}/sparql", params={"query": silent}).status_code == 403


def test_the_word_service_in_a_string_is_not_a_service_call(base_url: str) -> None:
    query = 'SELECT * WHERE { ?s ?p "SERVICE <http://example.org/>" } # SERVICE <urn:x>'
    assert httpx.get(f"{base_url}/sparql", params={"query": query}).status_code == 200


def test_named_graph_parameters(base_url: str) -> None:
    graph = "https://w3id.org/nsxkg/graph/ontology"
    r = httpx.get(f"{base_url}/sparql", params={"query": COUNT, "default-graph-uri": graph})
    assert count_of(r) == "0"
    r = httpx.get(f"{base_url}/sparql", params={"query": COUNT,
                                                "default-graph-uri": FRAMEWORK_GRAPH})
    assert count_of(r) == "40"
    named = ("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s a "
             "<https://w3id.org/nsxkg/def#MasteryStatement> } }")
    r = httpx.post(f"{base_url}/sparql", data={"query": named, "named-graph-uri": graph})
    assert count_of(r) == "0"
    r = httpx.post(f"{base_url}/sparql", data={"query": named,
                                               "named-graph-uri": FRAMEWORK_GRAPH})
    assert count_of(r) == "40"


def test_dataset_is_exactly_what_the_parameters_name(base_url: str) -> None:
    named = ("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s a "
             "<https://w3id.org/nsxkg/def#MasteryStatement> } }")
    # default-graph-uri alone: no named graphs for GRAPH to find.
    r = httpx.get(f"{base_url}/sparql", params={"query": named,
                                                "default-graph-uri": FRAMEWORK_GRAPH})
    assert count_of(r) == "0"
    # named-graph-uri alone: the default graph is empty.
    r = httpx.get(f"{base_url}/sparql", params={"query": COUNT,
                                                "named-graph-uri": FRAMEWORK_GRAPH})
    assert count_of(r) == "0"


def test_bad_graph_iri_is_400(base_url: str) -> None:
    r = httpx.get(f"{base_url}/sparql", params={"query": COUNT, "default-graph-uri": "not an iri"})
    assert r.status_code == 400


def test_service_description(base_url: str) -> None:
    r = httpx.get(f"{base_url}/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=r.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    service = rdflib.URIRef(f"{base_url}/sparql")
    assert (service, rdflib.RDF.type, sd.Service) in graph
    assert (service, sd.supportedLanguage, sd.SPARQL11Query) in graph
    formats = set(graph.objects(service, sd.resultFormat))
    assert rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    assert rdflib.URIRef("http://www.w3.org/ns/formats/Turtle") in formats
    assert (service, sd.feature, sd.UnionDefaultGraph) in graph


def test_service_description_for_browsers_is_the_query_page(base_url: str) -> None:
    r = httpx.get(f"{base_url}/sparql", headers={"Accept": "text/html"})
    assert r.status_code == 200 and "<textarea" in r.text


def test_etag_and_304(base_url: str) -> None:
    r = httpx.get(f"{base_url}/sparql", params={"query": COUNT})
    etag = r.headers["etag"]
    assert r.headers["last-modified"]
    again = httpx.get(f"{base_url}/sparql", params={"query": COUNT},
                      headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    other = httpx.get(f"{base_url}/sparql", params={"query": COUNT},
                      headers={"If-None-Match": etag, "Accept": "text/csv"})
    assert other.status_code == 200  # another representation, another tag


def test_cors(base_url: str) -> None:
    r = httpx.get(f"{base_url}/sparql", params={"query": ASK},
                  headers={"Origin": "https://example.org"})
    assert r.headers["access-control-allow-origin"] in ("*", "https://example.org")
    pre = httpx.options(f"{base_url}/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 200
    assert "POST" in pre.headers["access-control-allow-methods"]


def test_head_has_no_body(base_url: str) -> None:
    r = httpx.head(f"{base_url}/sparql", params={"query": ASK})
    assert r.status_code == 200 and r.content == b""
    missing = httpx.head(f"{base_url}/doc/nothing-here")
    assert missing.status_code == 404 and missing.content == b""


def test_a_bug_on_the_front_path_is_a_500_and_the_server_goes_on(
        base_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """/sparql is answered ahead of the framework's layers (app.QueryFront), with its own
    last guard: an unexpected error is a 500, never a dropped connection."""
    from web.web_helpers import APPS

    service = APPS[base_url].state.nsxkg.service

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("planted")

    monkeypatch.setattr(service, "run", broken)
    r = httpx.get(f"{base_url}/sparql", params={"query": COUNT + " # planted"})
    assert r.status_code == 500
    monkeypatch.undo()
    assert httpx.get(f"{base_url}/sparql", params={"query": COUNT}).status_code == 200
