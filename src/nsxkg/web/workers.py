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
that, each worker runs its queries on a thread with a stack of ``QUERY_STACK_BYTES``
(``nsxkg.query``), enough for any query within the length limit
(tests/web/test_nesting.py).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
import multiprocessing.forkserver
import os
import pickle
import socket
import struct
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import IO, Any, cast

import pyoxigraph as ox

from nsxkg.formats import BY_NAME
from nsxkg.namespaces import PREFIXES
from nsxkg.query import QUERY_STACK_BYTES
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
    conn.send_bytes(_frame(("ready", None)))
    while True:
        try:
            job: Job = pickle.loads(conn.recv_bytes())
        except EOFError:
            return
        try:
            answer = execute(store, job)
            conn.send_bytes(_frame(("ok", (answer.format, answer.count)), answer.body))
        except QueryError as err:
            conn.send_bytes(_frame(("error", err)))
        except Exception as err:  # a bug must not take the worker down silently
            conn.send_bytes(_frame(("error", Internal(
                f"internal error: {type(err).__name__}: {err}"))))


# One message each way per query, as multiprocessing's Connection frames it (a 4-byte
# big-endian length, then the payload), so the worker reads and writes with Connection and
# the server with an asyncio protocol. A payload is a 4-byte length, a pickled header, and
# the answer's body as raw bytes (never pickled: it may be large).
_LENGTH = struct.Struct("!i")


def _frame(header: object, body: bytes = b"") -> bytes:
    meta = pickle.dumps(header, protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(meta)) + meta + body


def _unframe(payload: memoryview) -> tuple[Any, bytes]:
    (size,) = _LENGTH.unpack_from(payload)
    return pickle.loads(payload[4:4 + size]), bytes(payload[4 + size:])


def _run(store: ox.Store, job: Job) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    explicit = bool(job.default_graphs or job.named_graphs)
    return store.query(
        job.query,
        use_default_graph_as_union=not explicit,
        default_graph=[ox.NamedNode(g) for g in job.default_graphs] if explicit else None,
        named_graphs=[ox.NamedNode(g) for g in job.named_graphs] if explicit else None,
    )


def execute(store: ox.Store, job: Job) -> Answer:
    """Run one job against a store (in a worker; also usable directly in tests)."""

    # SPARQL 1.1 Protocol §2.1.4: once default-graph-uri or named-graph-uri is given, the
    # dataset is exactly what they name (either part may be empty). Without them the default
    # graph is the union of all graphs and every named graph is available to GRAPH.
    try:
        result = _run(store, job)
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
            assert isinstance(fmt.oxigraph, ox.RdfFormat)
            triples = _triples(result, fmt.oxigraph, job.limit)
            if triples is None:
                raise TooLarge(over.format(what="triples"))
            return Answer(triples[0], name, triples[1])
        assert isinstance(fmt.oxigraph, ox.QueryResultsFormat)
        solutions = _solutions(result, fmt.oxigraph, job.limit)
        if solutions is _AGAIN:  # larger than a direct answer may be: count as it is written
            result = _run(store, job)
            assert isinstance(result, ox.QuerySolutions)
            solutions = _tsv_solutions(result, fmt.oxigraph, job.limit)
        if solutions is None:
            raise TooLarge(over.format(what="rows"))
        assert isinstance(solutions, tuple)
        return Answer(solutions[0], name, solutions[1])
    except (ValueError, OSError) as err:  # raised lazily while iterating
        raise BadQuery(f"SPARQL evaluation error: {err}") from err


class _TooMany(Exception):
    pass


class _Sink:
    """Where oxigraph writes an answer: stops it once it passes ``max_lines`` lines or
    ``max_bytes`` bytes (oxigraph writes through a buffer, so calls are few)."""

    def __init__(self, max_lines: int | None = None, max_bytes: int | None = None):
        self.max_lines, self.max_bytes = max_lines, max_bytes
        self.lines = self.size = 0
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.lines += data.count(b"\n")
        self.size += len(data)
        if (self.max_lines is not None and self.lines > self.max_lines) or \
                (self.max_bytes is not None and self.size > self.max_bytes):
            raise _TooMany
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def body(self) -> bytes:
        return b"".join(self.chunks)


_AGAIN = object()
# The fewest bytes one solution takes in these formats (`{},` and `<result></result>`): an
# answer shorter than the limit times this holds no more solutions than the limit.
_ROW_BYTES = {ox.QueryResultsFormat.JSON: 3, ox.QueryResultsFormat.XML: 17}


def _solutions(result: ox.QuerySolutions, target: ox.QueryResultsFormat,
               limit: int) -> tuple[bytes, int] | None | object:
    """The results in ``target`` and their number; None when there are more than
    ``limit``; ``_AGAIN`` when the answer grew too large to tell that from its size.

    JSON and XML are written directly, up to the size that cannot hold more than ``limit``
    solutions, and counted from the answer (small answers, the common case, cost one
    serialisation); past that size the query is run again and counted as it is written
    (:func:`_tsv_solutions`), so a huge result is never held whole.
    """
    row_bytes = _ROW_BYTES.get(target)
    if row_bytes is None:
        return _tsv_solutions(result, target, limit)
    sink = _Sink(max_bytes=row_bytes * limit)
    try:
        result.serialize(cast(IO[bytes], sink), format=target)
    except _TooMany:
        return _AGAIN
    body = sink.body()
    if target == ox.QueryResultsFormat.XML:  # markup in values is escaped: tags are exact
        return body, body.count(b"<result>")
    parsed = ox.parse_query_results(body, format=target)
    assert isinstance(parsed, ox.QuerySolutions)
    return body, sum(1 for _ in parsed)


def _tsv_solutions(result: ox.QuerySolutions, target: ox.QueryResultsFormat,
                   limit: int) -> tuple[bytes, int] | None:
    """Counted as written: SPARQL TSV has one line per solution (a newline inside a literal
    is escaped), so counting lines enforces the limit without holding more than that many
    rows; oxigraph's own parser and serialisers then give the other formats."""
    sink = _Sink(max_lines=limit + 1)  # the header line, then one line per solution
    try:
        result.serialize(cast(IO[bytes], sink), format=ox.QueryResultsFormat.TSV)
    except _TooMany:
        return None
    tsv = sink.body()
    rows = sink.lines - 1
    if target == ox.QueryResultsFormat.TSV:
        return tsv, rows
    parsed = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
    assert isinstance(parsed, ox.QuerySolutions)
    return parsed.serialize(format=target) or b"", rows


def _triples(result: ox.QueryTriples, target: ox.RdfFormat,
             limit: int) -> tuple[bytes, int] | None:
    """The graph in ``target`` and its number of triples, or None past ``limit``: written
    as N-Triples (one line per triple) counted as written, then, for another format,
    parsed and written again by oxigraph (with the project's prefixes in Turtle and TriG)."""
    sink = _Sink(max_lines=limit)
    try:
        result.serialize(cast(IO[bytes], sink), format=ox.RdfFormat.N_TRIPLES)
    except _TooMany:
        return None
    body = sink.body()
    if target == ox.RdfFormat.N_TRIPLES:
        return body, sink.lines
    prefixes = PREFIXES if target in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
    graph = ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
    return ox.serialize(graph, format=target, prefixes=prefixes) or b"", sink.lines


# -- the server side ----------------------------------------------------------------------

class _Channel(asyncio.Protocol):
    """The server's end of a worker's socket: frames in, each handed to the query waiting."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.waiting: asyncio.Future[tuple[Any, bytes]] | None = None
        self._buffer = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if len(self._buffer) < 4:
            return
        (size,) = _LENGTH.unpack_from(self._buffer)
        if len(self._buffer) < 4 + size:
            return
        with memoryview(self._buffer) as view:
            message = _unframe(view[4:4 + size])
        del self._buffer[:4 + size]
        if self.waiting is not None and not self.waiting.done():
            self.waiting.set_result(message)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiting is not None and not self.waiting.done():
            self.waiting.set_exception(EOFError("the worker closed its end"))


class Worker:
    """Blocking: returns once the worker has opened the store (run it in a thread); then
    :meth:`connect` on the event loop."""

    def __init__(self, store_path: Path, niceness: int = 0):
        mine, theirs = socket.socketpair()
        self.sock = mine
        child = Connection(theirs.detach())
        self.process: BaseProcess = _CONTEXT.Process(
            target=_worker_main, args=(child, str(store_path), niceness), daemon=True,
            name="nsxkg-sparql-worker")
        self.process.start()
        child.close()  # the worker holds its own copy
        self.channel: _Channel | None = None
        ready = Connection(os.dup(mine.fileno()))
        try:
            if not ready.poll(_STARTUP_TIMEOUT):
                self.kill()
                raise RuntimeError("a SPARQL worker did not start")
            (status, _), _ = _unframe(memoryview(ready.recv_bytes()))
        except (EOFError, OSError) as err:
            self.kill()
            raise RuntimeError("a SPARQL worker failed to open the store") from err
        finally:
            ready.close()
        if status != "ready":
            self.kill()
            raise RuntimeError("a SPARQL worker failed to open the store")

    async def connect(self) -> None:
        """Watch the worker's socket from the event loop from now on."""
        loop = asyncio.get_running_loop()
        _, self.channel = await loop.connect_accepted_socket(_Channel, sock=self.sock)

    async def ask(self, job: Job, timeout: float) -> Answer | None:
        """The answer, or None after killing the worker at the timeout.

        The socket stays watched by the event loop between queries: a query costs one write
        and the reads of its answer, with no thread hand-off and no re-registration.
        """
        channel = self.channel
        assert channel is not None and channel.transport is not None, "not connected"
        loop = asyncio.get_running_loop()
        waiting = channel.waiting = loop.create_future()
        expiry = loop.call_later(timeout, _expire, waiting)
        try:
            channel.transport.write(_LENGTH.pack(len(payload := pickle.dumps(
                job, protocol=pickle.HIGHEST_PROTOCOL))) + payload)
            (status, detail), body = await waiting
        except TimeoutError:
            self.kill()
            return None
        except (EOFError, OSError) as err:  # the worker died (it is replaced by the pool)
            self.kill()
            raise WorkerDied("the query worker stopped unexpectedly; try again") from err
        finally:
            expiry.cancel()
            channel.waiting = None
        if status == "ok":
            name, count = detail
            return Answer(body, name, count)
        assert isinstance(detail, QueryError)
        raise detail

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        if self.channel is not None and self.channel.transport is not None:
            self.channel.transport.close()
        else:
            self.sock.close()

    @property
    def alive(self) -> bool:
        return self.process.is_alive()


def _expire(waiting: asyncio.Future[tuple[Any, bytes]]) -> None:
    if not waiting.done():
        waiting.set_exception(TimeoutError())


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
        self.died = 0  # workers that ended by themselves while answering (must stay 0)
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
            await worker.connect()
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

    async def run(self, job: Job) -> Answer:
        assert self._idle is not None, "the pool has not been started"
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            worker = await self._take(started)
        except TimeoutError as err:
            if self.failed >= self.size:
                raise Unavailable("the query workers could not open the store; see the "
                                  "server log") from err
            raise Busy(f"all {self.size} query workers stayed busy for {self.timeout:g} s; "
                       f"try again shortly") from err
        remaining = max(0.1, self.timeout - (loop.time() - started))
        try:
            answer = await worker.ask(job, remaining)
        except QueryError as err:  # the worker answered with an error, or died
            if worker.alive:
                self._idle.put_nowait(worker)
            else:
                self.died += isinstance(err, WorkerDied)
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

    async def _take(self, started: float) -> Worker:
        """An idle worker that is alive; one that died while idle (killed from outside, or
        out of memory) is replaced, not handed a query."""
        assert self._idle is not None
        loop = asyncio.get_running_loop()
        while True:
            if self._idle.empty():
                remaining = self.timeout - (loop.time() - started)
                worker = await asyncio.wait_for(self._idle.get(), timeout=max(remaining, 0.0))
            else:  # the common case, without a task and a timer for the wait
                worker = self._idle.get_nowait()
            if worker.alive:
                return worker
            self._replace(worker)  # a no-op when heal() has replaced it already

    def heal(self) -> None:
        """Replace the workers that died while idle. Queries replace them as they meet them;
        this is for a server that gets no queries, as a balancer sends none to a replica whose
        health check fails."""
        if self._closed or self._idle is None:
            return
        with self._lock:
            dead = [w for w in self._all if not w.alive]
        for worker in dead:
            self._replace(worker)

    def _replace(self, dead: Worker) -> None:
        """Start a worker in place of ``dead``, once: a worker found dead both by heal() and
        by the query it was running is replaced by whichever comes first."""
        with self._lock:
            if dead not in self._all:
                return
            self._all.discard(dead)
        dead.kill()  # reaps the process and closes its pipe (it may be dead already)
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
