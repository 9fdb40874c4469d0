"""Hostile input: SPARQL injection, XSS, path traversal, SSRF, and writes on a read-only
server.

Injection payloads go through every place user text meets the store: the label search, IRIs
in paths and the canned-query parameters. XSS payloads go in search terms, the query page,
and a data label (a copy of the framework build with malicious labels and a javascript: IRI,
served by its own server); Chromium checks that nothing runs. Traversal requests are sent
byte for byte (http.client does not normalise ``..`` the way browsers and httpx do).
"""

from __future__ import annotations

import http.client
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from nsxkg.store import load
from nsxkg.textquery import words
from web.test_browser import CHROMEDRIVER, CHROMIUM, browser  # noqa: F401 (a fixture)
from web.web_helpers import APPS, OCCUPATION, Server, serve

INJECTIONS = [
    '"', "'", "\\", "}", "{", "<", ">", "#",
    'sales" } UNION { ?iri ?p ?label } #',
    "sales' } UNION { ?s ?p ?o } #",
    '11-2022.00"^^<x> } ; DROP ALL ; SELECT * { ?s ?p ?o #',
    "> ?p ?o } UNION { ?s ?p ?o",
    "%22%7D UNION",
    "\u0000\u202e",
]


def raw_get(url: str, path: str, method: str = "GET") -> tuple[int, str]:
    """Send ``path`` exactly as given (no dot-segment removal, no re-encoding)."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request(method, path)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def quad_count(server: Server) -> int:
    store = APPS[server.url].state.nsxkg.store
    return len(store)


# -- injection ----------------------------------------------------------------------------

@pytest.mark.parametrize("payload", INJECTIONS)
def test_search_is_not_injectable(base_url: str, payload: str) -> None:
    """A payload finds exactly what its words alone find: nothing of it reaches SPARQL."""
    plain = " ".join(words(payload))
    got = httpx.get(f"{base_url}/api/search", params={"q": payload, "limit": 50})
    assert got.status_code == 200
    expected = httpx.get(f"{base_url}/api/search", params={"q": plain, "limit": 50})
    assert got.json() == expected.json()
    # The page's full-text search reads the payload in the search language: it is found or
    # refused with the reason, never an error.
    page = httpx.get(f"{base_url}/search", params={"q": payload})
    assert page.status_code in (200, 400)
    assert "Traceback" not in page.text


@pytest.mark.parametrize("payload", INJECTIONS + ["11-2022.00> ?p ?o } UNION { ?s ?p ?o"])
@pytest.mark.parametrize("route", ["/id/occupation/", "/doc/occupation/"])
def test_iris_in_paths_are_not_injectable(base_url: str, route: str, payload: str) -> None:
    status, body = raw_get(base_url, route + quote(payload, safe=""))
    assert status == 404, body[:300]
    assert "Traceback" not in body
    # The real resource still answers, and a suffix cannot smuggle another one in.
    assert raw_get(base_url, "/doc/occupation/11-2022.00.ttl")[0] == 200
    assert raw_get(base_url, "/doc/occupation/11-2022.00%3E.ttl")[0] == 404


def canned_string_parameters(base_url: str) -> list[tuple[str, str]]:
    listing = httpx.get(f"{base_url}/api/queries")
    if listing.status_code == 404:
        return []
    # One parameter per query (the first) keeps this to a few seconds; they are all bound
    # by the same code.
    return [(q["name"], q["parameters"][0]["name"]) for q in listing.json()["queries"]
            if q["parameters"]]


def test_canned_query_parameters_are_not_injectable(base_url: str) -> None:
    pairs = canned_string_parameters(base_url)
    if not pairs:
        pytest.skip("no canned-query routes (/api/queries) on this server")
    for name, param in pairs:
        url = f"{base_url}/api/queries/{name}"
        harmless = httpx.get(url, params={param: "zz-no-such-value"}, timeout=30)
        for payload in INJECTIONS[8:12]:
            r = httpx.get(url, params={param: payload}, timeout=30,
                          headers={"Accept": "application/sparql-results+json"})
            assert r.status_code in (200, 400), (name, param, payload, r.text[:300])
            if r.status_code == 400:
                assert param in r.text  # the message names what was wrong
            else:
                # Bound as a value, the payload matches no more than any other odd value.
                assert r.headers["x-result-count"] == harmless.headers.get(
                    "x-result-count", r.headers["x-result-count"]), (name, param, payload)
                assert int(r.headers["x-result-count"]) < 1000


# -- SSRF and read-only -------------------------------------------------------------------

SSRF = [
    "SELECT * WHERE { SERVICE <http://169.254.169.254/latest/meta-data/> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE <file:///etc/passwd> { ?s ?p ?o } }",
    "PREFIX e: <http://10.0.0.1/> SELECT * WHERE { SERVICE e:sparql { ?s ?p ?o } }",
    "BASE <http://192.168.1.1/> SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { VALUES ?e { <http://127.0.0.1:9/> } SERVICE ?e { ?s ?p ?o } }",
    "SELECT * WHERE { sErViCe <http://127.0.0.1:9/> { ?s ?p ?o } }",
    'SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p "unterminated } }',
]
UPDATES = [
    "LOAD <http://127.0.0.1:9/evil.ttl>",
    "LOAD <file:///etc/passwd> INTO GRAPH <urn:x>",
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "DROP ALL",
    "CLEAR DEFAULT",
    "PREFIX x: <urn:> DELETE WHERE { ?s ?p ?o }",
]


@pytest.mark.parametrize("query", SSRF + UPDATES)
def test_service_and_load_to_unlisted_addresses_are_refused(base_url: str, query: str) -> None:
    for r in (httpx.get(f"{base_url}/sparql", params={"query": query}),
              httpx.post(f"{base_url}/sparql", data={"query": query}),
              httpx.post(f"{base_url}/sparql", data={"update": query}),
              httpx.post(f"{base_url}/sparql", content=query,
                         headers={"Content-Type": "application/sparql-update"}),
              httpx.get(f"{base_url}/query", params={"query": query})):
        assert r.status_code in (400, 403), (r.request.url, r.status_code, r.text[:300])
    # The query page refuses SERVICE as the endpoint does, before running anything.
    page = httpx.get(f"{base_url}/query", params={"query": query})
    assert page.status_code == 403 or "syntax" in page.text.lower()


def concrete_paths(server: Server) -> list[str]:
    """Every route's path (inside mounts too), with sample values for its parameters."""
    paths: set[str] = set()
    pending = [("", route) for route in APPS[server.url].routes]
    while pending:
        prefix, route = pending.pop()
        path = prefix + getattr(route, "path", "")
        path = path + "/x.css" if path == "/static" else path  # the mount itself redirects
        paths.add(path.replace("{path:path}", "occupation/11-2022.00")
                  .replace("{name}", "nsxkg.nq.gz").replace("{ext}", "ttl") or "/")
        # Mounts have routes; FastAPI's included routers keep theirs on the router itself.
        inner = getattr(route, "routes", None) or getattr(
            getattr(route, "original_router", None), "routes", None) or []
        pending.extend((prefix + getattr(route, "path", ""), r) for r in inner)
    return sorted(paths)


def test_every_route_is_read_only(server: Server) -> None:
    before = quad_count(server)
    paths = concrete_paths(server)
    assert "/sparql" in paths and "/doc/occupation/11-2022.00" in paths
    triple = "<urn:x:a> <urn:x:b> <urn:x:c>"
    client = httpx.Client(base_url=server.url, timeout=30)
    for path in paths:
        for method in ("PUT", "DELETE", "PATCH", "POST"):
            if method == "POST" and path == "/sparql":
                continue  # the query operation; its updates are refused below
            # The one POST that does something: /admin/reload, for loopback clients talking
            # directly (it re-reads the store and writes nothing). Ask from elsewhere.
            r = client.request(method, path, content=f"{triple} .",
                               headers={"Content-Type": "text/turtle",
                                        "X-Forwarded-For": "203.0.113.9"})
            assert r.status_code in (403, 405), (method, path, r.status_code)
    for r in (httpx.post(f"{server.url}/sparql", data={"update": f"INSERT DATA {{ {triple} }}"}),
              httpx.post(f"{server.url}/sparql", content=f"INSERT DATA {{ {triple} }}",
                         headers={"Content-Type": "application/sparql-update"}),
              httpx.get(f"{server.url}/sparql", params={"update": "DROP ALL"})):
        assert r.status_code == 403
    client.close()
    assert quad_count(server) == before
    ask = httpx.get(f"{server.url}/sparql", params={"query": f"ASK {{ {triple} }}"})
    assert ask.json()["boolean"] is False


# -- path traversal -----------------------------------------------------------------------

TRAVERSALS = [
    "/dumps/../../pyproject.toml", "/dumps/%2e%2e/%2e%2e/pyproject.toml",
    "/dumps/..%2f..%2fpyproject.toml", "/dumps/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/dumps/....//....//etc/passwd", "/dumps/%252e%252e%252fetc%252fpasswd",
    "/dumps/..\\..\\pyproject.toml", "/dumps//etc/passwd", "/dumps/nsxkg.nq.gz%00.ttl",
    "/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py",
    "/static/%2e%2e%2fapp.py", "/static/%2e%2e%2f%2e%2e%2f%2e%2e%2fpyproject.toml",
    "/static/..%5capp.py", "/static//etc/passwd", "/static/%2fetc%2fpasswd",
    "/static/....//app.py", "/static/%c0%ae%c0%ae/app.py",
]
SECRETS = ["def create_app", "[project]", "root:x:0:0", "import "]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_is_refused(base_url: str, path: str) -> None:
    status, body = raw_get(base_url, path)
    assert status in (400, 404), (path, status, body[:200])
    assert not any(secret in body for secret in SECRETS), (path, body[:200])


def test_static_and_dumps_still_serve_their_own_files(base_url: str) -> None:
    static = Path(__file__).parents[2] / "src" / "nsxkg" / "web" / "static"
    some = sorted(p.name for p in static.iterdir() if p.is_file())[0]
    assert raw_get(base_url, f"/static/{some}")[0] == 200
    assert raw_get(base_url, "/dumps/")[0] == 200


# -- XSS ----------------------------------------------------------------------------------

SCRIPT = "<script>document.title='XSS'</script>"
IMG = "<img src=x onerror=\"document.title='XSS'\">"
EVIL = "https://w3id.org/nsxkg/id/task/evil"
JS_IRI = "javascript:document.title='XSS'"


def test_search_terms_are_escaped(base_url: str) -> None:
    for route, param in (("/search", "q"), ("/query", "query")):
        for payload in (SCRIPT, IMG, f"</textarea>{SCRIPT}", '"><svg onload=alert(1)>'):
            r = httpx.get(f"{base_url}{route}", params={param: payload},
                          headers={"Accept": "text/html"})
            assert r.status_code < 500
            assert SCRIPT not in r.text and IMG not in r.text and "<svg onload" not in r.text
            assert "&lt;" in r.text  # shown, escaped


def _evil_quads(graph: str) -> str:
    def lit(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    skos = "http://www.w3.org/2004/02/skos/core#"
    rdfs = "http://www.w3.org/2000/01/rdf-schema#"
    return "".join(f"{s} {p} {o} <{graph}> .\n" for s, p, o in [
        (f"<{OCCUPATION}>", f"<{skos}altLabel>", lit(f"Sales {SCRIPT} boss")),
        (f"<{EVIL}>", f"<{skos}prefLabel>", lit(f"{IMG}Evil task")),
        (f"<{EVIL}>", f"<{rdfs}comment>", lit(f"</td></textarea>{SCRIPT}")),
        (f"<{EVIL}>", f"<{rdfs}seeAlso>", f"<{JS_IRI}>"),
        (f"<{EVIL}>", "<https://w3id.org/nsxkg/def#occupation>", f"<{OCCUPATION}>"),
    ])


@pytest.fixture(scope="module")
def hostile(loaded: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The framework build plus malicious labels and a javascript: IRI, on its own server."""
    tmp = tmp_path_factory.mktemp("hostile")
    build = tmp / "build"
    shutil.copytree(loaded.settings.build_dir, build)
    from nsxkg.build import Manifest

    manifest = Manifest.read(build)
    first = manifest.graph_files(build)[0]
    graph = str(manifest.graphs[0].iri)
    with first.open("a", encoding="utf-8") as out:
        out.write(_evil_quads(graph.strip("<>")))
    load(build, tmp / "store", require_valid=False)
    with serve(loaded.settings.with_overrides(store_dir=tmp / "store", pool_size=1)) as running:
        yield running


def test_data_labels_are_escaped(hostile: Server) -> None:
    html = {"Accept": "text/html"}
    pages = [httpx.get(f"{hostile.url}/doc/task/evil", headers=html),
             httpx.get(f"{hostile.url}/doc/occupation/11-2022.00", headers=html),
             httpx.get(f"{hostile.url}/search", params={"q": "sales boss"}, headers=html),
             httpx.get(f"{hostile.url}/query", headers=html,
                       params={"query": f"SELECT ?l ?x WHERE {{ <{EVIL}> ?p ?l "
                                        f"BIND(<{JS_IRI}> AS ?x) }}"})]
    for page in pages:
        assert page.status_code == 200, (page.url, page.text[:300])
        assert SCRIPT not in page.text and IMG not in page.text, page.url
        assert 'href="javascript:' not in page.text.replace("&#39;", "'"), page.url
    assert "&lt;script&gt;" in pages[0].text and "&lt;img" in pages[0].text
    assert "boss" in pages[2].text  # the label was found, and shown escaped


@pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                    reason="Debian chromium/chromium-driver not installed (make browser-deps)")
def test_no_script_runs_in_a_browser(hostile: Server, browser: Any) -> None:  # noqa: F811
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    for path in ["/doc/task/evil", "/doc/occupation/11-2022.00", "/search?q=sales%20boss",
                 f"/search?q={quote(SCRIPT)}", f"/query?query={quote(f'#{SCRIPT}')}"]:
        browser.get(hostile.url + path)
        assert browser.title != "XSS", path
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert.text  # noqa: B018
        for link in browser.find_elements(By.TAG_NAME, "a"):
            assert not (link.get_attribute("href") or "").lower().startswith("javascript:")
