"""The per-build answer cache: same query, same answer, without a worker; bounded in bytes;
never for answers that can change between two evaluations."""

from __future__ import annotations

import httpx
import pytest

from nsxkg.web.service import LARGEST_SHARE, ResultCache
from nsxkg.web.sparqltext import analyse
from nsxkg.web.workers import Answer, Job
from web.web_helpers import APPS, Server


def job(query: str, fmt: str = "json") -> Job:
    return Job(query, fmt, None)


def answer(size: int) -> Answer:
    return Answer(b"x" * size, "json", 1)


def test_same_job_same_answer_and_other_formats_apart() -> None:
    cache = ResultCache(1600)
    assert cache.get(job("ASK {}")) is None
    cache.put(job("ASK {}"), answer(10))
    assert cache.get(job("ASK {}")) == answer(10)
    assert cache.get(job("ASK {}", "xml")) is None  # another format is another answer
    assert (cache.hits, cache.misses) == (1, 2)


def test_bounded_by_bytes_least_recently_used_first() -> None:
    cache = ResultCache(1600)
    for n in range(16):
        cache.put(job(f"ASK {{ {n} }}"), answer(100))
    assert cache.size == 1600 and len(cache) == 16
    assert cache.get(job("ASK { 0 }")) is not None  # 0 is now the most recently used
    cache.put(job("ASK { new }"), answer(100))
    assert cache.get(job("ASK { 1 }")) is None  # the least recently used went
    assert cache.get(job("ASK { 0 }")) is not None and cache.size == 1600


def test_large_answers_are_not_kept() -> None:
    cache = ResultCache(1600)
    cache.put(job("SELECT * {}"), answer(1600 // LARGEST_SHARE + 1))
    assert len(cache) == 0
    disabled = ResultCache(0)
    disabled.put(job("ASK {}"), answer(1))
    assert disabled.get(job("ASK {}")) is None


def test_a_repeated_query_is_answered_from_the_cache(server: Server) -> None:
    pool = APPS[server.url].state.nsxkg.service
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?class } # cache test"
    first = httpx.get(f"{server.url}/sparql", params={"query": query},
                      headers={"Accept": "application/sparql-results+json"})
    hits = pool.cache.hits
    second = httpx.get(f"{server.url}/sparql", params={"query": query},
                       headers={"Accept": "application/sparql-results+json"})
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert pool.cache.hits == hits + 1
    csv = httpx.get(f"{server.url}/sparql", params={"query": query},
                    headers={"Accept": "text/csv"})
    assert csv.status_code == 200 and csv.text.startswith("n\r\n")
    assert pool.cache.hits == hits + 1  # another format ran on a worker


@pytest.mark.parametrize(("query", "volatile"), [
    ("SELECT (NOW() AS ?t) {}", True), ("SELECT (rand() AS ?r) {}", True),
    ("SELECT (STRUUID() AS ?u) {}", True), ("SELECT (UUID() AS ?u) {}", True),
    ("SELECT (BNODE() AS ?b) {}", True), ("SELECT * { SERVICE <http://x/> { ?s ?p ?o } }", True),
    ("SELECT * { ?s <http://x/now> ?o }", False), ('SELECT * { ?s ?p "RAND()" }', False),
    ("SELECT * { ?s ?p ?o } # NOW()", False),
    ("SELECT * { ?s ?p \"unterminated }", True),  # unreadable: assume the worst
])
def test_answers_that_may_change_are_told_apart(query: str, volatile: bool) -> None:
    assert analyse(query).volatile is volatile


def test_a_volatile_query_always_runs(server: Server) -> None:
    service = APPS[server.url].state.nsxkg.service
    query = "SELECT (STRUUID() AS ?u) WHERE {}"
    bodies = {httpx.get(f"{server.url}/sparql", params={"query": query}).content
              for _ in range(2)}
    assert len(bodies) == 2 and query not in {j.query for j in service.cache._answers}
