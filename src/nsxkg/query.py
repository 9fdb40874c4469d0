"""Run SPARQL queries over a store and render their results."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Mapping
from typing import TypeVar

import pyoxigraph as ox

from nsxkg.errors import QueryError
from nsxkg.formats import Format
from nsxkg.namespaces import PREFIXES
from nsxkg.textindex import TextIndex, TooManyMatches

Result = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
T = TypeVar("T")

# Oxigraph's parser and evaluator recurse on a query's structure: on a thread's usual 8 MiB
# stack, a query nested or chained some thousands deep (well within 100,000 characters)
# overflows it and the process dies. A stack this large is address space reserved, not
# memory used: pages are touched only as deep as a query goes.
QUERY_STACK_BYTES = 1 << 30


def on_query_stack(work: Callable[[], T]) -> T:
    """``work()`` on a thread with a stack of :data:`QUERY_STACK_BYTES`: run a query and
    consume its result inside ``work`` (a lazy result is evaluated, and dropped, where it
    is consumed)."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(work())
        except BaseException as err:  # re-raised in the calling thread
            failure.append(err)

    with _STACK_SIZE:
        previous = threading.stack_size(QUERY_STACK_BYTES)
        try:
            thread = threading.Thread(target=target, name="nsxkg-query")
            thread.start()
        finally:
            threading.stack_size(previous)
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]


_STACK_SIZE = threading.Lock()  # threading.stack_size is process-wide


def run(store: ox.Store, query: str, *,
        substitutions: Mapping[ox.Variable, ox.NamedNode | ox.Literal] | None = None,
        default_graph: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] | None = None,
        named_graphs: list[ox.NamedNode | ox.BlankNode] | None = None,
        text: Callable[[], TextIndex | None] | None = None, most: int = 100_000) -> Result:
    """Evaluate a query. The default graph is the union of all graphs unless one is given.

    ``text`` gives the build's text index, for ``nsx:textSearch`` (textsearch.py).
    """
    from nsxkg.textsearch import TextSearchError, expand

    try:
        query = expand(query, text or (lambda: None), most=most)
    except TextSearchError as err:
        raise QueryError(str(err)) from err
    except TooManyMatches as err:
        raise QueryError(f"{err}; add nsx:searchLimit or narrow the search") from err
    try:
        return store.query(
            query,
            use_default_graph_as_union=default_graph is None,
            default_graph=default_graph,
            named_graphs=named_graphs,
            substitutions=dict(substitutions) if substitutions else None,
        )
    except SyntaxError as err:
        raise QueryError(f"SPARQL syntax error: {_position(err)}") from err
    except (ValueError, OSError) as err:
        raise QueryError(f"SPARQL evaluation error: {err}") from err


def kind_of(result: Result) -> str:
    return "rdf" if isinstance(result, ox.QueryTriples) else "results"


def serialize(result: Result, fmt: Format) -> bytes:
    if isinstance(result, ox.QueryTriples):
        assert isinstance(fmt.oxigraph, ox.RdfFormat)
        return ox.serialize(result, format=fmt.oxigraph, prefixes=_prefixes_for(fmt)) or b""
    assert isinstance(fmt.oxigraph, ox.QueryResultsFormat)
    out = result.serialize(format=fmt.oxigraph)
    return out or b""


def _prefixes_for(fmt: Format) -> dict[str, str] | None:
    return PREFIXES if fmt.oxigraph in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None


def _position(err: SyntaxError) -> str:
    # pyoxigraph reports "error at LINE:COLUMN: expected ..."
    return str(err).removeprefix("error ").strip()


def render_table(result: Result, *, width: int = 60) -> str:
    """A plain-text table for people at a terminal; IRIs shortened with known prefixes."""
    if isinstance(result, ox.QueryBoolean):
        return "true\n" if bool(result) else "false\n"
    if isinstance(result, ox.QueryTriples):
        return (ox.serialize(result, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
                or b"").decode("utf-8")
    header = [v.value for v in result.variables]
    rows = [[_short(sol[v], width) for v in result.variables] for sol in result]
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]
    out = io.StringIO()

    def line(cells: list[str]) -> None:
        out.write(" | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()
                  + "\n")

    line(header)
    out.write("-+-".join("-" * w for w in widths) + "\n")
    for row in rows:
        line(row)
    out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")
    return out.getvalue()


def _short(term: object, width: int) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        text = term.value
        for prefix, iri in PREFIXES.items():
            if text.startswith(iri):
                text = f"{prefix}:{text[len(iri):]}"
                break
    elif isinstance(term, ox.Literal):
        text = term.value
    else:
        text = str(term)
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"
