"""Real clients against the server: they get the same rows as a direct query."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import httpx
import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, SPARQLWrapper

from web.web_helpers import PREFIXES

QUERY = PREFIXES + """SELECT ?s ?level ?pos ?focus WHERE {
  ?s a nsx:MasteryStatement ; nsx:level ?l ; nsx:position ?pos ; dcterms:title ?focus .
  ?l skos:prefLabel ?level ; nsx:rank ?rank .
} ORDER BY ?rank ?pos"""


def direct_rows(loaded: Any) -> list[tuple[str, ...]]:
    return [(str(r["s"]), r["level"].value, r["pos"].value, r["focus"].value)
            for r in loaded.select(QUERY)]


def test_sparqlwrapper_gets_the_same_rows(base_url: str, loaded: Any) -> None:
    for method in ("GET", "POST"):
        client = SPARQLWrapper(f"{base_url}/sparql")
        client.setQuery(QUERY)
        client.setMethod(method)
        client.setReturnFormat(JSON)
        result: Any = client.queryAndConvert()
        rows = [(b["s"]["value"], b["level"]["value"], b["pos"]["value"], b["focus"]["value"])
                for b in result["results"]["bindings"]]
        assert rows == direct_rows(loaded)
        assert len(rows) == 40


def test_sparqlwrapper_construct(base_url: str) -> None:
    client = SPARQLWrapper(f"{base_url}/sparql")
    client.setQuery("CONSTRUCT WHERE { <https://w3id.org/nsxkg/id/framework/11-2022.00/v.26.05/"
                    "source/aei> ?p ?o }")
    graph: Any = client.queryAndConvert()
    assert isinstance(graph, rdflib.Graph) and len(graph) >= 5


def test_rdflib_sparqlstore_gets_the_same_rows(base_url: str, loaded: Any) -> None:
    store = SPARQLStore(f"{base_url}/sparql", returnFormat="json")
    graph = rdflib.Graph(store=store)
    rows = [(str(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in graph.query(QUERY)]
    assert rows == direct_rows(loaded)
    ask = graph.query("ASK { ?s a <https://w3id.org/nsxkg/def#Occupation> }")
    assert ask.askAnswer is True
    store.close()


def test_rdflib_dereferences_an_iri(base_url: str) -> None:
    graph = rdflib.Graph().parse(f"{base_url}/id/occupation/11-2022.00")
    occupation = rdflib.URIRef("https://w3id.org/nsxkg/id/occupation/11-2022.00")
    assert graph.value(occupation, rdflib.SKOS.prefLabel) == rdflib.Literal("Sales Managers",
                                                                             lang="en")


def test_httpx_follows_the_303(base_url: str) -> None:
    r = httpx.get(f"{base_url}/id/occupation/11-2022.00", follow_redirects=True,
                  headers={"Accept": "application/n-triples"})
    assert r.status_code == 200
    assert [h.status_code for h in r.history] == [303]
    assert r.headers["content-type"].startswith("application/n-triples")
    assert "Sales Managers" in r.text


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize(("accept", "content_type"), [
    ("text/turtle", "text/turtle"), ("*/*", "text/turtle"),
    ("application/ld+json", "application/ld+json"), ("text/html", "text/html"),
])
def test_curl_follows_the_303(base_url: str, accept: str, content_type: str) -> None:
    out = subprocess.run(
        ["curl", "-sS", "-L", "-H", f"Accept: {accept}", "-o", "/dev/null", "-w",
         "%{http_code} %{num_redirects} %{content_type}",
         f"{base_url}/id/occupation/11-2022.00"],
        capture_output=True, text=True, timeout=30, check=True).stdout
    status, redirects, ctype = out.split(" ", 2)
    assert (status, redirects) == ("200", "1")
    assert ctype.startswith(content_type)
