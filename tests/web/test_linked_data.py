"""Linked data: 303 from resource to document, negotiated documents, ontology, VoID, dumps."""

from __future__ import annotations

import gzip
import socket
from typing import Any

import httpx
import pytest
import rdflib
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from web.web_helpers import OCCUPATION

NSX = rdflib.Namespace("https://w3id.org/nsxkg/def#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
SKOS = rdflib.SKOS
PARSERS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdf": "xml"}


def test_resource_answers_303_to_its_document(base_url: str) -> None:
    r = httpx.get(f"{base_url}/id/occupation/11-2022.00")
    assert r.status_code == 303
    assert r.headers["location"] == "/doc/occupation/11-2022.00"
    assert "accept" in r.headers["vary"].lower()


def test_iri_is_mapped_from_the_path_whatever_the_host(base_url: str) -> None:
    r = httpx.get(f"{base_url}/doc/occupation/11-2022.00", headers={
        "Host": "kg.example.org", "Accept": "application/n-triples"})
    assert r.status_code == 200
    assert f"<{OCCUPATION}>" in r.text


@pytest.mark.parametrize(("accept", "content_type"), [
    ("text/turtle", "text/turtle"),
    ("application/n-triples", "application/n-triples"),
    ("application/ld+json", "application/ld+json"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("text/html", "text/html"),
    ("*/*", "text/turtle"),
    ("text/html;q=0.3, application/rdf+xml;q=0.7", "application/rdf+xml"),
])
def test_document_negotiates(base_url: str, accept: str, content_type: str) -> None:
    r = httpx.get(f"{base_url}/doc/occupation/11-2022.00", headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(content_type)
    assert "accept" in r.headers["vary"].lower()
    assert r.headers["content-location"].startswith("/doc/occupation/11-2022.00.")


def test_document_406(base_url: str) -> None:
    r = httpx.get(f"{base_url}/doc/occupation/11-2022.00", headers={"Accept": "image/png"})
    assert r.status_code == 406


@pytest.mark.parametrize("suffix", ["ttl", "nt", "jsonld", "rdf"])
def test_suffixes_give_the_same_graph(base_url: str, suffix: str) -> None:
    reference = rdflib.Graph().parse(data=httpx.get(
        f"{base_url}/doc/occupation/11-2022.00.nt").text, format="nt")
    r = httpx.get(f"{base_url}/doc/occupation/11-2022.00.{suffix}")
    assert r.status_code == 200
    graph = rdflib.Graph().parse(data=r.text, format=PARSERS[suffix],
                                 publicID=f"{base_url}/doc/occupation/11-2022.00")
    if not isomorphic(graph, reference):
        _, only_got, only_expected = graph_diff(to_isomorphic(graph), to_isomorphic(reference))
        pytest.fail("only in ." + suffix + ":\n" + "\n".join(sorted(only_got.serialize(
            format="nt").splitlines())[:20]) + "\nonly in .nt:\n" + "\n".join(sorted(
            only_expected.serialize(format="nt").splitlines())[:20]))


def test_description_content(base_url: str) -> None:
    g = rdflib.Graph().parse(data=httpx.get(f"{base_url}/doc/occupation/11-2022.00.ttl").text,
                             format="turtle")
    occ = rdflib.URIRef(OCCUPATION)
    assert g.value(occ, SKOS.prefLabel) == rdflib.Literal("Sales Managers", lang="en")
    # Incoming links: every statement about this occupation points at it.
    incoming = set(g.subjects(NSX.occupation, occ))
    assert len(incoming) >= 40
    # Labels of what it links to: the job zone.
    zone = g.value(occ, NSX.jobZone)
    assert zone is not None and g.value(zone, SKOS.prefLabel) is not None


def test_jsonld_uses_the_published_context(base_url: str) -> None:
    r = httpx.get(f"{base_url}/doc/framework/11-2022.00/v.26.05/source/aei.jsonld")
    doc = r.json()
    assert doc["@context"] == f"{base_url}/context.jsonld"
    context = httpx.get(doc["@context"]).json()["@context"]
    assert context["nsx"] == "https://w3id.org/nsxkg/def#"
    node = next(n for n in doc["@graph"] if n["@id"].endswith("/v.26.05/source/aei"))
    assert "nsx:citationLabel" in node and "nsx:SourceEdition" in node["@type"]


def test_unknown_iri_is_404_with_a_page_for_browsers(base_url: str) -> None:
    r = httpx.get(f"{base_url}/id/occupation/99-9999.99")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/plain")
    page = httpx.get(f"{base_url}/id/occupation/99-9999.99",
                     headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 404 and "<html" in page.text and "Not found" in page.text
    assert httpx.get(f"{base_url}/doc/occupation/99-9999.99.ttl").status_code == 404


def test_iris_in_paths_are_escaped_in_pages(base_url: str) -> None:
    r = httpx.get(f"{base_url}/doc/%3Cscript%3Ealert(1)%3C/script%3E",
                  headers={"Accept": "text/html"})
    assert r.status_code == 404
    assert "<script>alert" not in r.text


@pytest.mark.parametrize("raw", ["/id/a{b}", "/doc/x%3E%20%3Cy", '/doc/a"b.ttl', "/id/a|b^c"])
def test_paths_that_are_no_iri_are_404(base_url: str, raw: str) -> None:
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(f"GET {raw} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 404"), reply[:200]


def test_ontology_is_served_at_its_namespace(base_url: str) -> None:
    r = httpx.get(f"{base_url}/def", headers={"Accept": "text/turtle"})
    assert r.status_code == 303 and r.headers["location"] == "/def.ttl"
    assert httpx.get(f"{base_url}/def", headers={"Accept": "text/html"}).headers[
        "location"] == "/def.html"
    g = rdflib.Graph().parse(data=httpx.get(f"{base_url}/def.ttl").text, format="turtle")
    assert (NSX.Occupation, rdflib.RDF.type, rdflib.OWL.Class) in g
    html = httpx.get(f"{base_url}/def.html").text
    assert 'id="Occupation"' in html


def framework_triples(loaded: Any) -> int:
    """The release graph's size, as the build wrote it."""
    return next(g.triples for g in loaded.manifest.graphs if g.kind == "release")


def test_named_graph_iri_redirects_to_its_dump(base_url: str, loaded: Any) -> None:
    r = httpx.get(f"{base_url}/graph/framework/11-2022.00/v.26.05")
    assert r.status_code == 303
    dump = httpx.get(base_url + r.headers["location"])
    assert dump.status_code == 200 and dump.headers["content-type"].startswith("text/turtle")
    assert len(rdflib.Graph().parse(data=dump.text, format="turtle")) == framework_triples(loaded)


def test_void(base_url: str, loaded: object) -> None:
    r = httpx.get(f"{base_url}/.well-known/void", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    dataset = rdflib.URIRef(f"{base_url}/.well-known/void#dataset")
    assert (dataset, rdflib.RDF.type, VOID.Dataset) in g
    assert int(g.value(dataset, VOID.triples)) == loaded.build.quads  # type: ignore[attr-defined]
    assert g.value(dataset, rdflib.DCTERMS.license) is not None
    assert g.value(dataset, VOID.sparqlEndpoint) == rdflib.URIRef(f"{base_url}/sparql")
    partitions = {g.value(p, VOID["class"]): int(g.value(p, VOID.entities))
                  for p in g.objects(dataset, VOID.classPartition)}
    assert partitions[NSX.MasteryStatement] == 40
    properties = {g.value(p, VOID.property): int(g.value(p, VOID.triples))
                  for p in g.objects(dataset, VOID.propertyPartition)}
    assert properties[NSX.citationLabel] >= 4
    sources = set(g.objects(dataset, rdflib.DCTERMS.source))
    assert rdflib.URIRef("https://w3id.org/nsxkg/id/source/aei") in sources
    assert len(list(g.objects(dataset, VOID.subset))) == len(loaded.manifest.graphs)


def test_dumps(base_url: str, loaded: object) -> None:
    listing = httpx.get(f"{base_url}/dumps/").text
    assert "nsxkg.nq.gz" in listing and "framework-11-2022.00-v.26.05.ttl" in listing
    r = httpx.get(f"{base_url}/dumps/nsxkg.nq.gz")
    assert r.headers["content-type"] == "application/gzip"
    data = rdflib.Dataset()
    data.parse(data=gzip.decompress(r.content).decode("utf-8"), format="nquads")
    assert len(data) == loaded.build.quads  # type: ignore[attr-defined]
    assert httpx.get(f"{base_url}/dumps/nothing.ttl").status_code == 404


def test_document_etag_304(base_url: str) -> None:
    r = httpx.get(f"{base_url}/doc/source/aei.ttl")
    again = httpx.get(f"{base_url}/doc/source/aei.ttl",
                      headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304


def test_dumps_stream_in_chunks_that_join_into_one_document(
        loaded: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from nsxkg.web import dumps

    monkeypatch.setattr(dumps, "_CHUNK", 100)
    graph = "https://w3id.org/nsxkg/graph/framework/11-2022.00/v.26.05"
    chunks = list(dumps._graph_turtle(loaded.store, graph))
    assert len(chunks) > 10
    parsed = rdflib.Graph().parse(data=b"".join(chunks).decode("utf-8"), format="turtle")
    assert len(parsed) == framework_triples(loaded)
    nquads = gzip.decompress(b"".join(dumps._all_quads_gzipped(loaded.store)))
    assert len(nquads.splitlines()) == loaded.build.quads


def fetch(base_url: str, path: str, method: str = "GET",
          **headers: str) -> tuple[httpx.Response, bytes]:
    """The response and its body as sent (httpx would decode a gzip-coded one)."""
    with httpx.Client(base_url=base_url) as client, client.stream(
            method, path, headers={k.replace("_", "-"): v for k, v in headers.items()}) as r:
        return r, b"".join(r.iter_raw())


def varies(r: httpx.Response) -> set[str]:
    return {v.strip() for v in r.headers["vary"].split(",")}


@pytest.mark.parametrize(("path", "accept"), [
    ("/doc/occupation/11-2022.00", "text/html"),
    ("/doc/framework/11-2022.00/v.26.05", "text/html"),
    ("/doc/source/aei", "text/turtle"),
    ("/doc/source/aei", "application/ld+json"),
    ("/def", "text/turtle"),
])
def test_documents_go_gzip_coded_to_clients_that_take_it(base_url: str, path: str,
                                                          accept: str) -> None:
    if path == "/def":
        path = httpx.get(base_url + path, headers={"Accept": accept}).headers["location"]
    coded, raw = fetch(base_url, path, Accept=accept, Accept_Encoding="gzip, deflate")
    plain, body = fetch(base_url, path, Accept=accept, Accept_Encoding="identity")
    assert coded.status_code == plain.status_code == 200
    assert coded.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert gzip.decompress(raw) == body and len(raw) < len(body)
    assert int(coded.headers["content-length"]) == len(raw)
    for r in (coded, plain):
        assert {"Accept", "Accept-Encoding"} <= varies(r)
        assert r.headers["content-type"].startswith(accept)
    assert coded.headers["etag"] != plain.headers["etag"]
    assert coded.headers["etag"].endswith('-gzip"')
    for encoding, r in (("gzip", coded), ("identity", plain)):
        # Each coding revalidates with its own ETag, and only with it.
        again, empty = fetch(base_url, path, Accept=accept, Accept_Encoding=encoding,
                             If_None_Match=r.headers["etag"])
        assert again.status_code == 304 and empty == b""
        assert again.headers["etag"] == r.headers["etag"]
        assert {"Accept", "Accept-Encoding"} <= varies(again)
    other, _ = fetch(base_url, path, Accept=accept, Accept_Encoding="identity",
                     If_None_Match=coded.headers["etag"])
    assert other.status_code == 200 and "content-encoding" not in other.headers
    head, nothing = fetch(base_url, path, "HEAD", Accept=accept, Accept_Encoding="gzip")
    assert head.status_code == 200 and nothing == b""
    assert head.headers["content-encoding"] == "gzip"
    assert head.headers["etag"] == coded.headers["etag"]


@pytest.mark.parametrize("accept_encoding", ["gzip;q=0", "identity", "*;q=0, identity", ""])
def test_documents_go_plain_to_clients_that_refuse_gzip(base_url: str,
                                                        accept_encoding: str) -> None:
    r, body = fetch(base_url, "/doc/source/aei.ttl", Accept_Encoding=accept_encoding)
    assert r.status_code == 200 and "content-encoding" not in r.headers
    assert not r.headers["etag"].endswith('-gzip"')
    assert rdflib.Graph().parse(data=body.decode("utf-8"), format="turtle")
