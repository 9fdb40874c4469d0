"""Search for people: the ``/search`` page, the search box's autocomplete and the query
editor's term completion, all answered from the build's text index (``nsxkg.textindex``),
the same one SPARQL's ``nsx:textSearch`` reads.

Nothing typed here becomes SPARQL or FTS syntax: names are matched word by word as bound
parameters, and full-text searches go through the search language's parser
(``nsxkg.textquery``), which writes every word as a quoted FTS5 string.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from nsxkg import partitions
from nsxkg.namespaces import ESCO, NSX
from nsxkg.textindex import Search, TooManyMatches
from nsxkg.textquery import SearchSyntaxError, positive_terms, snippet_parts
from nsxkg.web.deps import AppState, State
from nsxkg.web.http import get_and_head, page
from nsxkg.web.links import env, local_href, short

router = APIRouter(include_in_schema=False)
api = APIRouter(tags=["search"])

PAGE_SIZE = 20
MOST_PAGES = 50  # a page past this is refused: refine the search instead
# What a person may narrow the search page to, and the classes that means.
KINDS: dict[str, tuple[ox.NamedNode, ...]] = {
    "occupation": (NSX.Occupation,), "title": (NSX.AlternateTitle, NSX.ReportedTitle),
    "task": (NSX.Task, NSX.EmergingTask), "statement": (NSX.Statement,),
    "skill": (NSX.ONetSkill, NSX.DurableSkillDomain), "knowledge": (NSX.Knowledge,),
    "ability": (NSX.Ability,), "work style": (NSX.WorkStyle,),
    "work activity": (NSX.WorkActivity,),
    "technology": (NSX.TechnologyCategory, NSX.TechnologySkill),
    "ESCO occupation": (ESCO.Occupation,), "SOC group": (NSX.SOCGroup,),
    "programme": (NSX.EducationProgram,),
}
TERM_KINDS = ("class", "property", "resource")


@dataclass
class Row:
    iri: str
    name: str
    kind: str
    property: str
    parts: list[tuple[str, bool]]
    score: float


def sparql_for(q: str, kind: str | None) -> str:
    """The search as a SPARQL query with ``nsx:textSearch``, to carry on in the editor."""
    literal = str(ox.Literal(q))  # N-Triples escaping is valid SPARQL
    classes = " , ".join(f"<{c.value}>" for c in KINDS.get(kind or "", ()))
    restriction = f"\n       nsx:searchClass {classes} ;" if classes else ""
    return (f"PREFIX nsx: <{NSX.iri}>\n"
            f"SELECT ?resource ?text ?score ?snippet WHERE {{\n"
            f"  SERVICE nsx:textSearch {{\n"
            f"    ?resource nsx:searchQuery {literal} ;{restriction}\n"
            f"       nsx:matchedText ?text ; nsx:relevance ?score ; nsx:snippet ?snippet .\n"
            f"  }}\n"
            f"}} ORDER BY DESC(?score) LIMIT 100\n")


@get_and_head(router, "/search")
def search_page(request: Request, state: State, q: str = "", kind: str = "",
                page_number: int = Query(1, alias="page", ge=1)) -> Response:
    index = state.index
    names = index.names(q, limit=10) if q.strip() else []
    rows: list[Row] = []
    problem = None
    more = False
    status = 200
    if q.strip():
        if page_number > MOST_PAGES:
            problem, status = (f"only the first {MOST_PAGES} pages are shown; narrow the "
                               f"search"), 400
        else:
            wanted = PAGE_SIZE * page_number + 1
            try:
                classes = tuple(c.value for c in KINDS.get(kind, ()))
                tree, matches = index.search(Search(q, classes=classes, limit=wanted),
                                             most=wanted)
            except SearchSyntaxError as err:
                problem, status = f"The search cannot be read: {err}.", 400
            except TooManyMatches:  # not raised with a limit; kept for completeness
                problem, status = "Too many matches; narrow the search.", 400
            else:
                more = len(matches) > PAGE_SIZE * page_number
                terms = positive_terms(tree)
                shown = matches[PAGE_SIZE * (page_number - 1):PAGE_SIZE * page_number]
                named = index.names_of({m.resource for m in shown})
                for m in shown:
                    rows.append(Row(m.resource, named.get(m.resource) or m.text, m.kind,
                                    short(m.property), snippet_parts(m.text, terms),
                                    m.score))

    def link(**changes: object) -> str:
        values = {"q": q, "kind": kind, "page": page_number, **changes}
        return "/search?" + urlencode({k: v for k, v in values.items() if v not in ("", 1)})

    context: dict[str, Any] = {
        "q": q, "kind": kind, "kinds": list(KINDS), "names": names, "rows": rows,
        "problem": problem, "page_number": page_number, "more": more,
        "previous": link(page=page_number - 1) if page_number > 1 else None,
        "next": link(page=page_number + 1) if more else None,
        "as_sparql": "/query#" + urlencode({"query": sparql_for(q, kind or None)})
        if q.strip() else None,
        **env(state)}
    return page(request, "search.html", context, status=status)


@get_and_head(api, "/api/search", summary="Autocomplete: resources whose names start with "
              "the words typed")
def search_api(state: State, q: str = "", limit: int = Query(8, ge=1, le=50)) -> Response:
    hits = state.index.names(q, limit=limit)
    return JSONResponse([{"label": h.label, "name": h.name, "kind": h.kind, "iri": h.iri,
                          "href": local_href(h.iri, state)} for h in hits])


@get_and_head(api, "/api/terms", summary="Term completion for the query editor")
def terms_api(state: State, kind: str = Query("resource", pattern="^(class|property|resource)$"),
              q: str = "", prefix: str = "",
              limit: int = Query(20, ge=1, le=100)) -> Response:
    """Classes, properties or resources for the query editor's completion.

    ``prefix``: terms whose IRI starts with it (the local name case-insensitively), for a
    prefixed name being typed; ``q``: terms whose names start with the words typed.
    """
    found: dict[str, dict[str, str]] = {}
    if kind in ("class", "property") and prefix:
        for iri in _used_terms(state)[kind]:
            if iri.casefold().startswith(prefix.casefold()) and len(found) < limit:
                found[iri] = {"iri": iri, "label": state.index.name_of(iri) or "",
                              "kind": kind}
    if q.strip():
        kinds = (kind,) if kind != "resource" else ()
        for hit in state.index.names(q, limit=limit, kinds=kinds):
            if kind == "resource" and hit.kind in ("class", "property"):
                continue
            found.setdefault(hit.iri, {"iri": hit.iri, "label": hit.name, "kind": hit.kind})
    return JSONResponse(list(found.values())[:limit])


def _used_terms(state: AppState) -> dict[str, list[str]]:
    """Every class and property of the build (its VoID partitions) and of the ontology."""
    def make() -> dict[str, list[str]]:
        classes, properties, _ = partitions.for_build(state.store, state.build.path)
        return {"class": sorted({c for c, _ in classes} | state.index.named("class")),
                "property": sorted({p for p, _ in properties}
                                   | state.index.named("property"))}
    result: dict[str, list[str]] = state.memo("used-terms", "all", make)
    return result
