"""Publish a validated build to another SPARQL server, for users who outgrow one machine.

Two ways in, chosen per graph (``--loader``):

* **Graph Store Protocol** (https://www.w3.org/TR/sparql11-http-rdf-update/), any server:
  one ``PUT <graph store>?graph=<iri>`` per graph (§5.3: the request's triples replace the
  graph's, in one transaction on Oxigraph, Fuseki and GraphDB), its N-Triples body streamed
  from the build's N-Quads file, never held in memory.
* **The server's bulk loader**, where nsxkg knows one: Oxigraph's (``POST`` with
  ``no_transaction``) and Virtuoso's (``ld_add`` + ``rdf_loader_run`` through its SQL
  port: ``nsxkg.virtuoso``). Much faster on large graphs, but not atomic: a reader may see a
  graph half loaded.

``auto`` (the default) takes the bulk loader for a graph the server does not hold yet (a
first load, where nobody can see a half-loaded graph) and the Graph Store Protocol for a
graph it holds (an update, replaced atomically). Then every graph's triple count on the
server is checked by a SPARQL ``COUNT`` against the query endpoint, so a server that
dropped or merged triples is caught, by graph.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from nsxkg.build import GraphInfo, Manifest
from nsxkg.conformance import require_conforming
from nsxkg.endpoints import EndpointError, check_url, count_triples, describe, excerpt, identify
from nsxkg.errors import EXIT_NONCONFORMANT, NsxkgError
from nsxkg.progress import Progress, Quiet, reading
from nsxkg.virtuoso import Isql, VirtuosoError, bulk_load

NTRIPLES = "application/n-triples"
CHUNK = 1 << 20  # bytes per body chunk: large enough to keep the upload cheap in Python
LOADERS = ("auto", "gsp", "bulk")
BULK_ENGINES = ("oxigraph", "virtuoso")


class PublishError(NsxkgError):
    """The build cannot be published, or the server refused or failed a request."""


class CountMismatch(PublishError):
    """The server holds a different number of triples in a graph than the build has."""

    exit_code = EXIT_NONCONFORMANT


class Login(httpx.Auth):
    """HTTP Basic or Digest, whichever the server asks for: Virtuoso's authenticated graph
    store (``/sparql-graph-crud-auth``) asks Digest, most others Basic.

    A streamed body cannot be sent twice, so the scheme is learnt first from a request
    without a body (``publish`` makes one); after that Digest answers are computed ahead.
    """

    def __init__(self, user: str, password: str):
        self.basic = httpx.BasicAuth(user, password)
        self.digest = httpx.DigestAuth(user, password)
        self.scheme: str | None = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response,
                                                             None]:
        if self.scheme is not None:
            yield from (self.digest if self.scheme == "digest" else self.basic) \
                .auth_flow(request)
            return
        response = yield request
        if response.status_code != 401:
            return
        offered = response.headers.get("www-authenticate", "").split(" ", 1)[0].lower()
        self.scheme = "digest" if offered == "digest" else "basic"
        if self.scheme == "basic":
            yield from self.basic.auth_flow(request)
            return
        flow = self.digest.auth_flow(request)
        next(flow)  # it would send the request bare first: answer with the 401 we have
        yield flow.send(response)


@dataclass(frozen=True)
class Target:
    """Where to publish: the query endpoint, the graph store, how to authenticate, and,
    for Virtuoso's bulk loader, its SQL port and where it sees the build directory."""

    endpoint: str
    graph_store: str
    auth: httpx.Auth | None = None
    headers: tuple[tuple[str, str], ...] = ()
    timeout: float = 300.0
    isql: Isql | None = None
    server_build_dir: Path | None = None

    def client(self) -> httpx.Client:
        return httpx.Client(auth=self.auth, headers=dict(self.headers),
                            timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)))


@dataclass(frozen=True)
class Published:
    iri: str
    triples: int
    on_server: int
    seconds: float
    method: str  # "gsp" or "bulk"


def target(endpoint: str, graph_store: str | None = None, *, user: str | None = None,
           password: str | None = None, token: str | None = None,
           timeout: float = 300.0, isql: str | None = None,
           server_build_dir: Path | None = None) -> Target:
    """A target from the user's settings; the graph store defaults to the endpoint's
    conventional neighbour (see ``graph_store_for``)."""
    try:
        check_url(endpoint, "--endpoint")
        store = graph_store or graph_store_for(endpoint, login=bool(user))
        check_url(store, "--graph-store")
    except EndpointError as err:
        raise PublishError(str(err)) from None
    auth = Login(user, password or "") if user else None
    headers = (("Authorization", f"Bearer {token}"),) if token else ()
    if isql and not (user and password):
        raise PublishError("--isql needs the SQL login: --user NAME and the password in "
                           "NSXKG_PUBLISH_PASSWORD")
    sql = Isql(isql, user or "", password or "", timeout=max(timeout, 3600.0)) \
        if isql else None
    return Target(endpoint, store, auth, headers, timeout, sql, server_build_dir)


# Where servers put the Graph Store Protocol service beside their SPARQL query endpoint.
#   Oxigraph  /query                   → /store
#   Fuseki    /<dataset>/query|sparql  → /<dataset>/data
#   GraphDB   /repositories/<id>       → /repositories/<id>/rdf-graphs/service  (also RDF4J)
#   Virtuoso  /sparql                  → /sparql-graph-crud  (…-auth when a login is given)
# QLever serves both on one address, as do others: those need --graph-store given.
def graph_store_for(endpoint: str, *, login: bool = False) -> str:
    parts = urlsplit(endpoint)
    segments = [s for s in parts.path.split("/") if s]
    if segments == ["query"]:
        path = "/store"
    elif segments == ["sparql"]:
        path = "/sparql-graph-crud-auth" if login else "/sparql-graph-crud"
    elif len(segments) >= 2 and segments[-1] in ("query", "sparql"):
        path = "/" + "/".join(segments[:-1] + ["data"])
    elif len(segments) >= 2 and segments[-2] == "repositories":
        path = "/" + "/".join(segments + ["rdf-graphs", "service"])
    else:
        raise PublishError(f"cannot tell the Graph Store Protocol address of {endpoint} "
                           f"(not an Oxigraph, Fuseki, GraphDB or Virtuoso query path); "
                           f"give it with --graph-store")
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def publish(build_dir: Path, to: Target, progress: Progress | None = None,
            loader: str = "auto") -> list[Published]:
    """Put every named graph of the build on the server, then check the counts there.

    Raises PublishError (unvalidated build, refused request) or CountMismatch."""
    if loader not in LOADERS:
        raise PublishError(f"--loader must be one of {', '.join(LOADERS)}, got {loader!r}")
    manifest = Manifest.read(build_dir)
    require_conforming(build_dir, manifest, "publish", PublishError)
    progress = progress or Quiet()
    try:
        with to.client() as client:
            engine = identify(client, to.endpoint)
            if isinstance(to.auth, Login):
                _learn_login(client, to)
            methods = _choose(client, to, engine, manifest.graphs, loader)
            seconds: dict[str, float] = {}
            for graph in manifest.graphs:
                if methods[graph.iri] == "gsp":
                    began = time.monotonic()
                    put_graph(client, to, graph.iri, build_dir / graph.file, graph.triples,
                              progress)
                    seconds[graph.iri] = time.monotonic() - began
            bulk = [g for g in manifest.graphs if methods[g.iri] == "bulk"]
            if bulk:
                seconds |= _bulk(client, to, engine, build_dir, bulk, progress)
            counts = {g.iri: count_triples(client, to.endpoint, g.iri) for g in manifest.graphs}
    except (EndpointError, VirtuosoError) as err:
        raise PublishError(str(err)) from err
    wrong = [f"<{g.iri}>: {counts[g.iri]:,} on the server, {g.triples:,} in the build"
             for g in manifest.graphs if counts[g.iri] != g.triples]
    if wrong:
        raise CountMismatch(f"{to.endpoint}: triple counts differ after publishing; "
                            + "; ".join(wrong))
    return [Published(g.iri, g.triples, counts[g.iri], seconds[g.iri], methods[g.iri])
            for g in manifest.graphs]


def _learn_login(client: httpx.Client, to: Target) -> None:
    """A bodiless request to the graph store, so the login scheme is known before the first
    streamed upload (the answer itself does not matter: 200, 404 or 400)."""
    try:
        client.head(to.graph_store, params={"graph": "urn:nsxkg:login-check"})
    except httpx.HTTPError as err:
        raise PublishError(f"{to.graph_store}: {describe(err)}") from err


def _choose(client: httpx.Client, to: Target, engine: str, graphs: list[GraphInfo],
            loader: str) -> dict[str, str]:
    bulk_ready = engine == "oxigraph" or engine == "virtuoso" and to.isql is not None
    if loader == "bulk" and not bulk_ready:
        why = ("give Virtuoso's SQL port with --isql HOST:PORT" if engine == "virtuoso"
               else f"nsxkg knows no bulk loader for this server ({engine})")
        raise PublishError(f"--loader bulk: {why}; or use --loader gsp")
    if loader == "gsp" or not bulk_ready:
        return {g.iri: "gsp" for g in graphs}
    if loader == "bulk":
        return {g.iri: "bulk" for g in graphs}
    return {g.iri: "bulk" if count_triples(client, to.endpoint, g.iri) == 0 else "gsp"
            for g in graphs}


def _bulk(client: httpx.Client, to: Target, engine: str, build_dir: Path,
          graphs: list[GraphInfo], progress: Progress) -> dict[str, float]:
    if engine == "virtuoso":
        assert to.isql is not None
        seen_as = to.server_build_dir or build_dir.resolve()
        loaded = bulk_load(to.isql, [(g.iri, seen_as / g.file) for g in graphs],
                           progress=progress)
        return {iri: done.seconds for iri, done in loaded.items()}
    seconds = {}
    for graph in graphs:
        began = time.monotonic()
        post_graph_bulk(client, to, graph.iri, build_dir / graph.file, graph.triples, progress)
        seconds[graph.iri] = time.monotonic() - began
    return seconds


def put_graph(client: httpx.Client, to: Target, iri: str, path: Path, triples: int,
              progress: Progress | None = None) -> None:
    """Replace one graph on the server with the triples of one build file."""
    _send(client, "PUT", to.graph_store, {"graph": iri}, iri, path, triples, progress)


def post_graph_bulk(client: httpx.Client, to: Target, iri: str, path: Path, triples: int,
                    progress: Progress | None = None) -> None:
    """Oxigraph's bulk path: drop the graph, then add the file's triples with
    ``no_transaction``, which hands them to its bulk loader (no transaction, so not atomic)."""
    try:
        response = client.delete(to.graph_store, params={"graph": iri})
    except httpx.HTTPError as err:
        raise PublishError(f"DELETE <{iri}> at {to.graph_store}: {describe(err)}") from err
    if response.status_code not in (200, 204, 404):
        raise PublishError(f"DELETE <{iri}> at {to.graph_store}: HTTP {response.status_code} "
                           f"{response.reason_phrase}{excerpt(response)}")
    _send(client, "POST", to.graph_store, {"graph": iri, "no_transaction": ""}, iri, path,
          triples, progress)


def _send(client: httpx.Client, method: str, url: str, params: dict[str, str], iri: str,
          path: Path, triples: int, progress: Progress | None) -> None:
    suffix = f" <{iri}> .\n".encode()
    # Every line loses its graph term, so the body's length is known before it is sent;
    # a Content-Length also suits servers and proxies that refuse chunked uploads.
    length = path.stat().st_size - triples * (len(suffix) - len(b" .\n"))
    label = f"{method} {iri}"
    try:
        response = client.request(method, url, params=params,
                                  content=_ntriples(path, iri, suffix, length, label, progress),
                                  headers={"Content-Type": NTRIPLES,
                                           "Content-Length": str(length)})
    except httpx.HTTPError as err:
        raise PublishError(f"{method} <{iri}> to {url}: {describe(err)}") from err
    if response.status_code not in (200, 201, 204):
        raise PublishError(f"{method} <{iri}> to {url}: HTTP {response.status_code} "
                           f"{response.reason_phrase}{excerpt(response)}")
    if progress is not None:
        progress.done(label, str(path), triples)


def _ntriples(path: Path, iri: str, suffix: bytes, length: int, label: str,
              progress: Progress | None) -> Iterator[bytes]:
    """The file's quads as N-Triples, in chunks. The build writes each quad on one line with
    the graph last, and N-Quads escapes newlines in literals, so the graph term is exactly
    the line's suffix."""
    sent = 0
    keep = -len(suffix)
    with path.open("rb") as lines, reading(str(path), lambda: sent / length if length else None):
        buffer = bytearray()
        for number, line in enumerate(lines, start=1):
            if not line.endswith(suffix):
                raise PublishError(f"{path}: line {number}: not a quad of graph <{iri}>")
            buffer += line[:keep]
            buffer += b" .\n"
            if len(buffer) >= CHUNK:
                sent += len(buffer)
                yield bytes(buffer)
                buffer.clear()
                if progress is not None:
                    progress.rows(label, str(path), number)
        sent += len(buffer)
        yield bytes(buffer)
