"""Framework pages: the index of every framework (``/frameworks``), each release as a page
(``/doc/framework/{code}/{version}``; ``/doc/framework/{code}`` is the latest), with its
release switcher and what changed since the release before, and the diff of any two releases
(``/frameworks/{code}/diff``).

A release's page is read from its own named graph with one index scan, the labels of the
shared resources it points to from the reference graph (read once per build), so a page
costs milliseconds whichever of a thousand frameworks it shows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from nsxkg.convert.framework import reference_graph, release_graph, version_order
from nsxkg.frameworks import diff as fdiff
from nsxkg.iris import Iris
from nsxkg.namespaces import DCAT, DCTERMS, NSX, PROV, RDF, SKOS
from nsxkg.web.deps import AppState, State
from nsxkg.web.http import error, get_and_head, page, wants_html
from nsxkg.web.links import env
from nsxkg.web.views import Chip, Domain, LevelBlock, Statement

PER_PAGE = 50
ANCHORS = (("Tasks", NSX.anchorTask), ("Skills", NSX.anchorSkill),
           ("Knowledge", NSX.anchorKnowledge), ("Abilities", NSX.anchorAbility),
           ("Work styles", NSX.anchorWorkStyle), ("Technology", NSX.anchorTechnology))
KIND_OF = {NSX.MasteryStatement.value: "mastery", NSX.AIUseStatement.value: "ai-use",
           NSX.DurableSkillStatement.value: "durable"}

router = APIRouter(include_in_schema=False)

Facts = dict[str, dict[str, list[ox.NamedNode | ox.Literal]]]


def facts_of(quads: Any) -> Facts:
    """subject → predicate → objects, for the quads of one graph."""
    out: Facts = defaultdict(lambda: defaultdict(list))
    for q in quads:
        if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode |
                                                              ox.Literal):
            out[q.subject.value][q.predicate.value].append(q.object)
    return out


def first(facts: Facts, subject: str, prop: ox.NamedNode) -> str | None:
    values = facts.get(subject, {}).get(prop.value)
    return values[0].value if values else None


def every(facts: Facts, subject: str, prop: ox.NamedNode) -> list[str]:
    return [v.value for v in facts.get(subject, {}).get(prop.value, [])]


# -- the catalogue of frameworks of one build ----------------------------------------------------


@dataclass(frozen=True)
class ReleaseRef:
    version: str
    iri: str
    href: str


@dataclass
class FrameworkEntry:
    code: str
    title: str
    iri: str
    occupation: str
    href: str
    releases: list[ReleaseRef] = field(default_factory=list)  # oldest first

    @property
    def current(self) -> ReleaseRef:
        return self.releases[-1]


def catalog(state: AppState) -> list[FrameworkEntry]:
    """Every framework of the build, by title (read once per build)."""
    cached = state.cache.get("framework-catalog")
    if cached is None:
        cached = state.cache["framework-catalog"] = _catalog(state.store,
                                                             state.settings.base_iri)
    result: list[FrameworkEntry] = cached
    return result


def _catalog(store: ox.Store, base: str) -> list[FrameworkEntry]:
    entries = []
    for quad in store.quads_for_pattern(None, RDF.type, NSX.Framework, None):
        fw = quad.subject
        if not isinstance(fw, ox.NamedNode):
            continue
        graph = quad.graph_name
        facts = facts_of(store.quads_for_pattern(fw, None, None, graph))
        code = unquote(fw.value.rsplit("/", 1)[-1])
        title = (first(facts, fw.value, DCTERMS.title) or code).removeprefix(
            "NSX skills framework: ")
        entry = FrameworkEntry(code, title, fw.value, first(facts, fw.value, NSX.occupation)
                               or "", _href(fw.value, base))
        for release in every(facts, fw.value, DCAT.hasVersion):
            version = unquote(release.rsplit("/", 1)[-1])
            entry.releases.append(ReleaseRef(version, release, _href(release, base)))
        entry.releases.sort(key=lambda r: version_order(r.version))
        if entry.releases:
            entries.append(entry)
    entries.sort(key=lambda e: (e.title.casefold(), e.code))
    return entries


def entry_for(state: AppState, code: str) -> FrameworkEntry | None:
    index = state.cache.get("framework-by-code")
    if index is None:
        index = state.cache["framework-by-code"] = {e.code: e for e in catalog(state)}
    found: FrameworkEntry | None = index.get(code)
    return found


def _href(iri: str, base: str) -> str:
    return "/doc/" + iri[len(base) + 3:] if iri.startswith(base + "id/") else iri


# -- the shared labels ----------------------------------------------------------------------------


def reference_facts(state: AppState) -> Facts:
    """The reference graph (scales, levels, domains, sources, anchored O*NET resources)."""
    cached = state.cache.get("framework-reference")
    if cached is None:
        graph = reference_graph(Iris(state.settings.base_iri))
        cached = state.cache["framework-reference"] = facts_of(
            state.store.quads_for_pattern(None, None, None, graph))
    result: Facts = cached
    return result


# -- one release -----------------------------------------------------------------------------------


def release_view(state: AppState, code: str, version: str) -> dict[str, Any] | None:
    """What a release's page shows, in the shape the occupation page's sections take."""
    store, base = state.store, state.settings.base_iri
    iris = Iris(base)
    facts = facts_of(store.quads_for_pattern(None, None, None,
                                             release_graph(iris, code, version)))
    release = iris.framework(code, version).value
    if release not in facts:
        return None
    ref = reference_facts(state)
    occupation = first(facts, release, NSX.occupation) or iris.occupation(code).value
    zone = first(ref, occupation, NSX.jobZone)

    def label(iri: str) -> str:
        return first(ref, iri, SKOS.prefLabel) or iri.rsplit("/", 1)[-1]

    editions = {first(facts, e, DCTERMS.isVersionOf): e
                for e in every(facts, release, NSX.sourceEdition)}
    roles = {first(facts, r, NSX.level): first(facts, r, NSX.roleLabel)
             for r in every(facts, release, NSX.levelRole)}

    def chip(source: str) -> Chip:
        edition = editions.get(source, "")
        return Chip(source, first(facts, edition, NSX.citationLabel)
                    or first(facts, edition, SKOS.prefLabel) or label(source),
                    first(facts, edition, DCTERMS.title) or label(source))

    blocks: dict[tuple[str, str | None], dict[str, LevelBlock]] = defaultdict(dict)
    for subject, props in facts.items():
        kind = next((KIND_OF[t.value] for t in props.get(RDF.type.value, ())
                     if t.value in KIND_OF), None)
        if kind is None:
            continue
        level = first(facts, subject, NSX.level) or ""
        domain = first(facts, subject, NSX.domain)
        block = blocks[kind, domain].get(level)
        if block is None:
            block = blocks[kind, domain][level] = LevelBlock(
                level, label(level), int(first(ref, level, NSX.rank) or 0),
                roles.get(level) if kind != "durable" else None)
        block.statements.append(Statement(
            subject, int(first(facts, subject, NSX.position) or 0),
            first(facts, subject, DCTERMS.title) or "",
            first(facts, subject, NSX.statementText) or "",
            [chip(s) for s in sorted(every(facts, subject, NSX.cites))]))
    for by_level in blocks.values():
        for block in by_level.values():
            block.statements.sort(key=lambda s: s.position)

    def ordered(kind: str, domain: str | None = None) -> list[LevelBlock]:
        return sorted(blocks.get((kind, domain), {}).values(), key=lambda b: b.rank)

    domains = [Domain(d, label(d), first(ref, d, SKOS.notation) or "", ordered("durable", d))
               for (kind, d) in blocks if kind == "durable" and d is not None]
    domains.sort(key=lambda d: (int(d.number) if d.number.isdigit() else 99, d.label))
    anchors = []
    for title, prop in ANCHORS:
        rows = [{"iri": a, "label": first(ref, a, SKOS.prefLabel),
                 "code": first(ref, a, SKOS.notation) or a.rsplit("/", 1)[-1]}
                for a in every(facts, release, prop)]
        if rows:
            anchors.append((title, sorted(rows, key=lambda r: (r["code"], r["label"] or ""))))
    entry = entry_for(state, code)
    return {
        "iri": occupation, "code": code, "release_iri": release, "version": version,
        "label": first(ref, occupation, SKOS.prefLabel) or code,
        "zone": first(ref, zone, SKOS.notation) if zone else None,
        "zoneLabel": first(ref, zone, SKOS.prefLabel) if zone else None,
        "release": {"rel": release, "version": version,
                    "context": first(facts, release, NSX.contextText),
                    "publisher": first(facts, release, DCTERMS.publisher),
                    "rights": first(facts, release, DCTERMS.rights),
                    "issued": first(facts, release, DCTERMS.issued),
                    "note": first(facts, release, DCTERMS.description),
                    "anchors": first(facts, release, NSX.sourceAnchorCount)},
        "mastery": ordered("mastery"), "ai_use": ordered("ai-use"), "domains": domains,
        "evidence": _evidence(facts, release, ref),
        "anchors": anchors, "anchor_count": sum(len(rows) for _, rows in anchors),
        "related_titles": sorted(every(facts, release, NSX.relatedTitle)),
        "cip": [{"iri": c, "code": first(ref, c, SKOS.notation) or c.rsplit("/", 1)[-1]}
                for c in sorted(every(facts, release, NSX.educationProgram))],
        "framework": entry,
    }


def _evidence(facts: Facts, release: str, ref: Facts) -> dict[str, Any] | None:
    pack = first(facts, release, NSX.evidence)
    if pack is None:
        return None
    out: dict[str, Any] = {}
    usage = first(facts, pack, NSX.aiUsage)
    if usage:
        out.update(observations=first(facts, usage, NSX.taskObservations),
                   augment=first(facts, usage, NSX.augmentSharePercent),
                   saved=first(facts, usage, NSX.timeSavedPercent),
                   autonomy=first(facts, usage, NSX.aiAutonomy),
                   uSrc=first(facts, usage, PROV.wasDerivedFrom))
    feas = first(facts, pack, NSX.automationFeasibility)
    if feas:
        top = first(facts, feas, NSX.topSkill)
        out.update(score=first(facts, feas, NSX.feasibilityScore),
                   scoreMax=first(facts, feas, NSX.feasibilityScoreMax),
                   quadrant=first(facts, feas, NSX.feasibilityQuadrant),
                   precision=first(facts, feas, NSX.matchPrecision), top=top,
                   topLabel=first(ref, top, SKOS.prefLabel) if top else None,
                   fSrc=first(facts, feas, PROV.wasDerivedFrom))
    cluster_ev = first(facts, pack, NSX.skillsClusterEvidence)
    if cluster_ev:
        cluster = first(facts, cluster_ev, NSX.skillsCluster)
        out.update(cluster=cluster,
                   clusterLabel=first(ref, cluster, SKOS.prefLabel) if cluster else None,
                   clusterKey=first(ref, cluster, SKOS.notation) if cluster else None,
                   cSrc=first(facts, cluster_ev, PROV.wasDerivedFrom))
    for key in ("uSrc", "fSrc", "cSrc"):
        source = out.get(key)
        chip_key = key[0] + "Chip"
        if source:
            edition = next((e for e, p in facts.items()
                            if p.get(DCTERMS.isVersionOf.value) and
                            p[DCTERMS.isVersionOf.value][0].value == source and
                            p.get(NSX.citationLabel.value)), None)
            out[chip_key] = first(facts, edition, NSX.citationLabel) if edition else \
                first(ref, source, SKOS.prefLabel)
    return out


# -- diffs -----------------------------------------------------------------------------------------


def changes(state: AppState, code: str, old: str, new: str) -> list[fdiff.Change]:
    iris = Iris(state.settings.base_iri)
    return state.memo("framework-diffs", (code, old, new), lambda: fdiff.diff(
        fdiff.from_store(state.store, iris, code, old),
        fdiff.from_store(state.store, iris, code, new)), limit=256)


def previous_of(entry: FrameworkEntry | None, version: str) -> str | None:
    if entry is None:
        return None
    versions = [r.version for r in entry.releases]
    at = versions.index(version) if version in versions else -1
    return versions[at - 1] if at > 0 else None


def diff_summary(changed: list[fdiff.Change]) -> list[tuple[str, int]]:
    return [(what, n) for what in fdiff.CHANGES
            if (n := sum(c.change == what for c in changed))]


def release_page_context(state: AppState, code: str, version: str) -> dict[str, Any] | None:
    view = release_view(state, code, version)
    if view is None:
        return None
    previous = previous_of(view["framework"], version)
    changed = changes(state, code, previous, version) if previous else []
    return {"f": view, "previous": previous, "changes": changed,
            "summary": diff_summary(changed), "levels": _level_labels(state)}


def _level_labels(state: AppState) -> dict[str, str]:
    ref = reference_facts(state)
    return {iri.rsplit("/", 1)[-1]: first(ref, iri, SKOS.prefLabel) or ""
            for iri in ref if "/id/level/" in iri}


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
            {"change": c.change, "kind": c.kind, "key": c.key,
             "from": _version_json(c.old), "to": _version_json(c.new)} for c in changed]},
            headers={"Vary": "Accept"})
    return page(request, "framework_diff.html", {**env(state),
        "entry": entry, "old": old, "new": new, "changes": changed,
        "summary": diff_summary(changed), "versions": versions,
        "levels": _level_labels(state)})


def _version_json(v: fdiff.Version | None) -> dict[str, Any] | None:
    if v is None:
        return None
    return {"iri": v.iri, "level": v.level, "position": v.position, "title": v.title,
            "text": v.text, "domain": v.domain}


def home_frameworks(state: AppState, limit: int = 24) -> tuple[list[FrameworkEntry], int]:
    entries = catalog(state)
    return entries[:limit], len(entries)


def lineage_versions(state: AppState, iri: str) -> list[dict[str, str]]:
    """The versions of a statement across releases, oldest first (for its lineage page)."""
    node = ox.NamedNode(iri)
    out = []
    for q in state.store.quads_for_pattern(node, DCTERMS.hasVersion, None, None):
        version = q.object.value  # type: ignore[union-attr]
        facts = facts_of(state.store.quads_for_pattern(ox.NamedNode(version), None, None, None))
        release = first(facts, version, NSX.framework) or ""
        out.append({"iri": version, "release": unquote(release.rsplit("/", 1)[-1]),
                    "title": first(facts, version, DCTERMS.title) or "",
                    "text": first(facts, version, NSX.statementText) or "",
                    "level": (first(facts, version, NSX.level) or "").rsplit("/", 1)[-1],
                    "revises": first(facts, version, PROV.wasRevisionOf) or ""})
    out.sort(key=lambda v: version_order(v["release"]))
    return out



