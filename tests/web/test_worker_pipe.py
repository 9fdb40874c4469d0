"""The pipe between the server and its query workers: answers small and large come back whole
and in order, and a query abandoned midway never hands its late answer to the next one."""

from __future__ import annotations

import asyncio
import json

import pyoxigraph as ox
import pytest

from nsxkg.web.failures import TimedOut, TooLarge
from nsxkg.web.workers import Job, WorkerPool, execute
from support import Loaded

ALL = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"
ONE = "SELECT ?n WHERE { VALUES ?n { %d } }"
# A cross join slow enough to be cancelled while it runs (and stopped by the timeout).
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _rows(body: bytes) -> list[dict[str, object]]:
    bindings: list[dict[str, object]] = json.loads(body)["results"]["bindings"]
    return bindings


def _run(loaded: Loaded, scenario: object) -> None:
    async def main() -> None:
        pool = WorkerPool(loaded.build.path, size=1, timeout=3.0)
        await pool.start()
        await pool.ready()
        try:
            await scenario(pool)  # type: ignore[operator]
        finally:
            pool.close()

    asyncio.run(main())


def test_large_and_small_answers_come_back_whole(loaded: Loaded) -> None:
    expected = loaded.store.query(ALL, use_default_graph_as_union=True)
    assert isinstance(expected, ox.QuerySolutions)
    reference = _rows(expected.serialize(format=ox.QueryResultsFormat.JSON) or b"")

    async def scenario(pool: WorkerPool) -> None:
        big = await pool.run(Job(ALL, "json", None))
        assert len(big.body) > 1 << 16  # arrives in many reads
        assert big.count == len(reference) and _rows(big.body) == reference
        for n in range(3):
            small = await pool.run(Job(ONE % n, "csv", None))
            assert small.body.decode().split() == ["n", str(n)]

    _run(loaded, scenario)


def test_an_abandoned_query_never_answers_the_next_one(loaded: Loaded) -> None:
    async def scenario(pool: WorkerPool) -> None:
        slow = asyncio.ensure_future(pool.run(Job(SLOW, "json", None)))
        await asyncio.sleep(0.3)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        answer = await pool.run(Job(ONE % 7, "json", None))
        assert _rows(answer.body) == [{"n": {"type": "literal", "value": "7",
                                             "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]

    _run(loaded, scenario)


def test_the_timeout_still_ends_a_runaway_query(loaded: Loaded) -> None:
    async def scenario(pool: WorkerPool) -> None:
        with pytest.raises(TimedOut):
            await pool.run(Job(SLOW, "json", None))
        assert pool.killed == 1
        answer = await pool.run(Job(ONE % 1, "csv", None))
        assert answer.body.decode().split() == ["n", "1"]

    _run(loaded, scenario)


def test_row_limit_and_every_results_format_match_oxigraph() -> None:
    # Line breaks and tabs inside literals must not be taken for extra rows.
    store = ox.Store()
    s, p = ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p")
    for value in (ox.Literal("one\nline\ttwo\r"), ox.Literal("é", language="fr"),
                  ox.Literal("3", datatype=ox.NamedNode(
                      "http://www.w3.org/2001/XMLSchema#integer"))):
        store.add(ox.Quad(s, p, value))
    query = "SELECT ?o ?unbound WHERE { ?s ?p ?o } ORDER BY ?o"
    for name, fmt in (("json", ox.QueryResultsFormat.JSON), ("xml", ox.QueryResultsFormat.XML),
                      ("csv", ox.QueryResultsFormat.CSV), ("tsv", ox.QueryResultsFormat.TSV)):
        answer = execute(store, Job(query, name, None, limit=3))
        direct = store.query(query, use_default_graph_as_union=True)
        assert isinstance(direct, ox.QuerySolutions)
        assert answer.count == 3 and answer.body == direct.serialize(format=fmt), name
    with pytest.raises(TooLarge):
        execute(store, Job(query, "json", None, limit=2))
