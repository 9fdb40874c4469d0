"""Timeouts that really stop a query, the result-size limit, and SERVICE to an allowed
endpoint, on a second server configured with a short timeout and a small limit."""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from web.web_helpers import Server, serve

SLOW = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }")
FAST = "ASK { ?s a <https://w3id.org/nsxkg/def#Occupation> }"
TIMEOUT = 1.5
LIMIT = 50


@pytest.fixture(scope="module")
def strict(loaded: Any, server: Server) -> Iterator[Server]:
    settings = loaded.settings.with_overrides(
        pool_size=2, query_timeout=TIMEOUT, result_limit=LIMIT,
        service_allow=[f"{server.url}/sparql"])
    with serve(settings) as running:
        yield running


def test_slow_query_is_stopped_while_others_are_served(strict: Server) -> None:
    pool = strict_pool(strict)
    killed_before = pool.killed
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as executor:
        started = time.monotonic()
        slow = executor.submit(httpx.get, f"{strict.url}/sparql", params={"query": SLOW},
                               timeout=30)
        time.sleep(0.3)
        # The second worker answers while the first is busy with the cross join.
        fast_started = time.monotonic()
        fast = httpx.get(f"{strict.url}/sparql", params={"query": FAST}, timeout=30)
        fast_took = time.monotonic() - fast_started
        assert fast.status_code == 200 and fast.json()["boolean"] is True
        assert fast_took < 1.0
        # Pages and linked data never wait for the workers either.
        assert httpx.get(f"{strict.url}/id/source/aei").status_code == 303
        response = slow.result()
        took = time.monotonic() - started
    assert response.status_code == 503, response.text
    assert "limit" in response.text and "stopped" in response.text
    assert TIMEOUT <= took < TIMEOUT + 3
    assert pool.killed == killed_before + 1
    # The killed worker is replaced: both workers serve again.
    deadline = time.monotonic() + 30
    while pool.live < 2:
        assert time.monotonic() < deadline, "the killed worker was not replaced"
        time.sleep(0.1)
    for _ in range(4):
        assert httpx.get(f"{strict.url}/sparql", params={"query": FAST}).status_code == 200


def strict_pool(server: Server) -> Any:
    # The app object lives in this process (uvicorn runs in a thread): reach its pool.
    from web.web_helpers import APPS

    return APPS[server.url].state.nsxkg.pool


@pytest.mark.parametrize("query", [
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o }",
    "CONSTRUCT WHERE { ?s ?p ?o }",
])
def test_result_limit_is_an_error_not_a_truncated_200(strict: Server, query: str) -> None:
    r = httpx.get(f"{strict.url}/sparql", params={"query": query})
    assert r.status_code == 422
    assert f"limit of {LIMIT}" in r.text and "LIMIT" in r.text


def test_results_within_the_limit_pass(strict: Server) -> None:
    r = httpx.get(f"{strict.url}/sparql", params={"query": f"SELECT * WHERE {{ ?s ?p ?o }} "
                                                            f"LIMIT {LIMIT}"})
    assert r.status_code == 200
    assert len(r.json()["results"]["bindings"]) == LIMIT
    assert r.headers["x-result-count"] == str(LIMIT)


def test_service_to_an_allowed_endpoint_runs(strict: Server, server: Server) -> None:
    query = (f"SELECT ?s WHERE {{ SERVICE <{server.url}/sparql> {{ "
             f"?s a <https://w3id.org/nsxkg/def#Occupation> }} }}")
    r = httpx.get(f"{strict.url}/sparql", params={"query": query}, timeout=30)
    assert r.status_code == 200, r.text
    values = [b["s"]["value"] for b in r.json()["results"]["bindings"]]
    assert values == ["https://w3id.org/nsxkg/id/occupation/11-2022.00"]
    other = query.replace(server.url, "http://127.0.0.1:9")
    assert httpx.get(f"{strict.url}/sparql", params={"query": other}).status_code == 403
