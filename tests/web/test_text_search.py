"""Full-text search over HTTP: nsx:textSearch through /sparql, the canned text-search queries,
the /search page, and the editor's term completion; clear 4xx for bad searches, never a 5xx."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nsxkg.web.service import TextSearch
from web.web_helpers import APPS, PREFIXES, Server

JSON = {"Accept": "application/sparql-results+json"}


def text_query(search: str, extra: str = "") -> str:
    literal = '"' + search.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") \
        .replace("\r", "\\r") + '"'
    return PREFIXES + f"""SELECT ?s ?text ?score ?snippet WHERE {{
      SERVICE nsx:textSearch {{ ?s nsx:searchQuery {literal} {extra} ;
        nsx:matchedText ?text ; nsx:relevance ?score ; nsx:snippet ?snippet }}
    }} ORDER BY DESC(?score)"""


def test_text_search_through_the_endpoint(server: Server) -> None:
    r = httpx.post(f"{server.url}/sparql", data={"query": text_query("negotiat*")},
                   headers=JSON)
    assert r.status_code == 200, r.text
    rows = r.json()["results"]["bindings"]
    assert rows and all("<b>" in row["snippet"]["value"] for row in rows)
    assert r.headers["X-Result-Count"] == str(len(rows))


def test_bad_searches_are_400_with_the_reason(server: Server) -> None:
    for query, reason in [
        (text_query(""), "nsx:searchQuery is empty"),
        (text_query("NOT x"), "at least one term that is not excluded"),
        (PREFIXES + "SELECT * WHERE { ?x skos:prefLabel ?q SERVICE nsx:textSearch { "
                    "?s nsx:searchQuery ?q } }", "must be a constant string"),
    ]:
        r = httpx.post(f"{server.url}/sparql", data={"query": query})
        assert r.status_code == 400, r.text
        assert reason in r.text and "nsx:textSearch at line" in r.text


def test_too_many_matches_without_a_limit_is_422(server: Server,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    service = APPS[server.url].state.nsxkg.service
    (search,) = [step for step in service.rewrites if isinstance(step, TextSearch)]
    # More literals match "s*" than a tiny limit allows: refused, never cut short.
    monkeypatch.setattr(search, "result_limit", 5)
    monkeypatch.setattr(service, "result_limit", 5)
    r = httpx.post(f"{server.url}/sparql", data={"query": text_query("s*")})
    limited = httpx.post(f"{server.url}/sparql", headers=JSON,
                         data={"query": text_query("s*", "; nsx:searchLimit 5")})
    assert r.status_code == 422 and "nsx:searchLimit" in r.text
    assert limited.status_code == 200 and len(limited.json()["results"]["bindings"]) == 5


def test_text_search_answers_are_cached(server: Server) -> None:
    service = APPS[server.url].state.nsxkg.service
    query = text_query("forecast*") + " # cached"
    first = httpx.post(f"{server.url}/sparql", data={"query": query}, headers=JSON)
    hits = service.cache.hits
    second = httpx.post(f"{server.url}/sparql", data={"query": query}, headers=JSON)
    assert first.status_code == second.status_code == 200
    assert second.content == first.content and service.cache.hits == hits + 1


def test_canned_text_search_query(base_url: str) -> None:
    r = httpx.get(f"{base_url}/api/queries/text-search-framework-statements", headers=JSON)
    assert r.status_code == 200
    assert any("egotiat" in row["snippet"]["value"] for row in r.json()["results"]["bindings"])


def test_search_page_shows_names_and_text_matches(base_url: str) -> None:
    r = httpx.get(f"{base_url}/search", params={"q": "negotiation"})
    assert r.status_code == 200
    assert "<mark>" in r.text and "this search in SPARQL" in r.text
    only = httpx.get(f"{base_url}/search", params={"q": "sales", "kind": "occupation"})
    assert "Sales Managers" in only.text and 'class="kind">statement' not in only.text
    bad = httpx.get(f"{base_url}/search", params={"q": "(negotiation"})
    assert bad.status_code == 400 and "parenthesis is not closed" in bad.text
    page2 = httpx.get(f"{base_url}/search", params={"q": "sales OR customer*", "page": "2"})
    assert page2.status_code == 200 and 'rel="prev"' in page2.text


def test_term_completion(base_url: str) -> None:
    classes = httpx.get(f"{base_url}/api/terms", params={
        "kind": "class", "prefix": "https://w3id.org/nsxkg/def#occ", "q": "occ"}).json()
    assert "https://w3id.org/nsxkg/def#Occupation" in [t["iri"] for t in classes]
    props = httpx.get(f"{base_url}/api/terms", params={
        "kind": "property", "prefix": "http://www.w3.org/2004/02/skos/core#pref"}).json()
    assert [t["iri"] for t in props] == ["http://www.w3.org/2004/02/skos/core#prefLabel"]
    resources = httpx.get(f"{base_url}/api/terms", params={"q": "sales man"}).json()
    assert resources[0]["label"] == "Sales Managers"
    assert httpx.get(f"{base_url}/api/terms", params={"kind": "nope"}).status_code == 400


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(search=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30))
def test_no_search_text_is_a_server_error(server: Server, search: str) -> None:
    sparql = httpx.post(f"{server.url}/sparql", data={"query": text_query(search)},
                        headers=JSON)
    assert sparql.status_code in (200, 400), sparql.text
    page = httpx.get(f"{server.url}/search", params={"q": search})
    assert page.status_code in (200, 400)
    completion = httpx.get(f"{server.url}/api/search", params={"q": search})
    assert completion.status_code == 200
