"""Other SPARQL servers, as `nsxkg publish` and `nsxkg portability` talk to them: which
engine answers, and a query sent over the SPARQL 1.1 Protocol (POST, form-encoded)."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode, urlsplit

import httpx

from nsxkg.errors import NsxkgError

SPARQL_JSON = "application/sparql-results+json"
# The Server header's product token → the engine's name used in query headers
# (``# differs: virtuoso | …``) and in choosing a bulk loader.
ENGINES = {"virtuoso": "virtuoso", "oxigraph": "oxigraph", "uvicorn": "nsxkg",
           "fuseki": "fuseki", "apache-jena-fuseki": "fuseki", "graphdb": "graphdb",
           "qlever": "qlever"}


class EndpointError(NsxkgError):
    """The server could not be reached, refused a query, or answered something unreadable."""


def engine_from_server_header(value: str) -> str:
    """``Virtuoso/07.20.3229 (Linux) …`` → ``virtuoso``; unknown products → ``other``."""
    product = value.strip().split("/", 1)[0].split(" ", 1)[0].lower()
    return ENGINES.get(product, "other")


def identify(client: httpx.Client, endpoint: str) -> str:
    """The engine behind a query endpoint, from the ``Server`` header of a trivial query."""
    try:
        response = client.post(endpoint, data={"query": "ASK {}"},
                                headers={"Accept": SPARQL_JSON})
    except httpx.HTTPError as err:
        raise EndpointError(f"{endpoint}: {describe(err)}") from err
    return engine_from_server_header(response.headers.get("server", ""))


def select(client: httpx.Client, endpoint: str, query: str,
           dataset: Sequence[str] = ()) -> dict[str, object]:
    """SPARQL JSON results of ``query``. ``dataset``: graph IRIs given as both
    ``default-graph-uri`` and ``named-graph-uri`` (§2.1.4), so the default graph is their
    union and GRAPH sees exactly them, as on nsxkg's endpoint, whatever else the server
    holds (Virtuoso keeps its own system graphs in the same store)."""
    form: list[tuple[str, str]] = [("query", query)]
    form += [("default-graph-uri", g) for g in dataset]
    form += [("named-graph-uri", g) for g in dataset]
    try:
        response = client.post(endpoint, content=_encode(form),
                               headers={"Accept": SPARQL_JSON,
                                        "Content-Type": "application/x-www-form-urlencoded"})
    except httpx.HTTPError as err:
        raise EndpointError(f"{endpoint}: {describe(err)}") from err
    if response.status_code != 200:
        raise EndpointError(f"{endpoint}: HTTP {response.status_code} "
                            f"{response.reason_phrase}{excerpt(response)}")
    state = response.headers.get("x-sql-state")
    if state:
        # Virtuoso's "anytime" answers: at its time limit it sends what it has found so far
        # as a 200, marked only by these headers. A partial answer is no answer.
        raise EndpointError(f"{endpoint}: a partial answer (X-SQL-State {state}: "
                            f"{response.headers.get('x-sql-message', '').strip()}); the "
                            f"server stopped the query at its time limit")
    try:
        data = response.json()
        if not isinstance(data, dict) or not ("boolean" in data or "results" in data):
            raise ValueError("no results")
    except ValueError as err:
        raise EndpointError(f"{endpoint}: not SPARQL JSON results: "
                            f"{response.text[:200]!r}") from err
    return data


def _encode(form: list[tuple[str, str]]) -> bytes:
    # A form with repeated keys (several graph IRIs), which a dict cannot hold.
    return urlencode(form).encode("ascii")


def count_triples(client: httpx.Client, endpoint: str, graph: str) -> int:
    data = select(client, endpoint,
                  f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    try:
        return int(data["results"]["bindings"][0]["n"]["value"])  # type: ignore[index]
    except (ValueError, KeyError, IndexError, TypeError) as err:
        raise EndpointError(f"counting <{graph}> at {endpoint}: not a count: "
                            f"{str(data)[:200]}") from err


def check_url(url: str, option: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise EndpointError(f"{option}: expected an http(s) URL, got {url!r}")


def describe(err: httpx.HTTPError) -> str:
    return f"{type(err).__name__}: {err}" if str(err) else type(err).__name__


def excerpt(response: httpx.Response) -> str:
    text = response.text.strip()
    return f": {text[:300]}" if text else ""
