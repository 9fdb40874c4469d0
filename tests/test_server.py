"""The SPARQL endpoint, served by uvicorn on 127.0.0.1 for the tests and stopped after."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
import uvicorn

from conftest import Loaded
from nsxkg.web.app import create_app

COUNT = ("PREFIX nsx: <https://w3id.org/nsxkg/def#> "
         "SELECT (COUNT(*) AS ?n) WHERE { ?s a nsx:MasteryStatement }")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def base_url(loaded: Loaded) -> Iterator[str]:
    port = free_port()
    settings = loaded.settings.with_overrides(port=port)
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


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


@pytest.mark.parametrize(("accept", "content_type", "start"), [
    ("text/csv", "text/csv", "n\r\n40"),
    ("text/tab-separated-values", "text/tab-separated-values", "?n\n40"),
    ("application/sparql-results+xml", "application/sparql-results+xml", "<?xml"),
])
def test_result_formats(base_url: str, accept: str, content_type: str, start: str) -> None:
    r = httpx.get(f"{base_url}/sparql", params={"query": COUNT}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(content_type)
    assert r.text.startswith(start)


def test_construct_as_turtle(base_url: str) -> None:
    q = ("CONSTRUCT { ?s ?p ?o } WHERE { BIND(<https://w3id.org/nsxkg/id/occupation/11-2022.00> "
         "AS ?s) ?s ?p ?o }")
    r = httpx.get(f"{base_url}/sparql", params={"query": q}, headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/turtle")
    assert "Sales Managers" in r.text


def test_syntax_error_is_400_with_position(base_url: str) -> None:
    r = httpx.get(f"{base_url}/sparql?query={quote('SELECT * WHERE { ?s ?p }')}")
    assert r.status_code == 400
    assert "1:" in r.text and "syntax" in r.text


def test_missing_query_is_400(base_url: str) -> None:
    assert httpx.get(f"{base_url}/sparql").status_code == 400
    assert httpx.post(f"{base_url}/sparql", data={}).status_code == 400


def test_update_is_refused(base_url: str) -> None:
    r = httpx.post(f"{base_url}/sparql", content=b"DROP ALL",
                   headers={"Content-Type": "application/sparql-update"})
    assert r.status_code == 403
    r = httpx.post(f"{base_url}/sparql", data={"update": "DROP ALL"})
    assert r.status_code == 403


def test_not_acceptable(base_url: str) -> None:
    r = httpx.get(f"{base_url}/sparql", params={"query": COUNT}, headers={"Accept": "image/png"})
    assert r.status_code == 406


def test_named_graph_parameters(base_url: str) -> None:
    graph = "https://w3id.org/nsxkg/graph/ontology"
    r = httpx.get(f"{base_url}/sparql", params={"query": COUNT, "default-graph-uri": graph})
    assert count_of(r) == "0"
    r = httpx.get(f"{base_url}/sparql", params={
        "query": COUNT, "default-graph-uri": "https://w3id.org/nsxkg/graph/framework/11-2022.00"})
    assert count_of(r) == "40"
