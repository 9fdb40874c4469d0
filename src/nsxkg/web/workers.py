"""Kill-able worker processes for users' SPARQL queries.

pyoxigraph's ``Store.query`` has no timeout and cannot be interrupted from Python (a thread
running it cannot be stopped), so every user query runs in a worker process that holds its
own read-only handle on the store (RocksDB allows many read-only openers of an immutable
directory). When a query outlives the timeout, the worker is killed and a fresh one spawned;
the request answers 503 and the other workers keep serving.

Workers also serialise the answer and enforce the result-size limit themselves, so what
crosses the pipe is either a complete body or an error — never a truncated 200.

Oxigraph's parser and evaluator recurse on the query's structure; on the main thread's 8 MiB
stack a deeply nested query (or a long chain of ``+``, ``/`` or ``UNION``) overflows it and
the process dies. The policy refuses bracket nesting past a limit (``service.py``); beyond
that, each worker runs its queries on a thread with a stack of ``QUERY_STACK_BYTES``: address
space reserved, not memory used (pages are touched only as deep as a query goes), enough for
any query within the length limit (tests/web/test_nesting.py).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import multiprocessing as mp
import multiprocessing.forkserver
import os
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox

from nsxkg.web.failures import (
    BadQuery,
    Busy,
    Internal,
    NotAcceptable,
    QueryError,
    TimedOut,
    TooLarge,
    Unavailable,
    WorkerDied,
)

# "forkserver": workers are forked from a fresh single-threaded interpreter that never held
# the server's locks, threads or RocksDB handles (as with "spawn"), but that interpreter
# imports the server's main module and this one only once: a worker then starts in
# milliseconds plus opening the store, instead of a second or more of imports each time,
# which matters at start-up and whenever a timed-out worker is replaced.
_CONTEXT = mp.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["__main__", __name__])
_STARTUP_TIMEOUT = 60.0
# Answers up to this size are read from the pipe on the event loop; larger ones in a thread,
# so that a big body never holds the loop while it crosses the pipe.
_INLINE_BYTES = 32 * 1024
QUERY_STACK_BYTES = 1 << 30
_log = logging.getLogger(__name__)


def warm_up() -> None:
    """Start the fork server now, so its imports overlap the server's own start-up."""
    multiprocessing.forkserver.ensure_running()


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


# -- the worker process -------------------------------------------------------------------

def _worker_main(conn: Connection, store_path: str, niceness: int) -> None:
    if niceness:
        os.nice(niceness)  # raising it needs no privilege
    threading.stack_size(QUERY_STACK_BYTES)  # for threads started from here on
    serving = threading.Thread(target=_serve, args=(conn, store_path), name="nsxkg-query")
    serving.start()
    serving.join()


def _serve(conn: Connection, store_path: str) -> None:
    store = ox.Store.read_only(store_path)
    conn.send(("ready", None))
    while True:
        try:
            job: Job = conn.recv()
        except EOFError:
            return
        try:
            answer = execute(store, job)
            if len(answer.body) <= _INLINE_BYTES:
                conn.send(("ok", answer))
            else:  # the body follows as raw bytes, read by the server in a thread
                conn.send(("big", (answer.format, answer.count)))
                conn.send_bytes(answer.body)
        except QueryError as err:
            conn.send(("error", err))
        except Exception as err:  # a bug must not take the worker down silently
            conn.send(("error", Internal(f"internal error: {type(err).__name__}: {err}")))


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
        raise BadQuery(f"SPARQL syntax error: {message}") from err
    except (ValueError, OSError) as err:
        raise BadQuery(f"SPARQL evaluation error: {err}") from err
    over = (f"the result is larger than this endpoint's limit of {job.limit:,} "
            f"{{what}}; narrow the query or add LIMIT (and OFFSET to page through it)")
    name = job.rdf_format if isinstance(result, ox.QueryTriples) else job.results_format
    if name is None:
        kind = "an RDF graph" if isinstance(result, ox.QueryTriples) else "query results"
        raise NotAcceptable(f"the query gives {kind}, and none of the media types in "
                            f"Accept can carry them")
    fmt = BY_NAME[name]
    try:
        if isinstance(result, ox.QueryBoolean):
            assert isinstance(fmt.oxigraph, ox.QueryResultsFormat)
            return Answer(result.serialize(format=fmt.oxigraph) or b"", name, 1)
        if isinstance(result, ox.QueryTriples):
            triples = list(itertools.islice(result, job.limit + 1))
            if len(triples) > job.limit:
                raise TooLarge(over.format(what="triples"))
            assert isinstance(fmt.oxigraph, ox.RdfFormat)
            prefixes = PREFIXES if fmt.oxigraph in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) \
                else None
            body = ox.serialize(triples, format=fmt.oxigraph, prefixes=prefixes) or b""
            return Answer(body, name, len(triples))
        assert isinstance(fmt.oxigraph, ox.QueryResultsFormat)
        solutions = _solutions(result, fmt.oxigraph, job.limit)
        if solutions is None:
            raise TooLarge(over.format(what="rows"))
        return Answer(solutions[0], name, solutions[1])
    except (ValueError, OSError) as err:  # raised lazily while iterating
        raise BadQuery(f"SPARQL evaluation error: {err}") from err


class _TooMany(Exception):
    pass


class _CountedLines:
    """Where oxigraph writes TSV results: counts the lines and stops past the limit."""

    def __init__(self, limit: int):
        self.limit = limit
        self.lines = 0
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.lines += data.count(b"\n")
        if self.lines > self.limit + 1:  # the header line, then one line per solution
            raise _TooMany
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def _solutions(result: ox.QuerySolutions, target: ox.QueryResultsFormat,
               limit: int) -> tuple[bytes, int] | None:
    """The results in ``target`` and their number, or None when there are more than
    ``limit``.

    SPARQL TSV has one line per solution (a newline inside a literal is escaped), so
    counting lines as oxigraph writes it enforces the limit without holding more than that
    many rows; oxigraph's own parser and serialisers then give the other formats. All of it
    runs in Rust: building the answer term by term in Python cost more than many light
    queries themselves.
    """
    sink = _CountedLines(limit)
    try:
        result.serialize(cast(IO[bytes], sink), format=ox.QueryResultsFormat.TSV)
    except _TooMany:
        return None
    tsv = b"".join(sink.chunks)
    rows = sink.lines - 1
    if target == ox.QueryResultsFormat.TSV:
        return tsv, rows
    parsed = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
    assert isinstance(parsed, ox.QuerySolutions)
    return parsed.serialize(format=target) or b"", rows


# -- the server side ----------------------------------------------------------------------

class Worker:
    """Blocking: returns once the worker has opened the store (run it in a thread)."""

    def __init__(self, store_path: Path, niceness: int = 0):
        self.conn, child = _CONTEXT.Pipe()
        self.process: BaseProcess = _CONTEXT.Process(
            target=_worker_main, args=(child, str(store_path), niceness), daemon=True,
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

    async def ask(self, job: Job, timeout: float) -> Answer | None:
        """The answer, or None after killing the worker at the timeout.

        The pipe is watched by the event loop (no thread hand-off per query, which costs
        more than a light query itself); only a large answer is read in a thread.
        """
        loop = asyncio.get_running_loop()
        try:
            self.conn.send(job)
            if not await self._readable(loop, timeout):
                self.kill()
                return None
            status, payload = self.conn.recv()
            if status == "big":
                name, count = payload
                body = await asyncio.to_thread(self.conn.recv_bytes)
                return Answer(body, name, count)
        except (EOFError, OSError) as err:  # the worker died (it is replaced by the pool)
            self.kill()
            raise WorkerDied("the query worker stopped unexpectedly; try again") from err
        if status == "ok":
            assert isinstance(payload, Answer)
            return payload
        assert isinstance(payload, QueryError)
        raise payload

    async def _readable(self, loop: asyncio.AbstractEventLoop, timeout: float) -> bool:
        ready: asyncio.Future[None] = loop.create_future()
        fd = self.conn.fileno()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(fd, wake)
        try:
            await asyncio.wait_for(ready, timeout)
            return True
        except TimeoutError:
            return False
        finally:
            loop.remove_reader(fd)
            # uvloop leaves a watched descriptor non-blocking; the pipe's reads that follow
            # (a large answer arrives in several pieces) must block.
            os.set_blocking(fd, True)

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

    def __init__(self, store_path: Path, size: int, timeout: float, niceness: int = 0):
        self.store_path = store_path
        self.niceness = niceness  # CPU priority of the workers (0: the server's own)
        self.size = max(1, size)
        self.timeout = timeout
        self._idle: asyncio.Queue[Worker] | None = None
        self._all: set[Worker] = set()
        self._lock = threading.Lock()
        self.killed = 0  # workers ended by the timeout
        self.failed = 0  # workers that could not start
        self._closed = False
        self._respawning: set[asyncio.Task[None]] = set()  # keep the tasks referenced

    async def start(self) -> None:
        """Begin starting the workers and return at once: the server answers everything
        else meanwhile, and a query waits (within its timeout) for the first one up."""
        self._idle = asyncio.Queue()
        loop = asyncio.get_running_loop()
        for _ in range(self.size):
            task = loop.create_task(self._arrive())
            self._respawning.add(task)
            task.add_done_callback(self._respawning.discard)

    async def ready(self) -> None:
        """Wait until every worker has started (or failed to)."""
        await asyncio.gather(*list(self._respawning), return_exceptions=True)

    async def _arrive(self) -> None:
        idle = self._idle
        assert idle is not None
        try:
            worker = await asyncio.to_thread(Worker, self.store_path, self.niceness)
        except Exception:
            self.failed += 1
            _log.exception("a SPARQL worker failed to start on %s", self.store_path)
            return
        if self._closed:  # the pool was closed (or drained) while this worker started
            worker.kill()
            return
        self._track(worker)
        idle.put_nowait(worker)

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
            if self.failed >= self.size:
                raise Unavailable("the query workers could not open the store; see the "
                                  "server log") from err
            raise Busy(f"all {self.size} query workers stayed busy for {self.timeout:g} s; "
                       f"try again shortly") from err
        remaining = max(0.1, self.timeout - (loop.time() - started))
        try:
            answer = await worker.ask(job, remaining)
        except QueryError:  # the worker answered with an error, or died
            if worker.alive:
                self._idle.put_nowait(worker)
            else:
                self._replace(worker)
            raise
        except BaseException:
            # Cancelled while the worker may still be answering: its late answer must never
            # reach the next query, so this worker is ended and replaced.
            worker.kill()
            self._replace(worker)
            raise
        if answer is None:
            self.killed += 1
            self._replace(worker)
            raise TimedOut(f"the query ran longer than this endpoint's {self.timeout:g} s "
                           f"limit and was stopped; narrow it or add LIMIT")
        self._idle.put_nowait(worker)
        return answer

    def _replace(self, dead: Worker) -> None:
        self._forget(dead)
        if self._closed:
            return
        task = asyncio.get_running_loop().create_task(self._arrive())
        self._respawning.add(task)
        task.add_done_callback(self._respawning.discard)

    async def drain(self, grace: float) -> None:
        """Close once every worker is idle again (a reload swapped in another pool), or after
        ``grace`` seconds: no query runs longer than the timeout, so none is cut short."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while loop.time() < deadline and self._idle is not None \
                and self._idle.qsize() < self.live:
            await asyncio.sleep(0.05)
        self.close()

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.kill()
