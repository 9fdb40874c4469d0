"""Do the example queries give the same answers on another SPARQL engine?

`nsxkg portability --endpoint URL` runs every example query of ``queries/examples/`` (with
its default parameters) on the loaded store, in-process, exactly as nsxkg's endpoint would,
and on another server holding the same build (``nsxkg publish``), and prints one row per
query: its rows here, its rows there, and whether the answers are equal.

Answers are compared as RDF terms after a documented normalisation (docs/publishing.md),
which removes differences of form only, never of content:

* numbers of any XSD numeric type compare by value, to 9 significant digits
  (``"3.88"^^xsd:decimal`` = ``"3.880000"^^xsd:decimal`` = ``"3.88E0"^^xsd:double``;
  ``COUNT`` typed ``xsd:int`` = ``xsd:integer``); booleans by value (``1`` = ``true``);
* a simple literal equals the same ``xsd:string``; language tags compare case-insensitively;
* blank nodes compare as "a blank node" (their labels are local to one answer);
* rows compare as a multiset; when the query sorts (``ORDER BY``), the sequence of the
  sort variables' values must be equal too, while rows that tie on every sort variable may
  come in either order (SPARQL leaves ties unordered);
* a CONSTRUCT or DESCRIBE answer compares as a set of triples.

A difference that is real but understood is explained in the query's header, once per
engine: ``# differs: virtuoso | why the answers differ``. Such a query is reported as
``explained`` and does not fail the check; any other difference (or an error on either
side) does. Queries that call another endpoint with ``SERVICE`` are not compared: their
answer depends on a third server that each engine would have to reach, so they are listed
as ``skipped (SERVICE)`` (tests/web/test_federation.py checks nsxkg's side).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation

import httpx
import pyoxigraph as ox

from nsxkg.catalogue import Catalogue, Query
from nsxkg.endpoints import EndpointError, describe, excerpt, select
from nsxkg.errors import NsxkgError, QueryError
from nsxkg.query import run

XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in (
    "integer", "decimal", "double", "float", "int", "long", "short", "byte",
    "nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger",
    "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte")}
DIGITS = 9  # significant digits kept of a number: engines round averages differently
RDF_ACCEPT = "application/n-triples, text/turtle;q=0.9"

Term = tuple[str, ...]  # a normalised RDF term
Row = tuple[Term, ...]


class PortabilityError(NsxkgError):
    """The comparison could not be made (no store, unreachable endpoint)."""


@dataclass(frozen=True)
class Compared:
    query: str
    here: int | None  # rows (or triples, or 1 for ASK) from nsxkg; None on error
    there: int | None
    verdict: str  # equal, explained, differs, error, skipped
    note: str = ""

    @property
    def failed(self) -> bool:
        return self.verdict in ("differs", "error")


# -- normalisation --------------------------------------------------------------------------


def _literal(value: str, datatype: str | None, language: str | None) -> Term:
    if language:
        return ("lang", value, language.lower())
    if datatype in NUMERIC:
        try:
            return ("number", f"{float(Decimal(value.strip())):.{DIGITS}g}")
        except (InvalidOperation, ValueError):
            return ("literal", value, datatype or "")
    if datatype == XSD + "boolean":
        return ("boolean", "true" if value.strip() in ("true", "1") else "false")
    if datatype in (None, "", XSD + "string"):
        return ("string", value)
    return ("literal", value, datatype)


def local_term(term: object) -> Term:
    """An Oxigraph term, normalised."""
    if term is None:
        return ("unbound",)
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value)
    if isinstance(term, ox.BlankNode):
        return ("bnode",)
    if isinstance(term, ox.Literal):
        return _literal(term.value, term.datatype.value, term.language)
    return ("other", str(term))


def remote_term(binding: dict[str, str] | None) -> Term:
    """A term of SPARQL JSON results (``typed-literal``, Virtuoso's older spelling, too)."""
    if binding is None:
        return ("unbound",)
    kind = binding.get("type")
    if kind == "uri":
        return ("iri", binding["value"])
    if kind == "bnode":
        return ("bnode",)
    return _literal(binding["value"], binding.get("datatype"), binding.get("xml:lang"))


# -- one query, both sides ------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    kind: str  # "rows", "boolean", "triples"
    variables: tuple[str, ...] = ()
    rows: tuple[Row, ...] = ()

    @property
    def size(self) -> int:
        return len(self.rows)


def answer_here(store: ox.Store, text: str) -> Answer:
    result = run(store, text)
    if isinstance(result, ox.QueryBoolean):
        return Answer("boolean", rows=((("boolean", str(bool(result)).lower()),),))
    if isinstance(result, ox.QueryTriples):
        return Answer("triples", rows=tuple(sorted({
            (local_term(t.subject), local_term(t.predicate), local_term(t.object))
            for t in result})))
    names = tuple(v.value for v in result.variables)
    return Answer("rows", names, tuple(tuple(local_term(s[n]) for n in names) for s in result))


def answer_there(client: httpx.Client, endpoint: str, query: Query, text: str,
                 dataset: Sequence[str]) -> Answer:
    if query.form in ("CONSTRUCT", "DESCRIBE"):
        return _triples_there(client, endpoint, text, dataset)
    data = select(client, endpoint, text, dataset)
    if "boolean" in data:
        return Answer("boolean", rows=((("boolean", str(bool(data["boolean"])).lower()),),))
    names = tuple(data["head"]["vars"])  # type: ignore[index]
    bindings: list[dict[str, dict[str, str]]] = data["results"]["bindings"]  # type: ignore[index]
    return Answer("rows", names, tuple(tuple(remote_term(b.get(n)) for n in names)
                                       for b in bindings))


def _triples_there(client: httpx.Client, endpoint: str, text: str,
                   dataset: Sequence[str]) -> Answer:
    form = [("query", text)] + [("default-graph-uri", g) for g in dataset] + \
        [("named-graph-uri", g) for g in dataset]
    try:
        response = client.post(endpoint, data=None, content=_form(form),
                               headers={"Accept": RDF_ACCEPT,
                                        "Content-Type": "application/x-www-form-urlencoded"})
    except httpx.HTTPError as err:
        raise EndpointError(f"{endpoint}: {describe(err)}") from err
    if response.status_code != 200:
        raise EndpointError(f"{endpoint}: HTTP {response.status_code}{excerpt(response)}")
    if response.headers.get("x-sql-state"):
        raise EndpointError(f"{endpoint}: a partial answer (X-SQL-State "
                            f"{response.headers['x-sql-state']}): stopped at its time limit")
    media = response.headers.get("content-type", "").split(";")[0].strip()
    fmt = ox.RdfFormat.TURTLE if media == "text/turtle" else ox.RdfFormat.N_TRIPLES
    try:
        triples = ox.parse(response.content, format=fmt)
        rows = {(local_term(t.subject), local_term(t.predicate), local_term(t.object))
                for t in triples}
    except SyntaxError as err:
        raise EndpointError(f"{endpoint}: unreadable {media or 'RDF'} answer: {err}") from err
    return Answer("triples", rows=tuple(sorted(rows)))


def _form(form: list[tuple[str, str]]) -> bytes:
    from urllib.parse import urlencode

    return urlencode(form).encode("ascii")


# -- comparing ------------------------------------------------------------------------------

_ORDER = re.compile(r"\bORDER\s+BY\b(.*?)(?:\bLIMIT\b|\bOFFSET\b|$)", re.IGNORECASE | re.DOTALL)


def sort_variables(query: Query) -> list[str] | None:
    """The variables the outermost ORDER BY sorts on, or None when it does not sort."""
    matches = list(_ORDER.finditer(query.masked))
    if not matches:
        return None
    return re.findall(r"[?$](\w+)", matches[-1].group(1))


def same(query: Query, here: Answer, there: Answer) -> tuple[bool, str]:
    """Whether two answers are equal under the normalisation; and if not, how they differ."""
    if here.kind != there.kind:
        return False, f"{here.kind} here, {there.kind} there"
    if here.kind == "rows" and set(here.variables) != set(there.variables):
        return False, f"variables {here.variables} here, {there.variables} there"
    order = list(here.variables)
    theirs = [tuple(r[there.variables.index(v)] for v in order) for r in there.rows] \
        if here.kind == "rows" else list(there.rows)
    mine = list(here.rows)
    if Counter(mine) != Counter(theirs):
        only_here = list((Counter(mine) - Counter(theirs)).elements())[:3]
        only_there = list((Counter(theirs) - Counter(mine)).elements())[:3]
        return False, f"only here: {_show(only_here)}; only there: {_show(only_there)}"
    keys = sort_variables(query) if here.kind == "rows" else None
    if keys:
        if not set(keys) <= set(order):
            return True, "order not checked (sorted on a variable it does not return)"
        index = [order.index(k) for k in keys]
        if [tuple(r[i] for i in index) for r in mine] != \
                [tuple(r[i] for i in index) for r in theirs]:
            return False, "same rows, in another order"
    return True, ""


def _show(rows: Iterable[Row]) -> str:
    """At most two rows, each value cut to 40 characters: enough to see the difference."""
    def value(term: Term) -> str:
        text = term[1] if len(term) > 1 else term[0]
        return text if len(text) <= 40 else text[:39] + "…"
    return ", ".join("(" + " ".join(value(t) for t in row) + ")"
                     for row in list(rows)[:2]) or "nothing"


def compare(store: ox.Store, client: httpx.Client, endpoint: str, catalogue: Catalogue,
            engine: str, dataset: Sequence[str] = (), only: Sequence[str] = ()) -> list[Compared]:
    """One row per example query (or per name in ``only``)."""
    rows = []
    for query in catalogue.examples:
        if only and query.name not in only:
            continue
        rows.append(compare_one(store, client, endpoint, query, engine, dataset))
    return rows


def compare_one(store: ox.Store, client: httpx.Client, endpoint: str, query: Query,
                engine: str, dataset: Sequence[str]) -> Compared:
    if query.federated:
        return Compared(query.name, None, None, "skipped",
                        "SERVICE: its answer depends on a third endpoint")
    text = query.bound_text()
    try:
        here = answer_here(store, text)
    except QueryError as err:
        return Compared(query.name, None, None, "error", f"here: {err}")
    try:
        there = answer_there(client, endpoint, query, text, dataset)
    except EndpointError as err:
        return _verdict(query, engine, here.size, None, False, f"there: {err}")
    equal, note = same(query, here, there)
    return _verdict(query, engine, here.size, there.size, equal, note)


def _verdict(query: Query, engine: str, here: int | None, there: int | None, equal: bool,
             note: str) -> Compared:
    if equal:
        return Compared(query.name, here, there, "equal", note)
    why = query.differences.get(engine) or query.differences.get("*")
    if why:
        return Compared(query.name, here, there, "explained", why)
    return Compared(query.name, here, there, "error" if there is None else "differs", note)


def build_graphs(manifest: dict[str, object]) -> list[str]:
    """The named graphs of a loaded build (its BUILD.json), the dataset to compare over."""
    graphs = manifest.get("graphs")
    if not isinstance(graphs, list):
        return []
    return [str(g["iri"]) for g in graphs if isinstance(g, dict) and "iri" in g]


# -- output ---------------------------------------------------------------------------------


def table(rows: list[Compared], engine: str) -> str:
    width = max([len(r.query) for r in rows] + [5])
    other = f"{engine} rows"
    lines = [f"{'query':<{width}}  {'nsxkg rows':>10}  {other:>14}  equal",
             f"{'-' * width}  {'-' * 10}  {'-' * 14}  -----"]
    for r in rows:
        here = "-" if r.here is None else f"{r.here:,}"
        there = "-" if r.there is None else f"{r.there:,}"
        verdict = {"equal": "yes", "differs": "NO", "error": "NO (error)",
                   "explained": "no, explained", "skipped": "skipped (SERVICE)"}[r.verdict]
        note = f"  {r.note}" if r.note and r.verdict != "skipped" else ""
        lines.append(f"{r.query:<{width}}  {here:>10}  {there:>14}  {verdict}{note}")
    counts = Counter(r.verdict for r in rows)
    lines.append("")
    lines.append(", ".join(f"{counts[v]} {v}" for v in
                           ("equal", "explained", "differs", "error", "skipped") if counts[v]))
    return "\n".join(lines) + "\n"


def as_json(rows: list[Compared], engine: str, endpoint: str) -> str:
    return json.dumps({"engine": engine, "endpoint": endpoint,
                       "queries": [asdict(r) for r in rows]}, indent=2) + "\n"
