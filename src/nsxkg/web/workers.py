"""Kill-able worker processes for users' SPARQL queries.

pyoxigraph's ``Store.query`` has no timeout and cannot be interrupted from Python (a thread
running it cannot be stopped), so every user query runs in a worker process that holds its
own read-only handle on the store (RocksDB allows many read-only openers of an immutable
directory). When a query outlives the timeout, the worker is killed and a fresh one spawned;
the request answers 503 and the other workers keep serving.

Workers also serialise the answer and enforce the result-size limit themselves, so what
crosses the pipe is either a complete body or an error — never a truncated 200.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import multiprocessing as mp
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import pyoxigraph as ox

# "spawn": a fresh interpreter, no inherited locks, threads or RocksDB handles of the server.
_CONTEXT = mp.get_context("spawn")
_STARTUP_TIMEOUT = 60.0


@dataclass(frozen=True)
class Job:
    query: str
    # Names from nsxkg.formats, negotiated before the query runs, one per result kind; None
    # when the client accepts nothing of that kind (answered 406 if the result has it).
    results_format: str | None
    rdf_format: str | None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    limit: int = 100_000


@dataclass(frozen=True)
class Answer:
    body: bytes
    format: str
    count: int  # rows, triples, or 1 for a boolean


class QueryFailed(Exception):
    """The query could not be answered; ``status`` is the HTTP status to send."""

    def __init__(self, status: int, message: str):
        self.status = status
        super().__init__(message)


# -- the worker process -------------------------------------------------------------------

def _worker_main(conn: Connection, store_path: str) -> None:
    store = ox.Store.read_only(store_path)
    conn.send(("ready", None))
    while True:
        try:
            job: Job = conn.recv()
        except EOFError:
            return
        try:
            answer = execute(store, job)
            conn.send(("ok", answer))
        except QueryFailed as err:
            conn.send(("error", (err.status, str(err))))
        except Exception as err:  # a bug must not take the worker down silently
            conn.send(("error", (500, f"internal error: {type(err).__name__}: {err}")))


def execute(store: ox.Store, job: Job) -> Answer:
    """Run one job against a store (in a worker; also usable directly in tests)."""
    from nsxkg.formats import BY_NAME
    from nsxkg.namespaces import PREFIXES

    # SPARQL 1.1 Protocol §2.1.4: once default-graph-uri or named-graph-uri is given, the
    # dataset is exactly what they name (either part may be empty). Without them the default
    # graph is the union of all graphs and every named graph is available to GRAPH.
    explicit = bool(job.default_graphs or job.named_graphs)
    try:
        result = store.query(
            job.query,
            use_default_graph_as_union=not explicit,
            default_graph=[ox.NamedNode(g) for g in job.default_graphs] if explicit else None,
            named_graphs=[ox.NamedNode(g) for g in job.named_graphs] if explicit else None,
        )
    except SyntaxError as err:
        message = str(err).removeprefix("error ").strip()
        raise QueryFailed(400, f"SPARQL syntax error: {message}") from err
    except (ValueError, OSError) as err:
        raise QueryFailed(400, f"SPARQL evaluation error: {err}") from err
    over = (f"the result is larger than this endpoint's limit of {job.limit:,} "
            f"{{what}}; narrow the query or add LIMIT (and OFFSET to page through it)")
    name = job.rdf_format if isinstance(result, ox.QueryTriples) else job.results_format
    if name is None:
        kind = "an RDF graph" if isinstance(result, ox.QueryTriples) else "query results"
        raise QueryFailed(406, f"the query gives {kind}, and none of the media types in "
                               f"Accept can carry them")
    fmt = BY_NAME[name]
    try:
        if isinstance(result, ox.QueryBoolean):
            assert isinstance(fmt.oxigraph, ox.QueryResultsFormat)
            return Answer(result.serialize(format=fmt.oxigraph) or b"", name, 1)
        if isinstance(result, ox.QueryTriples):
            triples = list(itertools.islice(result, job.limit + 1))
            if len(triples) > job.limit:
                raise QueryFailed(422, over.format(what="triples"))
            assert isinstance(fmt.oxigraph, ox.RdfFormat)
            prefixes = PREFIXES if fmt.oxigraph in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) \
                else None
            body = ox.serialize(triples, format=fmt.oxigraph, prefixes=prefixes) or b""
            return Answer(body, name, len(triples))
        variables = [v.value for v in result.variables]
        rows = list(itertools.islice(result, job.limit + 1))
        if len(rows) > job.limit:
            raise QueryFailed(422, over.format(what="rows"))
        return Answer(_solutions(variables, rows, fmt.oxigraph), name, len(rows))
    except (ValueError, OSError) as err:  # raised lazily while iterating
        raise QueryFailed(400, f"SPARQL evaluation error: {err}") from err


def _solutions(variables: list[str], rows: list[ox.QuerySolution],
               target: ox.QueryResultsFormat | ox.RdfFormat | None) -> bytes:
    # The rows were counted by iterating, which consumes oxigraph's result; write them as
    # SPARQL JSON, then let oxigraph's own serialisers produce the other formats from it.
    doc = {"head": {"vars": variables},
           "results": {"bindings": [
               {name: _term_json(row[name]) for name in variables if row[name] is not None}
               for row in rows]}}
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if target == ox.QueryResultsFormat.JSON:
        return body
    assert isinstance(target, ox.QueryResultsFormat)
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    assert isinstance(parsed, ox.QuerySolutions)
    return parsed.serialize(format=target) or b""


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _term_json(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": _term_json(term.subject),
                                            "predicate": _term_json(term.predicate),
                                            "object": _term_json(term.object)}}
    raise TypeError(f"unexpected term {term!r}")


# -- the server side ----------------------------------------------------------------------

class Worker:
    def __init__(self, store_path: Path):
        self.conn, child = _CONTEXT.Pipe()
        self.process: BaseProcess = _CONTEXT.Process(
            target=_worker_main, args=(child, str(store_path)), daemon=True,
            name="nsxkg-sparql-worker")
        self.process.start()
        child.close()
        if not self.conn.poll(_STARTUP_TIMEOUT):
            self.kill()
            raise RuntimeError("a SPARQL worker did not start")
        status, _ = self.conn.recv()
        if status != "ready":
            self.kill()
            raise RuntimeError("a SPARQL worker failed to open the store")

    def call(self, job: Job, timeout: float) -> Answer | None:
        """Blocking: the answer, or None after killing the worker at the timeout."""
        try:
            self.conn.send(job)
            if not self.conn.poll(timeout):
                self.kill()
                return None
            status, payload = self.conn.recv()
        except (EOFError, OSError) as err:  # the worker died (it is replaced by the pool)
            self.kill()
            raise QueryFailed(500, "the query worker stopped unexpectedly; try again") from err
        if status == "ok":
            assert isinstance(payload, Answer)
            return payload
        code, message = payload
        raise QueryFailed(code, message)

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()

    @property
    def alive(self) -> bool:
        return self.process.is_alive()


class WorkerPool:
    """A fixed number of workers; a request waits for an idle one (within its timeout)."""

    def __init__(self, store_path: Path, size: int, timeout: float):
        self.store_path = store_path
        self.size = max(1, size)
        self.timeout = timeout
        self._idle: asyncio.Queue[Worker] | None = None
        self._all: set[Worker] = set()
        self._lock = threading.Lock()
        self.killed = 0  # workers ended by the timeout
        self._respawning: set[asyncio.Task[None]] = set()  # keep the tasks referenced

    async def start(self) -> None:
        self._idle = asyncio.Queue()
        # Start the workers in parallel: each spends most of its start-up importing.
        workers = await asyncio.gather(*(asyncio.to_thread(Worker, self.store_path)
                                         for _ in range(self.size)))
        for worker in workers:
            self._track(worker)
            self._idle.put_nowait(worker)

    @property
    def live(self) -> int:
        """Workers started and not ended (a killed one counts again once replaced)."""
        with self._lock:
            return sum(1 for w in self._all if w.alive)

    def _track(self, worker: Worker) -> None:
        with self._lock:
            self._all.add(worker)

    def _forget(self, worker: Worker) -> None:
        with self._lock:
            self._all.discard(worker)

    async def run(self, job: Job) -> Answer:
        assert self._idle is not None, "the pool has not been started"
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            worker = await asyncio.wait_for(self._idle.get(), timeout=self.timeout)
        except TimeoutError as err:
            raise QueryFailed(503, f"all {self.size} query workers stayed busy for "
                                   f"{self.timeout:g} s; try again shortly") from err
        remaining = max(0.1, self.timeout - (loop.time() - started))
        try:
            answer = await asyncio.to_thread(worker.call, job, remaining)
        except BaseException:
            if worker.alive:
                self._idle.put_nowait(worker)
            else:
                self._replace(worker)
            raise
        if answer is None:
            self.killed += 1
            self._replace(worker)
            raise QueryFailed(503, f"the query ran longer than this endpoint's "
                                   f"{self.timeout:g} s limit and was stopped; narrow it or "
                                   f"add LIMIT")
        self._idle.put_nowait(worker)
        return answer

    def _replace(self, dead: Worker) -> None:
        self._forget(dead)
        idle = self._idle
        assert idle is not None
        loop = asyncio.get_running_loop()

        async def respawn() -> None:
            fresh = await asyncio.to_thread(Worker, self.store_path)
            self._track(fresh)
            idle.put_nowait(fresh)

        task = loop.create_task(respawn())
        self._respawning.add(task)
        task.add_done_callback(self._respawning.discard)

    def close(self) -> None:
        with self._lock:
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.kill()
