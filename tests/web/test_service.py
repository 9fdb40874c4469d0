"""The query service on its own (web/service.py): the policy's failures as types, the rewrite
hook, the cache around the lanes, and the page-facing ``rows``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pyoxigraph as ox
import pytest

from nsxkg.web.failures import BadQuery, Forbidden, NotAcceptable, QueryError, TooLong
from nsxkg.web.service import Policy, QueryRequest, QueryService
from nsxkg.web.sparqltext import Analysis
from support import Loaded

SEARCH = "urn:nsxkg:test-search"
OCCUPATION = "https://w3id.org/nsxkg/id/occupation/11-2022.00"


@pytest.mark.parametrize(("text", "failure", "words"), [
    ("ASK {}" + " " * 500, TooLong, "at most 400 (NSXKG_MAX_QUERY_LENGTH)"),
    ("ASK " + "{" * 40 + "}" * 40, BadQuery, "more than 32 deep (at line 1, column 37)"),
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", Forbidden, "read-only"),
    ("SELECT * { SERVICE <http://elsewhere/sparql> { ?s ?p ?o } }", Forbidden,
     "SERVICE to <http://elsewhere/sparql> is not allowed"),
    ("SELECT * { SERVICE ?where { ?s ?p ?o } }", Forbidden, "a variable endpoint"),
])
def test_the_policy_refuses_with_a_typed_failure(loaded: Loaded, text: str,
                                                 failure: type[QueryError], words: str) -> None:
    policy = Policy(loaded.settings.with_overrides(max_query_length=400, max_query_depth=32))
    with pytest.raises(failure) as refused:
        policy.check(text)
    assert words in refused.value.message
    assert refused.value.status == {TooLong: 413, BadQuery: 400, Forbidden: 403}[failure]


class Search:
    """Stands in for a text-search step: answers its SERVICE pattern with a VALUES block."""

    services = frozenset({SEARCH})

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, text: str, analysis: Analysis) -> str:
        self.calls += 1
        if SEARCH not in analysis.services:
            return text
        pattern = f"SERVICE <{SEARCH}> {{ ?hit <urn:x:matches> \"sales\" }}"
        if pattern not in text:
            raise BadQuery("the text search takes one pattern: ?hit <urn:x:matches> \"…\"")
        return text.replace(pattern, f"VALUES ?hit {{ <{OCCUPATION}> }}")


def _with_service(loaded: Loaded, scenario: Callable[[QueryService, Search],
                                                     Awaitable[None]]) -> None:
    search = Search()

    async def main() -> None:
        service = QueryService(loaded.settings.with_overrides(pool_size=1, express_workers=0),
                               loaded.build.path, rewrites=[search])
        await service.start()
        await service.ready()
        try:
            await scenario(service, search)
        finally:
            service.close()

    asyncio.run(main())


def test_a_rewrite_step_answers_its_own_service_pattern(loaded: Loaded) -> None:
    query = (f"SELECT ?label WHERE {{ SERVICE <{SEARCH}> {{ ?hit <urn:x:matches> \"sales\" }} "
             f"?hit <http://www.w3.org/2004/02/skos/core#prefLabel> ?label }}")

    async def scenario(service: QueryService, search: Search) -> None:
        variables, rows = await service.rows(query, "127.0.0.1")
        assert variables == ["label"]
        assert [str(r[0].value) for r in rows if r[0] is not None] == ["Sales Managers"]
        # Exempt from the allow-list only for the step's own endpoint.
        with pytest.raises(Forbidden):
            await service.rows(query.replace(SEARCH, "urn:nsxkg:elsewhere"), "127.0.0.1")
        with pytest.raises(BadQuery, match="one pattern"):
            await service.rows(query.replace("sales", "x\\\" }"), "127.0.0.1")
        # The cache keeps the rewritten query's answer; the step runs for every request.
        calls, hits = search.calls, service.cache.hits
        await service.rows(query, "127.0.0.1")
        assert service.cache.hits == hits + 1 and search.calls == calls + 1

    _with_service(loaded, scenario)


def test_rows_give_pages_rdf_terms(loaded: Loaded) -> None:
    async def scenario(service: QueryService, _: Search) -> None:
        variables, rows = await service.rows(
            f"SELECT ?o ?n WHERE {{ BIND(<{OCCUPATION}> AS ?o) BIND(3 AS ?n) }}", "::1")
        assert variables == ["o", "n"]
        assert rows == [[ox.NamedNode(OCCUPATION),
                         ox.Literal("3", datatype=ox.NamedNode(
                             "http://www.w3.org/2001/XMLSchema#integer"))]]
        assert await service.rows("ASK {}", "::1") == (["result"], [[ox.Literal(True)]])
        with pytest.raises(NotAcceptable):
            await service.rows("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", "::1")
        answer = await service.run(QueryRequest("DESCRIBE <" + OCCUPATION + ">", "::1", None,
                                                "ntriples"))
        assert answer.format == "ntriples" and answer.count == answer.body.count(b"\n") > 0

    _with_service(loaded, scenario)


def test_failures_keep_their_type_across_the_worker(loaded: Loaded) -> None:
    async def scenario(service: QueryService, _: Search) -> None:
        caught: list[Any] = []
        for text in ("SELECT * WHERE { ?s ?p }", "SELECT (xsd:nope(1) AS ?x) {}"):
            with pytest.raises(BadQuery) as failed:
                await service.rows(text, "::1")
            caught.append(failed.value.message)
        assert caught[0].startswith("SPARQL syntax error: at 1:")
        assert service.died == 0

    _with_service(loaded, scenario)
