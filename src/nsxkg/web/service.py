"""The query service: the one path every user's SPARQL query takes, read top to bottom.

``/sparql``, ``/api/queries/{name}`` and the query page all hand their query to
:class:`QueryService`, which answers it or raises a :class:`~nsxkg.web.failures.QueryError`
(one type per kind of failure, each with its HTTP status)::

    QueryRequest ──▶ policy ──▶ rewrite ──▶ cache ──▶ lanes ──▶ worker ──▶ Answer
                    length      (hook)      per        main or   process:
                    depth                   build      express   parse, run,
                    updates                                      serialise
                    SERVICE

1. **policy** (:class:`Policy`): what may run here at all, decided from the text before
   anything else: its length (413), how deeply it nests brackets (400, naming the line and
   column: deeper than any query a person writes, and what a recursive parser overflows
   on), updates (403: read-only) and SERVICE endpoints against the allow-list (403).
2. **rewrite**: the :class:`Rewrite` steps, in order, each given the text and returning the
   text to run: the one place a query is changed before it runs (issue 15's text search
   answers its own ``SERVICE <…>`` pattern here; the SERVICE endpoints a step answers
   itself are exempt from the allow-list). None by default.
3. **cache** (:class:`ResultCache`): a served build never changes, so an answer computed once
   is right until the next reload; a repeated query is answered without a worker. Answers
   that may differ between two evaluations (SERVICE, NOW(), RAND(), …) are never kept.
4. **lanes** (:class:`Lanes`): two groups of worker processes, so that cheap queries never
   queue behind runaway ones (see the class).
5. **worker** (``workers.py``): a process that holds its own read-only store handle, runs
   the query on a thread with a large stack, serialises the answer and enforces the result
   limit; killed at its lane's time limit.

The client (the address the request came from) is passed in the request: the lanes mark a
client whose queries run long. The server's own bounded lookups (dereferencing, resource
pages, search) read the store in-process and do not come here.

Using it (``state.service`` in a route):

* ``await service.run(QueryRequest(text, client, results_format, rdf_format))`` gives an
  :class:`~nsxkg.web.workers.Answer`: the body in the negotiated format and its count;
* ``service.check(text)`` applies the policy alone, for a route that needs the query form
  to negotiate before it runs anything (``/sparql``);
* ``await service.rows(text, client)`` is for pages (the query page; framework pages): the
  variables and rows of a SELECT as RDF terms, with every protection above;
* any of them raises a :class:`~nsxkg.web.failures.QueryError`; ``nsxkg.web.http.failed``
  turns one into the response (status, message, ``Retry-After``).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from nsxkg.config import Settings
from nsxkg.namespaces import NSX
from nsxkg.web.failures import (
    BadQuery,
    Busy,
    Forbidden,
    TimedOut,
    TooLarge,
    TooLong,
    Unavailable,
)
from nsxkg.web.sparqltext import (
    Analysis,
    analyse,
    disallowed_services,
    line_and_column,
    too_deep,
)
from nsxkg.web.workers import Answer, Job, WorkerPool

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
READ_ONLY = ("this endpoint is read-only: SPARQL Update ({what}) is refused; use the query "
             "operation (SELECT, ASK, CONSTRUCT, DESCRIBE)")


@dataclass(frozen=True)
class QueryRequest:
    """One query to answer, and how: the formats negotiated from the request (names from
    ``nsxkg.formats``; None for a kind the client accepts nothing of), and the dataset."""

    text: str
    client: str  # the address it came from
    results_format: str | None = "json"
    rdf_format: str | None = "turtle"
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


# -- 1. policy --------------------------------------------------------------------------------

class Policy:
    """What the settings allow a query text to ask for (checked before anything runs)."""

    def __init__(self, settings: Settings, exempt_services: frozenset[str] = frozenset()):
        self.max_length = settings.max_query_length
        self.max_depth = settings.max_query_depth
        self.allowed = [*settings.service_allow, *sorted(exempt_services)]
        self.shown_allowed = settings.service_allow
        self._passed: str | None = None  # the last text that passed, and what it asks for
        self._analysis = Analysis(form=None)

    def check(self, text: str) -> Analysis:
        """What the text asks for, when it may run; else the failure, raised."""
        if text is self._passed:  # /sparql checks before it negotiates, then runs the text
            return self._analysis
        analysis = self._check(text)
        self._passed, self._analysis = text, analysis
        return analysis

    def _check(self, text: str) -> Analysis:
        if len(text) > self.max_length:
            raise TooLong(f"the query is {len(text):,} characters long; this endpoint "
                          f"accepts at most {self.max_length:,} (NSXKG_MAX_QUERY_LENGTH)")
        offset = too_deep(text, self.max_depth)
        if offset is not None:
            line, column = line_and_column(text, offset)
            raise BadQuery(f"the query nests brackets more than {self.max_depth} deep (at "
                           f"line {line}, column {column}); this endpoint runs queries "
                           f"nested up to {self.max_depth} levels (NSXKG_MAX_QUERY_DEPTH)")
        analysis = analyse(text)
        if analysis.update:
            raise Forbidden(READ_ONLY.format(what=analysis.update))
        refused = disallowed_services(analysis, self.allowed)
        if refused:
            described = {"?variable": "a variable endpoint",
                         "?unreadable": "an endpoint in text that could not be read"}
            shown = ", ".join(f"<{iri}>" for iri in self.shown_allowed) or "none"
            raise Forbidden("SERVICE to " + ", ".join(described.get(iri, f"<{iri}>")
                                                      for iri in refused)
                            + f" is not allowed on this endpoint (allowed: {shown})")
        return analysis


# -- 2. rewrite -------------------------------------------------------------------------------

class Rewrite(Protocol):
    """A step that changes a query's text before it runs (e.g. answering a text-search
    ``SERVICE`` pattern from an index built at load time). Steps are given to
    :class:`QueryService` (``lifecycle.open_state`` builds it per loaded build).

    A step gets the text that passed the policy and what the policy read from it
    (``analysis.services`` lists the SERVICE endpoints the text names, so a step that has
    nothing to do returns at once), and returns the text to run; a query it cannot rewrite
    is a :class:`~nsxkg.web.failures.BadQuery`. It must give the same text for the same
    input on one build: its output is what the cache keys on. It runs on the event loop
    (hand blocking work to a thread).
    """

    #: SERVICE endpoints this step answers itself (exempt from the allow-list).
    services: frozenset[str]

    async def __call__(self, text: str, analysis: Analysis) -> str: ...


class TextSearch:
    """Issue 15's full-text search: each ``SERVICE nsx:textSearch { … }`` block is answered
    from the build's text index (``nsxkg.textsearch``) and replaced by a ``VALUES`` block of
    its matches, which the engine joins like any other pattern.

    The matches are capped at the result limit (a search that matches more is refused, not
    cut short), so the work done here is bounded although it runs outside the workers.
    """

    services = frozenset({NSX.textSearch.value})

    def __init__(self, build_path: Path, result_limit: int):
        from nsxkg.textsearch import Expander

        self.expander = Expander(build_path)  # the index is opened on the first search
        self.result_limit = result_limit

    async def __call__(self, text: str, analysis: Analysis) -> str:
        if not self.services.intersection(analysis.services):
            return text
        return await asyncio.to_thread(self.expand, text)

    def expand(self, text: str) -> str:
        from nsxkg.textindex import TooManyMatches
        from nsxkg.textsearch import TextSearchError

        try:
            return self.expander.expand(text, most=self.result_limit)
        except TextSearchError as err:
            raise BadQuery(str(err)) from err
        except TooManyMatches as err:
            raise TooLarge(f"{err}, more than this endpoint's result limit; add "
                           f"nsx:searchLimit (the best N by relevance) or narrow the "
                           f"search") from err


# -- 3. cache ---------------------------------------------------------------------------------

LARGEST_SHARE = 16  # an answer over 1/16 of the cache is not kept


class ResultCache:
    """Answers per job, least recently used dropped first, bounded by the bytes held."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max(0, max_bytes)
        self._answers: OrderedDict[Job, Answer] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def get(self, job: Job) -> Answer | None:
        if not self.max_bytes:
            return None
        answer = self._answers.get(job)
        if answer is None:
            self.misses += 1
            return None
        self._answers.move_to_end(job)
        self.hits += 1
        return answer

    def put(self, job: Job, answer: Answer) -> None:
        size = len(answer.body)
        if not self.max_bytes or size > self.max_bytes // LARGEST_SHARE or job in self._answers:
            return
        self._answers[job] = answer
        self._bytes += size
        while self._bytes > self.max_bytes:
            _, dropped = self._answers.popitem(last=False)
            self._bytes -= len(dropped.body)

    @property
    def size(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._answers)


# -- 4. lanes ---------------------------------------------------------------------------------

MAIN_NICENESS = 10  # CPU priority of the main lane's workers (the server and express: 0)
HEAVY_FOR = 60.0  # seconds a client stays heavy after a query outran its lane's limit
_PRUNE_AT = 4096


class Lanes:
    """Two lanes of workers, so that cheap queries never queue behind runaway ones.

    Nothing tells a runaway from a lookup before it runs, so the lanes learn it per client:

    * the main lane is ``pool_size`` workers with the full timeout, at a lower CPU priority
      (runaways end up there and would otherwise take the CPU lookups need);
    * the express lane is ``express_workers`` more, each query cut at ``express_budget``
      seconds. A query takes it only when no main worker is free and its client has not
      sent a slow query lately;
    * a query stopped at its lane's limit marks its client *heavy* for ``HEAVY_FOR`` s; one
      stopped on the express lane runs again on the main lane (it loses at most the budget).
      A heavy client's queries take the main lane only.

    Measured (bench/runaway.py): with 8 runaways in flight, lookups keep answering at once.
    """

    def __init__(self, store_path: Path, settings: Settings,
                 clock: Callable[[], float] = time.monotonic):
        self.main = WorkerPool(store_path, settings.pool_size, settings.query_timeout,
                               niceness=MAIN_NICENESS)
        self.express = WorkerPool(store_path, settings.express_workers,
                                  settings.express_budget) \
            if settings.express_workers > 0 else None
        self.timeout = settings.query_timeout
        self._clock = clock
        self._slow: dict[str, float] = {}  # client -> when its last slow query ended
        self.demoted = 0  # queries moved from the express lane to the main lane
        self._main_load = 0  # queries running on the main lane or waiting for it

    @property
    def pools(self) -> list[WorkerPool]:
        return [self.main] + ([self.express] if self.express is not None else [])

    def heavy(self, client: str) -> bool:
        when = self._slow.get(client)
        return when is not None and self._clock() - when < HEAVY_FOR

    async def run(self, job: Job, client: str) -> Answer:
        express = self.express
        if express is None or self._main_load < self.main.size or self.heavy(client):
            return await self._main(job, client)
        deadline = self._clock() + self.timeout
        while True:
            try:
                return await express.run(job)
            except TimedOut:  # a slow query: the main lane it is
                self._mark(client)
                self.demoted += 1
                break
            except Busy:
                # The express lane stayed busy for a budget's time. Its queries end within
                # the budget, so waiting on is short, whereas the main lane may be held by
                # runaways for the whole timeout: wait on, unless a main worker came free.
                if self._clock() >= deadline:
                    raise Busy(f"every query worker stayed busy for {self.timeout:g} s; "
                               f"try again shortly") from None
                if self._main_load < self.main.size:
                    break
            except Unavailable:
                break
        return await self._main(job, client)

    async def _main(self, job: Job, client: str) -> Answer:
        self._main_load += 1
        try:
            return await self.main.run(job)
        except TimedOut:
            self._mark(client)
            raise
        finally:
            self._main_load -= 1

    def _mark(self, client: str) -> None:
        now = self._clock()
        if len(self._slow) >= _PRUNE_AT:
            self._slow = {c: t for c, t in self._slow.items() if now - t < HEAVY_FOR}
        self._slow[client] = now


# -- the service ------------------------------------------------------------------------------

class QueryService:
    """Policy, rewrites, cache and lanes over one loaded build (see the module docstring)."""

    def __init__(self, settings: Settings, store_path: Path,
                 rewrites: Sequence[Rewrite] = ()):
        self.rewrites = list(rewrites)
        self.policy = Policy(settings, frozenset().union(*(r.services for r in rewrites)))
        self.cache = ResultCache(settings.result_cache_mb * 2**20)
        self.lanes = Lanes(store_path, settings)
        self.result_limit = settings.result_limit

    def check(self, text: str) -> Analysis:
        """The policy alone: what the text asks for (its form picks the formats a route
        negotiates), or the failure. :meth:`run` then finds the same text already checked."""
        return self.policy.check(text)

    async def run(self, request: QueryRequest) -> Answer:
        analysis = self.policy.check(request.text)
        text = request.text
        for rewrite in self.rewrites:
            text = await rewrite(text, analysis)
        # A SERVICE pattern a step answered is gone from the text it gave: read that text.
        volatile = (analysis if text is request.text else analyse(text)).volatile
        job = Job(text, request.results_format, request.rdf_format, request.default_graphs,
                  request.named_graphs, self.result_limit)
        answer = None if volatile else self.cache.get(job)
        if answer is None:
            answer = await self.lanes.run(job, request.client)
            if not volatile:
                self.cache.put(job, answer)
        return answer

    async def rows(self, text: str, client: str) -> tuple[list[str], list[list[Term | None]]]:
        """For pages: the variables and rows of a SELECT (an ASK gives ``["result"]`` and
        one boolean literal), as RDF terms. Raises what :meth:`run` raises (a CONSTRUCT or
        DESCRIBE: :class:`~nsxkg.web.failures.NotAcceptable`)."""
        answer = await self.run(QueryRequest(text, client, "json", None))
        parsed = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)
        if isinstance(parsed, ox.QueryBoolean):
            return ["result"], [[ox.Literal(bool(parsed))]]
        variables = [v.value for v in parsed.variables]
        return variables, [[solution[name] for name in variables] for solution in parsed]

    # -- life cycle (the lifecycle module starts, swaps and ends services) ------------------

    async def start(self) -> None:
        """Begin starting the workers; returns at once (a query waits for the first)."""
        for pool in self.lanes.pools:
            await pool.start()

    async def ready(self) -> None:
        await asyncio.gather(*(pool.ready() for pool in self.lanes.pools))

    @property
    def live(self) -> int:
        return sum(pool.live for pool in self.lanes.pools)

    def lanes_up(self) -> dict[str, int]:
        """Live workers per lane; a lane with none cannot answer (``/health``)."""
        names = ["main", "express"]
        return {name: pool.live for name, pool in zip(names, self.lanes.pools, strict=False)}

    def heal(self) -> None:
        """Replace workers that died while idle (see ``WorkerPool.heal``)."""
        for pool in self.lanes.pools:
            pool.heal()

    @property
    def killed(self) -> int:
        """Workers ended at their lane's time limit."""
        return sum(pool.killed for pool in self.lanes.pools)

    @property
    def died(self) -> int:
        """Workers that ended by themselves while answering (a crash: must stay 0)."""
        return sum(pool.died for pool in self.lanes.pools)

    async def drain(self, grace: float) -> None:
        await asyncio.gather(*(pool.drain(grace) for pool in self.lanes.pools))

    def close(self) -> None:
        for pool in self.lanes.pools:
            pool.close()
