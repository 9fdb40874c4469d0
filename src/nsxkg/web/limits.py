"""What one HTTP request, or one client, may ask of the server; refused with a clear error.

* Request bodies: ``max_body_bytes``. A declared ``Content-Length`` over it is refused before
  the body is read; a chunked body is counted while it is read and refused as soon as it
  passes the limit, so no unbounded body is ever buffered. ``413``.
* Clients: requests that run a SPARQL query cost a worker, so each client address may run at
  most ``client_concurrency`` of them at once and start them at ``client_rate`` per second
  (a token bucket holding ``client_burst``); beyond that ``429`` with ``Retry-After``.
  Dereferencing, pages and search run bounded lookups in-process and are not counted.

What the query text itself may ask (length, nesting, updates, SERVICE) is the query
service's policy (``service.py``); result rows are limited where the results are produced
(``workers.py``, ``422``).
"""

from __future__ import annotations

import contextlib
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nsxkg.config import Settings
from nsxkg.web.http import error

# -- clients ------------------------------------------------------------------------------

@dataclass
class _Client:
    tokens: float
    stamp: float
    running: int = 0


class ClientLimiter:
    """Per-address concurrency cap and token bucket for query requests.

    Single-threaded by construction (only the event loop calls it), so it needs no lock.
    """

    # Past this many addresses, idle ones with a full bucket are forgotten, so a scan from
    # many addresses cannot grow the table without bound.
    _PRUNE_AT = 4096

    def __init__(self, concurrency: int, rate: float, burst: int,
                 clock: Callable[[], float] = time.monotonic):
        self.concurrency, self.rate, self.burst = concurrency, rate, burst
        self._clock = clock
        self._clients: dict[str, _Client] = {}
        self.refused = 0

    def acquire(self, address: str) -> tuple[float, str] | None:
        """Take a slot for ``address``: None when granted, else (retry after, reason)."""
        now = self._clock()
        client = self._clients.get(address)
        if client is None:
            if len(self._clients) >= self._PRUNE_AT:
                self._prune(now)
            client = self._clients[address] = _Client(float(self.burst), now)
        client.tokens = min(float(self.burst), client.tokens + (now - client.stamp) * self.rate)
        client.stamp = now
        if client.running >= self.concurrency:
            self.refused += 1
            return 1.0, (f"this client already runs {client.running} queries, the most this "
                         f"endpoint allows at once (NSXKG_CLIENT_CONCURRENCY)")
        if client.tokens < 1.0:
            self.refused += 1
            return (1.0 - client.tokens) / self.rate, (
                f"this client started more than {self.rate:g} queries per second "
                f"(bursts of {self.burst}) (NSXKG_CLIENT_RATE, NSXKG_CLIENT_BURST)")
        client.tokens -= 1.0
        client.running += 1
        return None

    def release(self, address: str) -> None:
        client = self._clients.get(address)
        if client is not None:
            client.running = max(0, client.running - 1)

    def running(self, address: str) -> int:
        client = self._clients.get(address)
        return client.running if client else 0

    def _prune(self, now: float) -> None:
        for address, client in list(self._clients.items()):
            full = client.tokens + (now - client.stamp) * self.rate >= self.burst
            if client.running == 0 and full:
                del self._clients[address]


def limiter_for(settings: Settings) -> ClientLimiter:
    return ClientLimiter(settings.client_concurrency, settings.client_rate,
                         settings.client_burst)


def client_address(scope: Scope) -> str:
    """The address a request came from: whom the per-client limits and the lanes count."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def runs_a_query(scope: Scope) -> bool:
    """Whether this request will take a query worker (the requests the limiter counts)."""
    path: str = scope["path"]
    if path.startswith("/api/queries/"):
        return scope["method"] in ("GET", "HEAD")
    if path not in ("/sparql", "/query"):
        return False
    if scope["method"] == "POST":
        return path == "/sparql"
    # Read without decoding the query (decoding a long one costs more than the rest here).
    raw = scope.get("query_string", b"")
    return any(not _BLANK.fullmatch(value) for value in _QUERY_VALUE.findall(raw))


_QUERY_VALUE = re.compile(rb"(?:^|&)query=([^&]*)")
_BLANK = re.compile(rb"(?:\+|%20|%0[9A-Da-d]|\s)*")


# -- the middleware -----------------------------------------------------------------------

class BodyTooLarge(HTTPException):
    def __init__(self, limit: int):
        super().__init__(413, f"the request body is larger than this endpoint's limit of "
                              f"{limit:,} bytes (NSXKG_MAX_BODY_BYTES)")


class RequestLimits:
    """ASGI middleware: body size and per-client query limits (see the module docstring)."""

    def __init__(self, app: ASGIApp, settings: Settings, clients: ClientLimiter | None = None):
        self.app = app
        self.max_body = settings.max_body_bytes
        # Shared when two stacks front one server (app.py): a client's queries count once.
        self.clients = clients or limiter_for(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared, chunked = _body_headers(scope)
        if declared is not None and declared > self.max_body:
            if declared <= _DRAIN_FACTOR * self.max_body:
                # Closing on an unread body makes the kernel reset the connection, and the
                # client may lose the 413 with it: a body of bounded size is read and
                # dropped first (never kept), a larger one is not read at all.
                await _drain(receive)
            await _refuse(scope, receive, send, 413, str(BodyTooLarge(self.max_body).detail),
                          close=True)
            return
        address = client_address(scope)
        # Only a chunked body can outgrow what was declared; others are passed on as they are.
        guarded = self._guarded if chunked else self.app
        limited = self._counting(receive) if chunked else receive
        if not runs_a_query(scope):
            await guarded(scope, limited, send)
            return
        refused = self.clients.acquire(address)
        if refused is not None:
            wait, reason = refused
            await _refuse(scope, receive, send, 429, f"too many queries: {reason}; retry later",
                          headers={"Retry-After": str(max(1, math.ceil(wait)))})
            return
        try:
            await guarded(scope, limited, send)
        finally:
            self.clients.release(address)

    def _counting(self, receive: Receive) -> Receive:
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLarge(self.max_body)
            return message

        return counted

    async def _guarded(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The app's HTTPException handler normally renders BodyTooLarge; this catches the
        # case where it is raised outside a route (nothing has been sent yet then).
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except BodyTooLarge as err:
            if started:
                raise
            await _refuse(scope, receive, send, 413, str(err.detail), close=True)


_DRAIN_FACTOR = 8  # bodies up to this many times the limit are read and dropped


async def _drain(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


def _body_headers(scope: Scope) -> tuple[int | None, bool]:
    """The declared Content-Length (None if absent), and whether the body is chunked."""
    declared, chunked = None, False
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            with contextlib.suppress(ValueError):  # the HTTP server rejects a malformed one
                declared = int(value)
        elif name == b"transfer-encoding":
            chunked = True
    return declared, chunked


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, message: str, *,
                  headers: dict[str, str] | None = None, close: bool = False) -> None:
    all_headers = dict(headers or {})
    if close:
        # The unread body would otherwise have to be drained before the next request.
        all_headers["Connection"] = "close"
    response = error(Request(scope, receive), status, message, headers=all_headers)
    await response(scope, receive, send)
