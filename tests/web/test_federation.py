"""The federated example (queries/examples/crosswalk-federated-esco.rq) through nsxkg's
/sparql: a second SPARQL endpoint on 127.0.0.1 (``oxigraph serve-read-only``) holds a small
ESCO extract, nsxkg allow-lists it, and the ESCO labels come back; an endpoint that is not
allow-listed gets 403.

nsxkg serves the framework graphs plus the excerpt of the real Nesta mapping graph that
test_crosswalk_routes.py uses, so the answer equals the example's answer on the full build
(the excerpt holds all five mappings to 11-2022.00); it is kept beside the query as its
expected result (NSXKG_REGENERATE=1 rewrites it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest

from nsxkg.catalogue import load_catalogue
from nsxkg.config import PROJECT_ROOT, Settings
from support import fixture_store
from web.web_helpers import Server, free_port, serve

DATA = Path(__file__).parents[1] / "data"
ESCO = DATA / "federation" / "esco-extract.nt"
MAPPINGS = DATA / "web" / "crosswalk-excerpt.nq"
PLACEHOLDER = "<http://127.0.0.1:8890/sparql>"  # documented in the example's header
QUERY = load_catalogue(PROJECT_ROOT / "queries").example("crosswalk-federated-esco")
SALES = {"auction house manager", "sales account manager", "trade regional manager",
         "travel agency manager", "ICT business development manager"}
OXIGRAPH = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")


@pytest.fixture(scope="module")
def esco_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    location = tmp_path_factory.mktemp("esco") / "store"
    subprocess.run([OXIGRAPH, "load", "--location", str(location), "--file", str(ESCO)],
                   check=True, capture_output=True, timeout=60)
    port = free_port()
    process = subprocess.Popen([OXIGRAPH, "serve-read-only", "--location", str(location),
                                "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, "oxigraph serve-read-only stopped"
            try:
                if httpx.get(url, params={"query": "ASK {}"}).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the ESCO endpoint did not start"
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def nsxkg(loaded: Any, esco_endpoint: str,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    store_dir = fixture_store(
        tmp_path_factory.mktemp("federation") / "store",
        [*loaded.manifest.graph_files(loaded.settings.build_dir), MAPPINGS], "federation")
    settings = Settings.model_validate({"store_dir": store_dir, "pool_size": 1,
                                       "query_timeout": 20.0,
                                       "service_allow": [esco_endpoint]})
    with serve(settings) as running:
        yield running


def federated(endpoint: str) -> str:
    assert QUERY is not None and PLACEHOLDER in QUERY.text
    return QUERY.bound_text().replace(PLACEHOLDER, f"<{endpoint}>")


def test_labels_come_back_from_the_allow_listed_endpoint(nsxkg: Server,
                                                         esco_endpoint: str) -> None:
    r = httpx.post(f"{nsxkg.url}/sparql", data={"query": federated(esco_endpoint)},
                   headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert r.status_code == 200, r.text
    rows = r.json()["results"]["bindings"]
    assert {row["label"]["value"] for row in rows} == SALES
    assert all(row["description"]["value"] for row in rows)
    assert QUERY is not None
    golden = QUERY.path.with_suffix(".srj")
    if os.environ.get("NSXKG_REGENERATE") == "1":
        golden.write_bytes(r.content)
    got = ox.parse_query_results(r.content, format=ox.QueryResultsFormat.JSON)
    want = ox.parse_query_results(path=golden, format=ox.QueryResultsFormat.JSON)
    assert isinstance(got, ox.QuerySolutions) and isinstance(want, ox.QuerySolutions)
    assert [str(list(s)) for s in got] == [str(list(s)) for s in want]


def test_an_endpoint_not_allow_listed_is_refused(nsxkg: Server, esco_endpoint: str) -> None:
    elsewhere = f"http://127.0.0.1:{free_port()}/query"
    r = httpx.post(f"{nsxkg.url}/sparql", data={"query": federated(elsewhere)})
    assert r.status_code == 403
    assert elsewhere in r.text


def test_the_canned_route_keeps_to_the_allow_list(nsxkg: Server) -> None:
    # As shipped, the example names the placeholder endpoint, which this server does not allow.
    r = httpx.get(f"{nsxkg.url}/api/queries/crosswalk-federated-esco")
    assert r.status_code == 403
    assert "127.0.0.1:8890" in r.text
