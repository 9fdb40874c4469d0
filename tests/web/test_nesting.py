"""No query shape crashes anything: every recursive construct of the SPARQL grammar, nested or
chained as far as the length limit allows, gets 200, 400 with a message, 422 (over the result
limit) or 503 at the timeout — never a worker crash or another 5xx.

Oxigraph's parser and evaluator recurse on a query's structure, and on a thread's default
8 MiB stack a query nested some thousands deep overflows it and kills the process (measured:
``{`` 20,000 deep, ``1+1+…`` 20,000 terms, ``{…} UNION {…} …`` 20,000 branches). Two defences,
each tested here: the policy refuses bracket nesting past ``max_query_depth`` before any
parser sees it (400, naming the line and column), and the workers run queries on a thread
with a 1 GiB stack, for what has no brackets to count (operator and path chains, UNION
chains, long lists). How fast lookups stay meanwhile is measured by ``make bench``
(``param_mix.nesting``), not here.
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pyoxigraph as ox
import pytest

from nsxkg.query import on_query_stack
from nsxkg.web.sparqltext import line_and_column, too_deep
from nsxkg.web.workers import Job, execute
from web.web_helpers import APPS, Server, serve

LENGTH = 100_000  # the default NSXKG_MAX_QUERY_LENGTH
DEPTH = 256  # the default NSXKG_MAX_QUERY_DEPTH
TIMEOUT = 3.0
P = "<urn:x:p>"


def _repeat(head: str, unit: str, tail_unit: str, tail: str, core: str = "",
            depth: int | None = None) -> str:
    """``head`` + ``unit``×n + ``core`` + ``tail_unit``×n + ``tail``, with n as large as
    fits in LENGTH (or ``depth``)."""
    if depth is None:
        room = LENGTH - len(head) - len(tail) - len(core) - 16
        depth = room // (len(unit) + len(tail_unit))
    return head + unit * depth + core + tail_unit * depth + tail


def _chain(head: str, item: str, joiner: str, tail: str) -> str:
    count = (LENGTH - len(head) - len(tail) - 16) // (len(item) + len(joiner))
    return head + joiner.join([item] * count) + tail


# Constructs that nest by opening a bracket per level: (head, unit, tail unit, tail, core).
NESTED: dict[str, tuple[str, str, str, str, str]] = {
    "group": ("SELECT * WHERE ", "{ ", "} ", "", "?s ?p ?o "),
    "bracketed expression": ("ASK { FILTER(", "(", ")", ") }", "1"),
    "function call": ("ASK { FILTER(", "STR(", ")", " != \"\") }", "1"),
    "nested IN": ("ASK { FILTER(", "1 IN (", ")", ") }", "1"),
    "OPTIONAL": ("SELECT * WHERE { ?s ?p ?o ", "OPTIONAL { ?s ?p ?o ", "} ", "}", ""),
    "EXISTS": ("ASK { ?s ?p ?o ", "FILTER EXISTS { ?s ?p ?o ", "} ", "}", ""),
    "NOT EXISTS": ("ASK { ?s ?p ?o ", "FILTER NOT EXISTS { ", "} ", "}", ""),
    "MINUS": ("SELECT * WHERE { ?s ?p ?o ", "MINUS { ?s ?p ?o ", "} ", "}", ""),
    "GRAPH": ("SELECT * WHERE { ", "GRAPH ?g { ", "} ", "}", "?s ?p ?o "),
    "nested UNION": ("SELECT * WHERE ", "{ { ?s ?p ?o } UNION ", "} ", "", "{ ?s ?p ?o } "),
    "subquery": ("SELECT * WHERE ", "{ SELECT * WHERE ", "} ", "", "{ ?s ?p ?o } "),
    "bracketed path": ("SELECT * WHERE { ?s ", "(", ")", " ?o }", P),
    "inverse path": ("SELECT * WHERE { ?s ", "^(", ")", " ?o }", P),
    "path modifiers": ("SELECT * WHERE { ?s ", "(", ")*", " ?o }", P),
    "collection": ("SELECT * WHERE { ?s ?p ", "(", ")", " }", "1"),
    "blank node property list": ("SELECT * WHERE { ?s ?p ", f"[ {P} ", "] ", "}", "1 "),
    "CONSTRUCT template": ("CONSTRUCT { ?s ?p ", f"[ {P} ", "] ", "} WHERE { ?s ?p ?o }",
                           "?o "),
    "BIND expression": ("SELECT * WHERE { BIND(", "(", ")", " AS ?x) }", "1"),
    "ORDER BY expression": ("SELECT * WHERE { ?s ?p ?o } ORDER BY ", "(", ")", "", "?s"),
    "aggregate argument": ("SELECT (SUM(", "(", ")", ") AS ?n) WHERE { ?s ?p ?o }", "1"),
}

# Constructs that grow without brackets: chains and lists.
CHAINS: dict[str, str] = {
    "+ chain": _chain("ASK { FILTER(", "1", "+", " > 0) }"),
    "* chain": _chain("ASK { FILTER(", "1", "*", " > 0) }"),
    "|| chain": _chain("ASK { FILTER(", "false", "||", ") }"),
    "&& chain": _chain("ASK { FILTER(", "true", "&&", ") }"),
    "unary ! chain": _repeat("ASK { FILTER(", "!", "", ") }", "true"),
    "UNION chain": _chain("SELECT * WHERE { ", "{ ?s ?p ?o }", " UNION ", " }"),
    "path sequence": _chain("SELECT * WHERE { ?s ", P, "/", " ?o }"),
    "path alternative": _chain("SELECT * WHERE { ?s ", P, "|", " ?o }"),
    "predicate-object list": _chain("SELECT * WHERE { ?s ", f"{P} ?o", " ; ", " }"),
    "object list": _chain(f"SELECT * WHERE {{ ?s {P} ", "?o", " , ", " }"),
    "triples": _chain("SELECT * WHERE { ", "?s ?p ?o", " . ", " }"),
    "IN list": _chain("ASK { FILTER(1 IN (", "1", ", ", ")) }"),
    "VALUES": _chain("SELECT * WHERE { VALUES ?x { ", "1", " ", " } }"),
    "BIND sequence": _chain("SELECT * WHERE { ?s ?p ?o ", "BIND(1 AS ?x)", " ", " }"),
    "OPTIONAL sequence": _chain("SELECT * WHERE { ?s ?p ?o ", "OPTIONAL { ?s ?p ?o }", " ",
                                " }"),
    "FILTER sequence": _chain("SELECT * WHERE { ?s ?p ?o ", "FILTER(?o)", " ", " }"),
}


def nested(name: str, depth: int | None = None) -> str:
    head, unit, tail_unit, tail, core = NESTED[name]
    return _repeat(head, unit, tail_unit, tail, core, depth)


# -- the depth count, on its own -----------------------------------------------------------

@pytest.mark.parametrize("name", list(NESTED))
def test_depth_is_refused_just_past_the_limit(name: str) -> None:
    assert too_deep(nested(name, DEPTH - 8), DEPTH) is None
    text = nested(name, DEPTH + 8)
    offset = too_deep(text, DEPTH)
    assert offset is not None and text[offset] in "{(["
    # The offset is the bracket that opened level DEPTH + 1.
    depth = sum({"{": 1, "(": 1, "[": 1, "}": -1, ")": -1, "]": -1}.get(c, 0)
                for c in text[:offset + 1])
    assert depth == DEPTH + 1


def test_brackets_in_strings_iris_and_comments_are_not_counted() -> None:
    inert = ('"((((" \'[[[[\' """{{{{\n""" <urn:x:p> # ((((((\n')
    text = "SELECT * WHERE { ?s ?p ?o FILTER(" + inert * 200 + "true) }"
    assert too_deep(text, 4) is None
    assert too_deep("{{{{{", 4) == 4 and too_deep("{{{{}}}}{{{{", 4) is None


def test_the_position_is_given_as_line_and_column() -> None:
    text = "SELECT *\nWHERE {\n  " + "{" * 300
    offset = too_deep(text, DEPTH)
    assert offset is not None and line_and_column(text, offset) == (3, 3 + DEPTH - 1)


# -- the large query stack ----------------------------------------------------------------

@pytest.mark.parametrize("depth", [20_000, 45_000])
def test_the_query_stack_holds_what_the_default_stack_cannot(depth: int) -> None:
    """Nesting that overflows an 8 MiB stack (20,000 groups) runs on the query stack; the
    policy would refuse it, so this is the second line of defence, tested on its own."""
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.Literal("1")))
    query = nested("group", depth)
    answer = on_query_stack(lambda: execute(store, Job(query, "json", None)))
    assert answer.count == 1


# -- through the server -------------------------------------------------------------------

@pytest.fixture(scope="module")
def guarded(loaded: Any) -> Iterator[Server]:
    settings = loaded.settings.with_overrides(pool_size=2, query_timeout=TIMEOUT,
                                              client_rate=1000.0, client_burst=1000)
    with serve(settings) as running:
        yield running


def _send(server: Server, query: str) -> httpx.Response:
    return httpx.post(f"{server.url}/sparql", data={"query": query}, timeout=60,
                      headers={"Accept": "application/sparql-results+json, text/turtle"})


@pytest.mark.parametrize("name", list(NESTED))
def test_deep_nesting_is_a_400_naming_the_position(guarded: Server, name: str) -> None:
    query = nested(name)
    assert len(query) <= LENGTH
    response = _send(guarded, query)
    assert response.status_code == 400, (name, response.status_code, response.text[:300])
    assert f"more than {DEPTH} deep (at line 1, column " in response.text
    assert "NSXKG_MAX_QUERY_DEPTH" in response.text


@pytest.mark.parametrize("name", list(NESTED))
def test_nesting_up_to_the_limit_is_answered(guarded: Server, name: str) -> None:
    # 200, a 400 for what the grammar does not allow at this depth, 422 for an answer over
    # the result limit, or 503 at the timeout: never a worker that died.
    response = _send(guarded, nested(name, DEPTH - 2))
    assert response.status_code in (200, 400, 422, 503), (name, response.status_code,
                                                      response.text[:300])
    if response.status_code == 400:
        assert response.text.startswith("SPARQL syntax error"), response.text[:300]


@pytest.mark.parametrize("name", list(CHAINS))
def test_chains_as_long_as_the_limit_allows_are_answered(guarded: Server, name: str) -> None:
    query = CHAINS[name]
    assert LENGTH - 200 < len(query) <= LENGTH
    response = _send(guarded, query)
    assert response.status_code in (200, 400, 422, 503), (name, response.status_code,
                                                      response.text[:300])
    if response.status_code == 503:
        assert "limit and was stopped" in response.text
    if response.status_code == 400:
        assert response.text.startswith("SPARQL"), response.text[:300]


def test_lookups_are_answered_while_clients_loop_nested_queries(guarded: Server) -> None:
    """Four clients send nested queries (refused at once) and chains (run to the timeout or
    the result limit) in a loop; lookups meanwhile are answered, and no answer is a 5xx
    other than 503."""
    attacks = [nested("group"), nested("bracketed expression"), CHAINS["+ chain"],
               CHAINS["UNION chain"]]
    done = threading.Event()
    statuses: list[int] = []

    def attack(index: int) -> None:
        transport = httpx.HTTPTransport(local_address=f"127.0.5.{index + 1}")
        with httpx.Client(transport=transport, timeout=60) as client:
            while not done.is_set():
                statuses.append(client.post(f"{guarded.url}/sparql",
                                            data={"query": attacks[index]}).status_code)

    lookup = "SELECT ?l WHERE { ?o <http://www.w3.org/2004/02/skos/core#prefLabel> ?l } LIMIT 1"
    # The lookups' own address: 127.0.0.1 sent chains that ran to the timeout above, so it
    # is a heavy client now, whose queries take the main lane that the attackers hold.
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as executor, \
            httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.5.100"),
                         timeout=30) as looker:
        futures = [executor.submit(attack, i) for i in range(4)]
        try:
            # A chain's first run may take the express lane until it outruns the budget
            # there (its worker is then replaced); once both chain clients are known, the
            # express lane is the lookups'.
            service = APPS[guarded.url].state.nsxkg.service
            deadline = time.monotonic() + 60
            while not (all(service.lanes.heavy(f"127.0.5.{i + 1}") for i in (2, 3))
                       and service.live == 3):
                assert time.monotonic() < deadline, "the chain clients were not told apart"
                time.sleep(0.1)
            answered, until = 0, time.monotonic() + 2 * TIMEOUT
            while time.monotonic() < until:
                r = looker.get(f"{guarded.url}/sparql", params={"query": lookup})
                assert r.status_code == 200, (r.status_code, r.text[:200])
                answered += 1
        finally:
            done.set()
            for future in futures:
                future.result()
    assert answered >= 5
    # The UNION chain answers all of the (small) graph thousands of times over: it runs to
    # the timeout (503), or, on a fast enough machine, past the result limit first (422).
    assert statuses and set(statuses) <= {400, 422, 503}, sorted(set(statuses))


def test_no_worker_died_on_any_of_it(guarded: Server) -> None:
    # Runs last in this module: workers ended by the timeout were killed (SIGKILL, by the
    # pool); none may have died on its own. Their replacements serve on.
    service = APPS[guarded.url].state.nsxkg.service
    assert service.died == 0
    deadline = time.monotonic() + 30
    while service.live < 3:
        assert time.monotonic() < deadline, "the workers were not replaced"
        time.sleep(0.1)
    assert _send(guarded, "ASK {}").status_code == 200
