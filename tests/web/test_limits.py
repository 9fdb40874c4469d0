"""Timeouts that really stop a query, the result-size limit, and SERVICE to an allowed
endpoint, on a second server configured with a short timeout and a small limit."""

from __future__ import annotations

import concurrent.futures
import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from nsxkg.web.service import MAIN_NICENESS
from nsxkg.web.workers import WorkerPool
from web.web_helpers import APPS, Server, serve

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
        # Workers start in the background: wait for all of them (main and express lanes),
        # so the timings below measure queries, not start-up.
        deadline = time.monotonic() + 60
        while strict_pool(running).live < 2 + settings.express_workers:
            assert time.monotonic() < deadline, "the query workers did not start"
            time.sleep(0.05)
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
    assert httpx.get(f"{strict.url}/health").json()["queries"]["stopped_at_time_limit"] >= 1
    # The killed worker is replaced: both workers serve again.
    deadline = time.monotonic() + 30
    while pool.live < 2:
        assert time.monotonic() < deadline, "the killed worker was not replaced"
        time.sleep(0.1)
    for _ in range(4):
        assert httpx.get(f"{strict.url}/sparql", params={"query": FAST}).status_code == 200


def strict_pool(server: Server) -> Any:
    # The app object lives in this process (uvicorn runs in a thread): reach its service.
    from web.web_helpers import APPS

    return APPS[server.url].state.nsxkg.service


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


# -- limits on one request and on one client (web/limits.py) -------------------------------

MAX_QUERY = 400
MAX_BODY = 2_000


def client_at(address: str) -> httpx.Client:
    """A client whose connections come from ``address`` (any 127.x.y.z is loopback), so
    each test is its own client to the per-address limits."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=30)


@pytest.fixture(scope="module")
def limited(loaded: Any) -> Iterator[Server]:
    settings = loaded.settings.with_overrides(
        pool_size=2, query_timeout=TIMEOUT, max_query_length=MAX_QUERY, max_body_bytes=MAX_BODY,
        client_concurrency=1, client_rate=1.0, client_burst=3)
    with serve(settings) as running:
        yield running


def padded(length: int) -> str:
    # A valid query of exactly `length` characters: the padding is a comment.
    head = FAST + "\n#"
    return head + "x" * (length - len(head))


def test_query_length_limit_names_the_limit(limited: Server) -> None:
    with client_at("127.0.1.1") as client:
        assert client.get(f"{limited.url}/sparql",
                          params={"query": padded(MAX_QUERY)}).status_code == 200
        for response in (
            client.get(f"{limited.url}/sparql", params={"query": padded(MAX_QUERY + 1)}),
            client.post(f"{limited.url}/sparql", content=padded(MAX_QUERY + 1),
                        headers={"Content-Type": "application/sparql-query"}),
        ):
            assert response.status_code == 413, response.text
            assert f"at most {MAX_QUERY}" in response.text
            assert "NSXKG_MAX_QUERY_LENGTH" in response.text
    with client_at("127.0.1.2") as client:
        page = client.get(f"{limited.url}/query", params={"query": padded(MAX_QUERY + 1)})
    assert page.status_code == 413 and f"at most {MAX_QUERY}" in page.text


def test_declared_body_over_the_limit_is_refused_unread(limited: Server) -> None:
    with client_at("127.0.1.3") as client:
        r = client.post(f"{limited.url}/sparql", data={"query": padded(MAX_BODY)})
    assert r.status_code == 413, r.text
    assert f"{MAX_BODY:,} bytes" in r.text and "NSXKG_MAX_BODY_BYTES" in r.text


def test_chunked_body_is_refused_while_it_is_read(limited: Server) -> None:
    """No Content-Length: the server counts the chunks and answers 413 before the body
    ends (the client never sends the end of it)."""
    host, port = limited.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                     b"Content-Type: application/sparql-query\r\n\r\n")
        chunk = b"#" * 1000
        for _ in range(3):  # 3,000 bytes: past the limit, and the body is left unfinished
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = sock.recv(4096)
            assert data, f"connection closed without an answer: {answer!r}"
            answer += data
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_concurrent_queries_per_client_get_429(limited: Server) -> None:
    with client_at("127.0.1.4") as one, client_at("127.0.1.5") as other, \
            concurrent.futures.ThreadPoolExecutor(max_workers=1) as executor:
        slow = executor.submit(one.get, f"{limited.url}/sparql", params={"query": SLOW})
        time.sleep(0.3)
        refused = one.get(f"{limited.url}/sparql", params={"query": FAST},
                          headers={"Origin": "https://example.org"})
        # Another address is another client; pages are not counted at all.
        assert other.get(f"{limited.url}/sparql", params={"query": FAST}).status_code == 200
        assert one.get(f"{limited.url}/id/source/aei").status_code == 303
        assert slow.result().status_code == 503
    assert refused.status_code == 429, refused.text
    assert int(refused.headers["retry-after"]) >= 1
    assert "NSXKG_CLIENT_CONCURRENCY" in refused.text
    # A page on another origin may read the refusal and when to retry.
    assert refused.headers["access-control-allow-origin"] in ("*", "https://example.org")
    assert "retry-after" in refused.headers["access-control-expose-headers"].lower()


def test_sparql_and_api_queries_count_as_one_client(limited: Server) -> None:
    """/sparql and the canned queries are answered ahead of the framework's layers
    (app.QueryFront), every other route through them: a client's queries still count in one
    table."""
    with client_at("127.0.1.7") as one, \
            concurrent.futures.ThreadPoolExecutor(max_workers=1) as executor:
        slow = executor.submit(one.get, f"{limited.url}/sparql", params={"query": SLOW})
        time.sleep(0.3)
        refused = [one.get(f"{limited.url}/api/queries/occupation-by-code"),  # fronted
                   one.get(f"{limited.url}/query", params={"query": FAST})]  # FastAPI's
        assert slow.result().status_code == 503
    for response in refused:
        assert response.status_code == 429, response.text
        assert "NSXKG_CLIENT_CONCURRENCY" in response.text


def test_query_rate_per_client_gets_429_then_recovers(limited: Server) -> None:
    with client_at("127.0.1.6") as client:
        statuses = [client.get(f"{limited.url}/sparql", params={"query": FAST}).status_code
                    for _ in range(4)]
        assert statuses == [200, 200, 200, 429]  # a burst of 3, then 1 per second
        refused = client.get(f"{limited.url}/sparql", params={"query": FAST})
        assert refused.status_code == 429 and "NSXKG_CLIENT_RATE" in refused.text
        wait = int(refused.headers["retry-after"])
        assert 1 <= wait <= 2
        time.sleep(wait)
        assert client.get(f"{limited.url}/sparql", params={"query": FAST}).status_code == 200


def test_token_bucket_refills_at_the_rate() -> None:
    from nsxkg.web.limits import ClientLimiter

    now = [0.0]
    limiter = ClientLimiter(concurrency=2, rate=2.0, burst=2, clock=lambda: now[0])
    assert limiter.acquire("a") is None and limiter.acquire("a") is None
    refused = limiter.acquire("a")
    assert refused is not None and "at once" in refused[1]  # both slots taken
    limiter.release("a")
    limiter.release("a")
    refused = limiter.acquire("a")  # slots free, bucket empty: 1 token in 0.5 s
    assert refused is not None and refused[0] == pytest.approx(0.5)
    now[0] = 0.5
    assert limiter.acquire("a") is None
    assert limiter.acquire("b") is None  # another address has its own bucket
    assert limiter.running("a") == 1 and limiter.refused == 2


# -- runaway queries and lookups (the lanes of web/service.py; figures in bench/runaway.py) --

RUNAWAYS = [
    SLOW,
    "SELECT (COUNT(*) AS ?n) WHERE { ?s (!<urn:nothing>)* ?o . ?x ?y ?z }",
    "SELECT ?a ?b (COUNT(*) AS ?n) WHERE { ?a ?p ?o . ?b ?q ?r . ?c ?t ?u } GROUP BY ?a ?b",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?x ?y ?z "
    "FILTER(REGEX(CONCAT(STR(?o), STR(?z)), \"(a|e)+.*q{2}$\", \"i\")) }",
]


def test_lookups_are_answered_while_eight_runaways_run(strict: Server) -> None:
    """8 runaway queries from 8 clients keep every main worker busy; once each has been
    seen to be slow, lookups (SPARQL on the express lane, dereferencing and search
    in-process) are all answered meanwhile, and every runaway is stopped at the timeout."""
    lanes = strict_pool(strict).lanes
    done = threading.Event()
    answered: list[int] = []
    addresses = [f"127.0.3.{i + 1}" for i in range(8)]

    def runaway(index: int) -> None:
        with client_at(addresses[index]) as client:
            while not done.is_set():
                r = client.get(f"{strict.url}/sparql",
                               params={"query": RUNAWAYS[index % len(RUNAWAYS)]})
                answered.append(r.status_code)

    lookups = [("/sparql", {"query": FAST}, 200), ("/id/occupation/11-2022.00", None, 303),
               ("/api/search", {"q": "sales"}, 200)]
    # The lookups' own address: 127.0.0.1 sent runaways in the tests above (it is heavy).
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as executor, \
            httpx.Client(base_url=strict.url, timeout=30,
                         transport=httpx.HTTPTransport(local_address="127.0.3.100")) as client:
        futures = [executor.submit(runaway, i) for i in range(8)]
        try:
            # Each runaway client's first query may take the express lane until it outruns
            # the budget there; once all are known, the express lane is the lookups'.
            deadline = time.monotonic() + 60
            while not all(lanes.heavy(a) for a in addresses):
                assert time.monotonic() < deadline, "the runaway clients were not told apart"
                time.sleep(0.1)
            slowest, count, until = 0.0, 0, time.monotonic() + 4.0
            while time.monotonic() < until:
                for path, params, status in lookups:
                    began = time.monotonic()
                    r = client.get(path, params=params)
                    slowest = max(slowest, time.monotonic() - began)
                    assert r.status_code == status, (path, r.status_code, r.text[:200])
                    count += 1
        finally:
            done.set()
            for future in futures:
                future.result()
    assert count >= 10 and slowest < 2.0, (count, slowest)  # a bound to catch a hang only
    assert answered and set(answered) <= {503}, answered
    assert lanes.demoted >= 1  # the express lane sent runaways to the main lane


def test_main_lane_workers_yield_the_cpu_to_the_express_lane(server: Server) -> None:
    assert httpx.get(f"{server.url}/sparql", params={"query": "ASK {}"}).status_code == 200
    lanes = APPS[server.url].state.nsxkg.service.lanes
    assert lanes.express is not None

    def niceness(lane: WorkerPool) -> set[int]:
        return {os.getpriority(os.PRIO_PROCESS, w.process.pid) - os.nice(0)
                for w in lane._all if w.alive and w.process.pid is not None}

    deadline = time.monotonic() + 30  # workers start in the background
    while not (niceness(lanes.main) and niceness(lanes.express)):
        assert time.monotonic() < deadline, "the workers did not start"
        time.sleep(0.1)
    assert niceness(lanes.main) == {MAIN_NICENESS}
    assert niceness(lanes.express) == {0}
