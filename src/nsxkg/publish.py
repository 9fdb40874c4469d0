"""Publish a validated build to another SPARQL server through the SPARQL 1.1 Graph Store
Protocol (https://www.w3.org/TR/sparql11-http-rdf-update/), for users who outgrow one machine.

Each named graph is replaced by one ``PUT <graph store>?graph=<iri>`` (§5.3: the request's
triples replace the graph's), its N-Triples body streamed from the build's N-Quads file, never
held in memory. Then every graph's triple count on the server is checked by a SPARQL ``COUNT``
against the query endpoint, so a server that dropped or merged triples is caught, by graph.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from nsxkg.build import Manifest
from nsxkg.conformance import require_conforming
from nsxkg.errors import EXIT_NONCONFORMANT, NsxkgError
from nsxkg.progress import Progress, reading

NTRIPLES = "application/n-triples"
SPARQL_JSON = "application/sparql-results+json"
CHUNK = 1 << 20  # bytes per body chunk: large enough to keep the upload cheap in Python


class PublishError(NsxkgError):
    """The build cannot be published, or the server refused or failed a request."""


class CountMismatch(PublishError):
    """The server holds a different number of triples in a graph than the build has."""

    exit_code = EXIT_NONCONFORMANT


@dataclass(frozen=True)
class Target:
    """Where to publish: the query endpoint, the graph store, and how to authenticate."""

    endpoint: str
    graph_store: str
    auth: httpx.Auth | None = None
    headers: tuple[tuple[str, str], ...] = ()
    timeout: float = 300.0

    def client(self) -> httpx.Client:
        return httpx.Client(auth=self.auth, headers=dict(self.headers),
                            timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)))


@dataclass(frozen=True)
class Published:
    iri: str
    triples: int
    on_server: int
    seconds: float


def target(endpoint: str, graph_store: str | None = None, *, user: str | None = None,
           password: str | None = None, token: str | None = None,
           timeout: float = 300.0) -> Target:
    """A target from the user's settings; the graph store defaults to the endpoint's
    conventional neighbour (see ``graph_store_for``)."""
    _check_url(endpoint, "--endpoint")
    store = graph_store or graph_store_for(endpoint)
    _check_url(store, "--graph-store")
    auth = httpx.BasicAuth(user, password or "") if user else None
    headers = (("Authorization", f"Bearer {token}"),) if token else ()
    return Target(endpoint, store, auth, headers, timeout)


# Where servers put the Graph Store Protocol service beside their SPARQL query endpoint.
#   Oxigraph  /query                   → /store
#   Fuseki    /<dataset>/query|sparql  → /<dataset>/data
#   GraphDB   /repositories/<id>       → /repositories/<id>/rdf-graphs/service  (also RDF4J)
#   Virtuoso  /sparql                  → /sparql-graph-crud  (…-auth with digest login)
# QLever serves both on one address, as do others: those need --graph-store given.
def graph_store_for(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    segments = [s for s in parts.path.split("/") if s]
    if segments == ["query"]:
        path = "/store"
    elif segments == ["sparql"]:
        path = "/sparql-graph-crud"
    elif len(segments) >= 2 and segments[-1] in ("query", "sparql"):
        path = "/" + "/".join(segments[:-1] + ["data"])
    elif len(segments) >= 2 and segments[-2] == "repositories":
        path = "/" + "/".join(segments + ["rdf-graphs", "service"])
    else:
        raise PublishError(f"cannot tell the Graph Store Protocol address of {endpoint} "
                           f"(not an Oxigraph, Fuseki, GraphDB or Virtuoso query path); "
                           f"give it with --graph-store")
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def publish(build_dir: Path, to: Target, progress: Progress | None = None) -> list[Published]:
    """Replace every named graph of the build on the server, then check the counts there.

    Raises PublishError (unvalidated build, refused request) or CountMismatch."""
    manifest = Manifest.read(build_dir)
    require_conforming(build_dir, manifest, "publish", PublishError)
    seconds: dict[str, float] = {}
    with to.client() as client:
        for graph in manifest.graphs:
            began = time.monotonic()
            put_graph(client, to, graph.iri, build_dir / graph.file, graph.triples, progress)
            seconds[graph.iri] = time.monotonic() - began
        counts = {g.iri: count_triples(client, to, g.iri) for g in manifest.graphs}
    wrong = [f"<{g.iri}>: {counts[g.iri]:,} on the server, {g.triples:,} in the build"
             for g in manifest.graphs if counts[g.iri] != g.triples]
    if wrong:
        raise CountMismatch(f"{to.endpoint}: triple counts differ after publishing; "
                            + "; ".join(wrong))
    return [Published(g.iri, g.triples, counts[g.iri], seconds[g.iri]) for g in manifest.graphs]


def put_graph(client: httpx.Client, to: Target, iri: str, path: Path, triples: int,
              progress: Progress | None = None) -> None:
    """Replace one graph on the server with the triples of one build file."""
    suffix = f" <{iri}> .\n".encode()
    # Every line loses its graph term, so the body's length is known before it is sent;
    # a Content-Length also suits servers and proxies that refuse chunked uploads.
    length = path.stat().st_size - triples * (len(suffix) - len(b" .\n"))
    label = f"PUT {iri}"
    try:
        response = client.put(to.graph_store, params={"graph": iri},
                              content=_ntriples(path, iri, suffix, length, label, progress),
                              headers={"Content-Type": NTRIPLES, "Content-Length": str(length)})
    except httpx.HTTPError as err:
        raise PublishError(f"PUT <{iri}> to {to.graph_store}: {_describe(err)}") from err
    if response.status_code not in (200, 201, 204):
        raise PublishError(f"PUT <{iri}> to {to.graph_store}: HTTP {response.status_code} "
                           f"{response.reason_phrase}{_excerpt(response)}")
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


def count_triples(client: httpx.Client, to: Target, iri: str) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"
    try:
        response = client.post(to.endpoint, data={"query": query},
                               headers={"Accept": SPARQL_JSON})
    except httpx.HTTPError as err:
        raise PublishError(f"counting <{iri}> at {to.endpoint}: {_describe(err)}") from err
    if response.status_code != 200:
        raise PublishError(f"counting <{iri}> at {to.endpoint}: HTTP {response.status_code} "
                           f"{response.reason_phrase}{_excerpt(response)}")
    try:
        return int(response.json()["results"]["bindings"][0]["n"]["value"])
    except (ValueError, KeyError, IndexError, TypeError) as err:
        raise PublishError(f"counting <{iri}> at {to.endpoint}: not a SPARQL JSON count: "
                           f"{response.text[:200]!r}") from err


def _check_url(url: str, option: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PublishError(f"{option}: expected an http(s) URL, got {url!r}")


def _describe(err: httpx.HTTPError) -> str:
    return f"{type(err).__name__}: {err}" if str(err) else type(err).__name__


def _excerpt(response: httpx.Response) -> str:
    text = response.text.strip()
    return f": {text[:300]}" if text else ""
