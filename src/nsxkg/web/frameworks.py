"""Framework pages: the index of every framework (``/frameworks``), each release as a page
(``/doc/framework/{code}/{version}``; ``/doc/framework/{code}`` is the latest), with its
release switcher and what changed since the release before, and the diff of any two releases
(``/frameworks/{code}/diff``).

The page data comes from the build's framework index (framework_index.py): assembled once by
``nsxkg load``, so a page costs a lookup and a template whichever of a thousand frameworks it
shows.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from nsxkg.export import csvw
from nsxkg.export.formats import FORMATS
from nsxkg.framework_index import FrameworkEntry, FrameworkIndex, previous_of
from nsxkg.frameworks import diff as fdiff
from nsxkg.frameworks.model import DurableLevel, MasteryLevel
from nsxkg.web.deps import AppState, State
from nsxkg.web.http import error, get_and_head, page, wants_html
from nsxkg.web.links import env

PER_PAGE = 50
# A release's downloads (web/exports.py): /frameworks/{code}/{version}/export.<suffix>, and the
# CSVW metadata where CSVW looks for it, beside the CSV.
EXPORT = "export"
EXPORT_METADATA = f"{EXPORT}{csvw.SUFFIX}-metadata.json"

router = APIRouter(include_in_schema=False)


def index_of(state: AppState) -> FrameworkIndex:
    """The build's framework page data (frameworks.sqlite, kept by ``nsxkg load``)."""
    found = state.cache.get("framework-index")
    if found is None:
        found = state.cache["framework-index"] = FrameworkIndex.for_build(
            state.store, state.settings.base_iri, state.build.path)
    result: FrameworkIndex = found
    return result


def catalog(state: AppState) -> list[FrameworkEntry]:
    """Every framework of the build, by title."""
    return index_of(state).catalog()


def entry_for(state: AppState, code: str) -> FrameworkEntry | None:
    return index_of(state).entry(code)


def release_view(index: FrameworkIndex, code: str, version: str) -> dict[str, Any] | None:
    """What a release's page shows, in the shape the occupation page's sections take."""
    view = index.view(code, version)
    if view is None:
        return None
    return {**view, "framework": index.entry(code)}


def changes(state: AppState, code: str, old: str, new: str) -> list[dict[str, Any]]:
    index = index_of(state)
    if previous_of(index.entry(code), new) == old:
        return index.changes(code, new)
    return state.memo("framework-diffs", (code, old, new),
                      lambda: index.compare(code, old, new), limit=256)


def downloads(code: str, version: str) -> list[dict[str, str]]:
    """Every download of a release (title, path, media type), for its page and for VoID."""
    base = f"/frameworks/{quote(code)}/{quote(version)}/"
    out = [{"format": fmt.name, "title": fmt.title, "path": f"{base}{EXPORT}{fmt.suffix}",
            "media_type": fmt.media_type} for fmt in FORMATS.values()]
    out.append({"format": "csvw", "title": "CSVW metadata of the CSV",
                "path": base + EXPORT_METADATA, "media_type": csvw.METADATA_MEDIA_TYPE})
    return out


def diff_summary(changed: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(what, n) for what in fdiff.CHANGES
            if (n := sum(c["change"] == what for c in changed))]


def release_page_context(index: FrameworkIndex, code: str,
                         version: str) -> dict[str, Any] | None:
    """What ``framework.html`` shows of a release, from the build's framework index alone
    (so that ``nsxkg load`` can render the pages ahead: web/prerender.py)."""
    view = release_view(index, code, version)
    if view is None:
        return None
    previous = previous_of(view["framework"], version)
    changed = index.changes(code, version) if previous else []
    return {"f": view, "previous": previous, "changes": changed,
            "summary": diff_summary(changed), "levels": LEVEL_LABELS,
            "downloads": downloads(code, version)}


# Level keys as the pages name them (the scales are part of the file format).
LEVEL_LABELS = {level.value: level.value.capitalize()
                for scale in (MasteryLevel, DurableLevel) for level in scale}


# -- routes ----------------------------------------------------------------------------------------


@get_and_head(router, "/frameworks")
def index(request: Request, state: State, page_number: int = Query(1, alias="page", ge=1),
          q: str = Query("", max_length=200)) -> Response:
    """Every framework with its releases, a page at a time; ``q`` filters by title or code."""
    entries = catalog(state)
    needle = q.strip().casefold()
    if needle:
        entries = [e for e in entries if needle in e.title.casefold() or needle in e.code]
    pages = max(1, -(-len(entries) // PER_PAGE))
    if page_number > pages:
        return error(request, 404, f"there are {pages} pages of frameworks; page {page_number} "
                                   f"is past the last")
    shown = entries[(page_number - 1) * PER_PAGE:page_number * PER_PAGE]
    if not wants_html(request):
        return JSONResponse({
            "total": len(entries), "page": page_number, "pages": pages, "per_page": PER_PAGE,
            "frameworks": [{"code": e.code, "title": e.title, "iri": e.iri,
                            "occupation": e.occupation, "current": e.current.version,
                            "releases": [{"version": r.version, "iri": r.iri}
                                         for r in e.releases]} for e in shown]},
            headers={"Vary": "Accept"})
    return page(request, "frameworks.html", {**env(state),
        "entries": shown, "total": len(entries), "page": page_number, "pages": pages,
        "q": q, "releases": sum(len(e.releases) for e in entries)})


@get_and_head(router, "/frameworks/{code}/diff")
def diff_page(request: Request, state: State, code: str,
              old: str = Query("", alias="from", max_length=100),
              new: str = Query("", alias="to", max_length=100)) -> Response:
    """What changed between two releases of a framework (default: the last two)."""
    entry = entry_for(state, code)
    if entry is None:
        return error(request, 404, f"no framework for occupation {code!r}; see /frameworks")
    versions = [r.version for r in entry.releases]
    new = new or versions[-1]
    old = old or (previous_of(entry, new) or new)
    for version in (old, new):
        if version not in versions:
            return error(request, 404, f"the framework for {code} has no release {version!r}; "
                                       f"its releases: {', '.join(versions)}")
    changed = changes(state, code, old, new)
    if not wants_html(request):
        return JSONResponse({"code": code, "from": old, "to": new, "changes": [
            {"change": c["change"], "kind": c["kind"], "key": c["key"],
             "from": c["old"], "to": c["new"]} for c in changed]}, headers={"Vary": "Accept"})
    return page(request, "framework_diff.html", {**env(state),
        "entry": entry, "old": old, "new": new, "changes": changed,
        "summary": diff_summary(changed), "versions": versions, "levels": LEVEL_LABELS})


def home_frameworks(state: AppState, limit: int = 24) -> tuple[list[FrameworkEntry], int]:
    entries = catalog(state)
    return entries[:limit], len(entries)
