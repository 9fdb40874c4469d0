"""Server-rendered pages for people: home, search, resource pages and the query page.

Templates autoescape everything; IRIs from paths are bound as terms (see views.py). Search
is in search.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from nsxkg import partitions
from nsxkg.framework_index import FrameworkIndex
from nsxkg.namespaces import NSX, PREFIXES, RDF, SKOS
from nsxkg.web import frameworks, views
from nsxkg.web.deps import HERE, AppState, State
from nsxkg.web.describe import LABELS, label_of
from nsxkg.web.failures import QueryError
from nsxkg.web.http import VARY, get_and_head, page
from nsxkg.web.limits import client_address
from nsxkg.web.links import env, links_for, local_href, short
from nsxkg.web.service import QueryRequest

router = APIRouter(include_in_schema=False)
# The query editor (YASGUI), installed from npm by `make editor`; without it the page keeps
# its plain form.
EDITOR_ASSETS = HERE / "static" / "vendor" / "yasgui.min.js"

RDF_LINKS = (("Turtle", "ttl"), ("N-Triples", "nt"), ("JSON-LD", "jsonld"), ("RDF/XML", "rdf"))
BUILTIN_EXAMPLES: tuple[tuple[str, str], ...] = (
    ("Mastery statements of Sales Managers, by level", """PREFIX nsx: <https://w3id.org/nsxkg/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?level ?role ?pos ?focus ?text WHERE {
  ?s a nsx:MasteryStatement ;
     nsx:occupation <https://w3id.org/nsxkg/id/occupation/11-2022.00> ;
     nsx:level ?l ; nsx:position ?pos ; dcterms:title ?focus ; nsx:statementText ?text .
  ?l skos:prefLabel ?level ; nsx:rank ?rank ; nsx:roleLabel ?role .
} ORDER BY ?rank ?pos"""),
    ("Sources and how often they are cited", """PREFIX nsx: <https://w3id.org/nsxkg/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?source ?label (COUNT(?st) AS ?citations) WHERE {
  ?source a nsx:Source ; skos:prefLabel ?label .
  OPTIONAL { ?st nsx:cites ?source }
} GROUP BY ?source ?label ORDER BY DESC(?citations)"""),
    ("Classes and their instance counts", """SELECT ?class (COUNT(DISTINCT ?s) AS ?n)
WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n)"""),
    ("Describe the Sales Managers occupation (a graph)", """PREFIX id: <https://w3id.org/nsxkg/id/>
CONSTRUCT { ?s ?p ?o } WHERE { BIND(id:occupation\\/11-2022.00 AS ?s) ?s ?p ?o }"""),
)


@get_and_head(router, "/")
def home(request: Request, state: State) -> Response:
    stats = state.cache.get("stats")
    if stats is None:
        shown, total = frameworks.home_frameworks(state)
        classes, _, _ = partitions.for_build(state.store, state.build.path)
        stats = state.cache["stats"] = {**views.stats(classes),
                                        "triples": state.build.quads,
                                        "frameworks_list": shown, "frameworks_total": total}
    # The home page's data is the dataset description.
    rdf_links = [(name, f"/.well-known/void?format={fmt}") for name, fmt in
                 (("Turtle", "turtle"), ("N-Triples", "ntriples"), ("JSON-LD", "jsonld"),
                  ("RDF/XML", "rdfxml"))]
    return page(request, "home.html", {"stats": stats, "rdf_links": rdf_links, **env(state)})


def examples(state: AppState) -> list[tuple[str, str]]:
    """Example queries: the project's queries/examples/*.rq, else a built-in few."""
    found: list[tuple[str, str]] = []
    folder = Path(state.settings.queries) / "examples"
    if folder.is_dir():
        for path in sorted(folder.glob("*.rq")):
            text = path.read_text(encoding="utf-8")
            first = text.splitlines()[0] if text else ""
            title = first.lstrip("# ").strip() if first.startswith("#") else path.stem
            found.append((title, text))
    return found or list(BUILTIN_EXAMPLES)


@dataclass
class Table:
    variables: list[str]
    rows: list[list[tuple[str, str | None]]]  # (text, href)


def query_page(request: Request, state: AppState, query: str = "",
               table: Table | None = None, graph_text: str | None = None,
               problem: str | None = None, status: int = 200) -> Response:
    shown = query or examples(state)[0][1]
    downloads = []
    if query:
        for name, label in (("csv", "CSV"), ("tsv", "TSV"), ("json", "JSON"), ("xml", "XML"),
                            ("turtle", "Turtle"), ("ntriples", "N-Triples"),
                            ("jsonld", "JSON-LD")):
            kind_ok = (name in ("turtle", "ntriples", "jsonld")) == (graph_text is not None)
            if kind_ok:
                downloads.append((label, "/sparql?" + urlencode({"query": query,
                                                                  "format": name})))
    base = state.settings.base_iri + "id/"
    return page(request, "query.html", {
        "query": shown, "examples": examples(state), "table": table, "graph_text": graph_text,
        "problem": problem, "downloads": downloads, "limit": state.settings.result_limit,
        "base": base, "timeout": state.settings.query_timeout,
        "share_query": urlencode({"query": query}) if query else "",
        "editor_assets": EDITOR_ASSETS.is_file(),
        "editor_config": {"base": base, "prefixes": {**PREFIXES, "id": base}}},
        status=status)


@get_and_head(router, "/query")
async def query_form(request: Request, state: State, query: str = "") -> Response:
    """The query page; with ?query= it also runs it (for browsers without JavaScript)."""
    if not query.strip():
        return query_page(request, state)
    # The query service's policy, as for /sparql: without it this page would let a query
    # call SERVICE endpoints at any address (SSRF).
    try:
        answer = await state.service.run(QueryRequest(query, client_address(request.scope),
                                                      "json", "turtle"))
    except QueryError as err:
        return query_page(request, state, query, problem=err.message, status=err.status)
    if answer.format == "turtle":
        return query_page(request, state, query, graph_text=answer.body.decode("utf-8"))
    parsed = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)
    if isinstance(parsed, ox.QueryBoolean):
        table = Table(["result"], [[("true" if bool(parsed) else "false", None)]])
    else:
        variables = [v.value for v in parsed.variables]
        rows = []
        for sol in parsed:
            cells: list[tuple[str, str | None]] = []
            for name in variables:
                term = sol[name]
                if isinstance(term, ox.NamedNode):
                    cells.append((short(term.value), local_href(term.value, state)))
                else:
                    cells.append(("" if term is None else term.value, None))
            rows.append(cells)
        table = Table(variables, rows)
    return query_page(request, state, query, table=table)


# -- resource pages -----------------------------------------------------------------------

def _labels(triples: list[ox.Triple]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for prop in LABELS:  # the first label property found wins, in LABELS order
        for t in triples:
            if t.predicate == prop and isinstance(t.object, ox.Literal):
                labels.setdefault(t.subject.value, t.object.value)  # type: ignore[union-attr]
    return labels


def resource_page(request: Request, state: AppState, iri: str, doc_path: str,
                  triples_of: Callable[[], list[ox.Triple]]) -> Response:
    """The page of a resource. Occupation and framework pages take their data from their own
    views (the framework index), so only the generic and ontology pages pay for the
    resource's description (``triples_of``): describing a release, with the labels of all it
    links to, takes about 25 ms with a thousand frameworks loaded."""
    node = ox.NamedNode(iri)
    # dict.fromkeys: the same type is stated in several named graphs.
    types = list(dict.fromkeys(q.object.value for q in state.store.quads_for_pattern(
        node, RDF.type, None, None) if isinstance(q.object, ox.NamedNode)))
    release = _release_of(state, iri, types)
    if release is not None:
        html = release_page(state.templates, frameworks.index_of(state),
                            state.settings.base_iri, iri, doc_path, *release)
        if html is not None:
            return HTMLResponse(html, headers={"Vary": VARY})
    label = next((t.object.value for t in label_of(state.store, node)
                  if isinstance(t.object, ox.Literal)), short(iri))
    rdf_links = _rdf_links(doc_path)
    context: dict[str, Any] = {"iri": iri, "label": label,
                               "types": types, "rdf_links": rdf_links, **env(state)}
    if NSX.Occupation.value in types:
        view = state.memo("occupation-views", iri, lambda: _occupation(state, iri), limit=256)
        if view is not None:
            return page(request, "occupation.html", {**context, "o": view})
    triples = triples_of()
    if iri == NSX.iri.rstrip("#"):
        return page(request, "ontology.html", {**context, **_ontology(triples)})
    labels = _labels(triples)

    def cell(term: object) -> dict[str, Any]:
        if isinstance(term, ox.NamedNode):
            return {"text": labels.get(term.value) or short(term.value),
                    "href": local_href(term.value, state), "iri": term.value}
        if isinstance(term, ox.Literal):
            return {"text": term.value, "lang": term.language,
                    "datatype": short(term.datatype.value) if not term.language else None}
        return {"text": str(term)}

    facts = [(cell(t.predicate), cell(t.object)) for t in triples
             if t.subject == node and t.predicate != RDF.type]
    facts.sort(key=lambda f: (f[0]["text"], f[1]["text"]))
    # Ratings are listed by the occupations they rate (below), not one link per rating.
    incoming = [(cell(t.subject), cell(t.predicate)) for t in triples
                if t.object == node and t.predicate != NSX.element]
    incoming.sort(key=lambda f: (f[1]["text"], f[0]["text"]))
    rated = views.rated_in(state.store, iri, state.settings.base_iri) \
        if any(t.object == node and t.predicate == NSX.element for t in triples) else []
    cites = [cell(t.object) for t in triples if t.subject == node and t.predicate == NSX.cites]
    chips = {c["iri"]: c for c in cites}
    for t in triples:  # chip text is the source's citation label
        if t.predicate == NSX.citationLabel and t.subject.value in chips:  # type: ignore[union-attr]
            chips[t.subject.value]["text"] = t.object.value  # type: ignore[union-attr]
    text = next((t.object.value for t in triples if t.subject == node
                 and t.predicate == NSX.statementText and isinstance(t.object, ox.Literal)),
                None)
    return page(request, "resource.html", {
        **context, "facts": facts, "incoming": incoming, "chips": list(chips.values()),
        "rated": rated,
        "statement_text": text, "type_labels": [(short(t), local_href(t, state)) for t in types
                                                if t != SKOS.Concept.value]})


def _occupation(state: AppState, iri: str) -> dict[str, Any] | None:
    """The occupation page: its head, O*NET profile and crosswalks, and the current release
    of its framework, if it has one."""
    view = views.occupation(state.store, iri, state.settings.base_iri)
    if view is None:
        return None
    code = str(view.get("code") or unquote(iri.rsplit("/", 1)[-1]))
    entry = frameworks.entry_for(state, code)
    release = frameworks.release_view(frameworks.index_of(state), code,
                                      entry.current.version) if entry else None
    if release is not None:
        own = {k: view[k] for k in ("label", "definition") if view.get(k)}
        view.update({**release, **own, "iri": iri})
    return view


def _rdf_links(doc_path: str) -> list[tuple[str, str]]:
    return [(name, f"{doc_path}.{ext}") for name, ext in RDF_LINKS]


def release_page(templates: Jinja2Templates, index: FrameworkIndex, base: str, iri: str,
                 doc_path: str, code: str, version: str, latest: bool) -> str | None:
    """The page of a framework release (or of a framework: its latest release), from the
    build's framework index alone: the server renders it so, and ``nsxkg load`` ahead of
    time (web/prerender.py); None when the index does not hold the release."""
    found = frameworks.release_page_context(index, code, version)
    if found is None:
        return None
    return templates.get_template("framework.html").render({
        "iri": iri, "rdf_links": _rdf_links(doc_path), **links_for(base), **found,
        "is_latest": latest})


def _release_of(state: AppState, iri: str,
                types: list[str]) -> tuple[str, str, bool] | None:
    """(code, version, latest?) when ``iri`` is a framework release, or a framework (which
    shows its latest release)."""
    prefix = state.settings.base_iri + "id/framework/"
    if NSX.FrameworkRelease.value in types:
        code, _, version = iri.removeprefix(prefix).partition("/")
        entry = frameworks.entry_for(state, code)
        return code, unquote(version), entry is not None and entry.current.iri == iri
    if NSX.Framework.value in types:
        entry = frameworks.entry_for(state, unquote(iri.removeprefix(prefix)))
        return (entry.code, entry.current.version, True) if entry is not None else None
    return None


def _ontology(triples: list[ox.Triple]) -> dict[str, Any]:
    terms: dict[str, dict[str, str]] = {}
    for t in triples:
        subject = t.subject.value  # type: ignore[union-attr]
        if not subject.startswith(NSX.iri):
            continue
        entry = terms.setdefault(subject, {"name": subject[len(NSX.iri):], "iri": subject})
        if t.predicate == RDF.type and isinstance(t.object, ox.NamedNode):
            entry.setdefault("kind", "class" if t.object.value.endswith("Class") else "property")
        elif isinstance(t.object, ox.Literal) and t.predicate.value.endswith(
                ("#label", "#comment", "#definition", "#prefLabel")):
            entry.setdefault(t.predicate.value.rsplit("#", 1)[1], t.object.value)
    ordered = sorted(terms.values(), key=lambda e: e["name"].casefold())
    return {"classes": [e for e in ordered if e.get("kind") == "class"],
            "properties": [e for e in ordered if e.get("kind") == "property"]}
