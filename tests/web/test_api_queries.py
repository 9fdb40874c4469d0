"""Canned queries as REST (/api/queries), against the framework-only server on 127.0.0.1.

The source-data examples have routes here too; their answers on the full build are checked
by tests/test_queries.py, so these tests use the framework examples for results.
"""

from __future__ import annotations

import csv
import io

import httpx
import pyoxigraph as ox

from nsxkg.catalogue import load_catalogue
from nsxkg.config import PROJECT_ROOT

CATALOGUE = load_catalogue(PROJECT_ROOT / "queries")
JSON = {"Accept": "application/sparql-results+json"}


def test_listing_names_every_example_with_its_parameters(base_url: str) -> None:
    r = httpx.get(f"{base_url}/api/queries")
    assert r.status_code == 200
    listed = {q["name"]: q for q in r.json()["queries"]}
    assert set(listed) == {q.name for q in CATALOGUE.examples}
    level = listed["statements-at-level"]
    assert level["href"] == f"{base_url}/api/queries/statements-at-level"
    assert [(p["name"], p["type"], p["default"]) for p in level["parameters"]] == [
        ("code", "onet-soc", "11-2022.00"), ("rank", "integer", "2")]


def test_json_answer_equals_the_golden(base_url: str) -> None:
    query = CATALOGUE.example("statements-at-level")
    assert query is not None and query.expected is not None
    r = httpx.get(f"{base_url}/api/queries/statements-at-level", headers=JSON)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    got = ox.parse_query_results(r.content, format=ox.QueryResultsFormat.JSON)
    want = ox.parse_query_results(path=query.expected, format=ox.QueryResultsFormat.JSON)
    assert isinstance(got, ox.QuerySolutions) and isinstance(want, ox.QuerySolutions)
    assert [str(list(s)) for s in got] == [str(list(s)) for s in want]
    assert r.headers["x-result-count"] == str(len(r.json()["results"]["bindings"]))


def test_parameters_change_the_answer(base_url: str) -> None:
    r = httpx.get(f"{base_url}/api/queries/statements-at-level", params={"rank": "4"},
                  headers=JSON)
    assert r.status_code == 200
    rows = r.json()["results"]["bindings"]
    assert rows and {row["rank"]["value"] for row in rows} == {"4"}
    assert {row["level"]["value"] for row in rows} >= {"Exceeding"}


def test_csv_by_accept(base_url: str) -> None:
    r = httpx.get(f"{base_url}/api/queries/occupation-by-code", params={"code": "11-2022.00"},
                  headers={"Accept": "text/csv"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {row["title"] for row in rows} == {"Sales Managers"}
    assert rows[0]["occupation"] == "https://w3id.org/nsxkg/id/occupation/11-2022.00"


def test_format_parameter_overrides_accept(base_url: str) -> None:
    r = httpx.get(f"{base_url}/api/queries/occupation-by-code", params={"format": "csv"},
                  headers=JSON)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    r = httpx.get(f"{base_url}/api/queries/occupation-by-code", params={"format": "pdf"})
    assert r.status_code == 400 and "format" in r.text


def test_a_graph_query_answers_rdf(base_url: str) -> None:
    r = httpx.get(f"{base_url}/api/queries/evidence-pack", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    triples = list(ox.parse(r.content, format=ox.RdfFormat.TURTLE))
    assert len(triples) == int(r.headers["x-result-count"]) > 0


def test_unacceptable_media_type_is_406(base_url: str) -> None:
    r = httpx.get(f"{base_url}/api/queries/occupation-by-code", headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "text/csv" in r.text and "application/sparql-results+json" in r.text


def test_unknown_parameter_is_400_naming_it(base_url: str) -> None:
    r = httpx.get(f"{base_url}/api/queries/statements-at-level", params={"level": "2"})
    assert r.status_code == 400
    assert "'level'" in r.text and "code, rank" in r.text


def test_bad_values_are_400_naming_parameter_and_type(base_url: str) -> None:
    r = httpx.get(f"{base_url}/api/queries/statements-at-level", params={"rank": "two"})
    assert r.status_code == 400
    assert "parameter rank" in r.text and "an integer (xsd:integer)" in r.text
    r = httpx.get(f"{base_url}/api/queries/occupation-by-code", params={"code": "11-2022"})
    assert r.status_code == 400
    assert "parameter code" in r.text and "O*NET-SOC code NN-NNNN.NN" in r.text
    r = httpx.get(f"{base_url}/api/queries/occupation-by-code?code=1&code=2")
    assert r.status_code == 400 and "more than once" in r.text


def test_injection_attempts_are_refused_or_inert(base_url: str) -> None:
    injected = '11-2022.00" } UNION { ?s ?p ?o'
    r = httpx.get(f"{base_url}/api/queries/occupation-by-code", params={"code": injected},
                  headers=JSON)
    assert r.status_code == 400 and "parameter code" in r.text
    # A free-text parameter takes the same text, but as one string literal: it matches no
    # title, rather than opening the query to every triple.
    r = httpx.get(f"{base_url}/api/queries/occupation-by-title",
                  params={"title": 'sales" ) } UNION { ?s ?p ?o } #'}, headers=JSON)
    assert r.status_code == 200
    assert r.json()["results"]["bindings"] == []


def test_unknown_query_is_404(base_url: str) -> None:
    assert httpx.get(f"{base_url}/api/queries/no-such-query").status_code == 404


def test_openapi_documents_each_query_with_its_parameters(base_url: str) -> None:
    paths = httpx.get(f"{base_url}/openapi.json").json()["paths"]
    assert "/api/queries" in paths
    for query in CATALOGUE.examples:
        operation = paths[f"/api/queries/{query.name}"]["get"]
        assert operation["summary"] == query.title
        documented = {p["name"]: p for p in operation["parameters"]}
        assert set(documented) == {p.name for p in query.params} | {"format"}
    level = {p["name"]: p for p in
             paths["/api/queries/statements-at-level"]["get"]["parameters"]}
    assert level["rank"]["schema"] == {"type": "integer", "default": 2}
    assert level["code"]["schema"]["default"] == "11-2022.00"
    assert "O*NET-SOC code" in level["code"]["description"]
    responses = paths["/api/queries/statements-at-level"]["get"]["responses"]
    assert set(responses["200"]["content"]) == {"application/sparql-results+json", "text/csv"}


def test_openapi_operation_ids_are_unique(base_url: str) -> None:
    # Clients generated from the schema name one method per operation ID.
    paths = httpx.get(f"{base_url}/openapi.json").json()["paths"]
    ids = [op["operationId"] for methods in paths.values() for op in methods.values()]
    assert len(ids) == len(set(ids)) > 30
    assert not any("head" in methods for methods in paths.values())
    # HEAD still answers where GET does, outside the schema.
    assert httpx.head(f"{base_url}/crosswalks/").status_code == 200


def test_head_is_get_without_a_body_and_other_methods_are_405(base_url: str) -> None:
    """The canned queries are served ahead of FastAPI's routing (app.QueryFront): HEAD and
    the other methods are answered there as the routes would."""
    url = f"{base_url}/api/queries/levels-in-order"
    got, head = httpx.get(url, headers=JSON), httpx.head(url, headers=JSON)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == got.headers["etag"]
    assert head.headers["content-type"] == got.headers["content-type"]
    refused = httpx.post(url, data={"code": "11-2022.00"})
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, HEAD"
    assert "POST is not allowed on /api/queries/levels-in-order" in refused.text
