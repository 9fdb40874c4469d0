"""What the framework pages show, per build: the catalogue of frameworks, each release's
content as its page lays it out, and what changed since the release before.

Reading a release back from the store costs ~15 ms of term decoding (1,700 quads whose
strings each need a dictionary lookup), so a thousand frameworks' pages would each pay it at
every first view. ``nsxkg load`` therefore assembles all of it once, from the build's own
graph files (the same triples the store holds, parsed at a few microseconds a quad), and keeps
it beside the loaded build as ``frameworks.sqlite``; a server reads one release's page data in
well under a millisecond. A build loaded without the file is read from the store instead, by
the same functions.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pyoxigraph as ox

from nsxkg.convert.framework import framework_graph, reference_graph, release_graph, version_order
from nsxkg.frameworks import diff as fdiff
from nsxkg.iris import Iris
from nsxkg.namespaces import DCAT, DCTERMS, NSX, PROV, RDF, SKOS

FILE = "frameworks.sqlite"
_log = logging.getLogger(__name__)
ANCHORS = (("Tasks", NSX.anchorTask), ("Skills", NSX.anchorSkill),
           ("Knowledge", NSX.anchorKnowledge), ("Abilities", NSX.anchorAbility),
           ("Work styles", NSX.anchorWorkStyle), ("Technology", NSX.anchorTechnology))
KIND_OF = {NSX.MasteryStatement.value: "mastery", NSX.AIUseStatement.value: "ai-use",
           NSX.DurableSkillStatement.value: "durable"}

Facts = dict[str, dict[str, list[ox.NamedNode | ox.Literal]]]


def facts_of(quads: Iterable[ox.Quad]) -> Facts:
    """subject → predicate → objects."""
    out: Facts = defaultdict(lambda: defaultdict(list))
    for q in quads:
        if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode |
                                                              ox.Literal):
            out[q.subject.value][q.predicate.value].append(q.object)
    return out


def first(facts: Facts, subject: str | None, prop: ox.NamedNode) -> str | None:
    values = facts.get(subject or "", {}).get(prop.value)
    return values[0].value if values else None


def every(facts: Facts, subject: str, prop: ox.NamedNode) -> list[str]:
    return [v.value for v in facts.get(subject, {}).get(prop.value, [])]


# -- the catalogue ------------------------------------------------------------------------------


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


def _href(iri: str, base: str) -> str:
    return "/doc/" + iri[len(base) + 3:] if iri.startswith(base + "id/") else iri


def entry_of(facts: Facts, framework: str, base: str) -> FrameworkEntry | None:
    """A framework's catalogue entry, from its framework graph."""
    code = unquote(framework.rsplit("/", 1)[-1])
    title = (first(facts, framework, DCTERMS.title) or code).removeprefix(
        "NSX skills framework: ")
    entry = FrameworkEntry(code, title, framework, first(facts, framework, NSX.occupation)
                           or "", _href(framework, base))
    for release in every(facts, framework, DCAT.hasVersion):
        entry.releases.append(ReleaseRef(unquote(release.rsplit("/", 1)[-1]), release,
                                         _href(release, base)))
    entry.releases.sort(key=lambda r: version_order(r.version))
    return entry if entry.releases else None


def _sorted(entries: Iterable[FrameworkEntry]) -> list[FrameworkEntry]:
    return sorted(entries, key=lambda e: (e.title.casefold(), e.code))


# -- one release --------------------------------------------------------------------------------


def release_view(facts: Facts, ref: Facts, code: str, version: str,
                 base: str) -> dict[str, Any] | None:
    """What a release's page shows (plain dicts and lists, kept as JSON), from the release's
    own graph and the reference graph."""
    iris = Iris(base)
    release = iris.framework(code, version).value
    if release not in facts:
        return None
    occupation = first(facts, release, NSX.occupation) or iris.occupation(code).value
    zone = first(ref, occupation, NSX.jobZone)

    def label(iri: str) -> str:
        return first(ref, iri, SKOS.prefLabel) or iri.rsplit("/", 1)[-1]

    editions = {first(facts, e, DCTERMS.isVersionOf): e
                for e in every(facts, release, NSX.sourceEdition)}
    roles = {first(facts, r, NSX.level): first(facts, r, NSX.roleLabel)
             for r in every(facts, release, NSX.levelRole)}

    def chip(source: str) -> dict[str, str]:
        edition = editions.get(source)
        return {"iri": source,
                "label": first(facts, edition, NSX.citationLabel)
                or first(facts, edition, SKOS.prefLabel) or label(source),
                "title": first(facts, edition, DCTERMS.title) or label(source)}

    blocks: dict[tuple[str, str | None], dict[str, dict[str, Any]]] = defaultdict(dict)
    for subject, props in facts.items():
        kind = next((KIND_OF[t.value] for t in props.get(RDF.type.value, ())
                     if t.value in KIND_OF), None)
        if kind is None:
            continue
        level = first(facts, subject, NSX.level) or ""
        domain = first(facts, subject, NSX.domain)
        block = blocks[kind, domain].get(level)
        if block is None:
            block = blocks[kind, domain][level] = {
                "iri": level, "label": label(level), "rank": int(first(ref, level, NSX.rank) or 0),
                "role": roles.get(level) if kind != "durable" else None, "statements": []}
        block["statements"].append({
            # The fragment a page gives the statement (its kind and key, from the IRI's
            # .../statement/{kind}/{key}): worked out here, once, not at every render.
            "iri": subject, "anchor": "-".join(subject.rsplit("/", 2)[-2:]),
            "lineage": first(facts, subject, DCTERMS.isVersionOf) or subject,
            "position": int(first(facts, subject, NSX.position) or 0),
            "focus": first(facts, subject, DCTERMS.title) or "",
            "text": first(facts, subject, NSX.statementText) or "",
            "cites": [chip(s) for s in sorted(every(facts, subject, NSX.cites))]})
    for by_level in blocks.values():
        for block in by_level.values():
            block["statements"].sort(key=lambda s: s["position"])

    def ordered(kind: str, domain: str | None = None) -> list[dict[str, Any]]:
        return sorted(blocks.get((kind, domain), {}).values(), key=lambda b: b["rank"])

    domains: list[dict[str, Any]] = []
    for kind, d in blocks:
        if kind == "durable" and d is not None:
            levels = ordered("durable", d)
            domains.append({"iri": d, "label": label(d), "number": first(ref, d, SKOS.notation)
                            or "", "levels": levels,
                            "count": sum(len(b["statements"]) for b in levels)})
    domains.sort(key=lambda d: (int(d["number"]) if str(d["number"]).isdigit() else 99,
                                str(d["label"])))
    anchors: list[list[Any]] = []
    for title, prop in ANCHORS:
        rows = [{"iri": a, "label": first(ref, a, SKOS.prefLabel),
                 "code": first(ref, a, SKOS.notation) or a.rsplit("/", 1)[-1]}
                for a in every(facts, release, prop)]
        if rows:
            anchors.append([title, sorted(rows, key=lambda r: (r["code"], r["label"] or ""))])
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
                   topLabel=first(ref, top, SKOS.prefLabel),
                   fSrc=first(facts, feas, PROV.wasDerivedFrom))
    cluster_ev = first(facts, pack, NSX.skillsClusterEvidence)
    if cluster_ev:
        cluster = first(facts, cluster_ev, NSX.skillsCluster)
        out.update(cluster=cluster, clusterLabel=first(ref, cluster, SKOS.prefLabel),
                   clusterKey=first(ref, cluster, SKOS.notation),
                   cSrc=first(facts, cluster_ev, PROV.wasDerivedFrom))
    chips = {first(facts, e, DCTERMS.isVersionOf): first(facts, e, NSX.citationLabel)
             for e in every(facts, release, NSX.sourceEdition)}
    for key in ("uSrc", "fSrc", "cSrc"):
        source = out.get(key)
        if source:
            out[key[0] + "Chip"] = chips.get(source) or first(ref, source, SKOS.prefLabel)
    return out


def versions(facts: Facts) -> list[fdiff.Version]:
    """The statements of a release graph, for diffs."""
    out = []
    for iri, props in facts.items():
        kind = next((KIND_OF[t.value] for t in props.get(RDF.type.value, ())
                     if t.value in KIND_OF), None)
        if kind is None:
            continue
        domain = first(facts, iri, NSX.domain)
        out.append(fdiff.Version(kind, iri.rsplit("/", 1)[-1],
                                 (first(facts, iri, NSX.level) or "").rsplit("/", 1)[-1],
                                 int(first(facts, iri, NSX.position) or 0),
                                 first(facts, iri, DCTERMS.title) or "",
                                 first(facts, iri, NSX.statementText) or "",
                                 domain.rsplit("/", 1)[-1] if domain else None, iri))
    out.sort(key=lambda v: (v.kind, v.domain or "", v.level, v.position))
    return out


def change_rows(changes: list[fdiff.Change]) -> list[dict[str, Any]]:
    return [asdict(c) for c in changes]


# -- written at load, read by servers -----------------------------------------------------------


# The layout of frameworks.sqlite, kept in its user_version: a file of another layout lacks or
# misnames what the pages need, so a server ignores it (and reads the store) until the build
# is loaded again. Raise it whenever what the file holds changes.
# 2: statements carry their page anchor.
LAYOUT = 2
SCHEMA = f"""
PRAGMA user_version = {LAYOUT};
CREATE TABLE framework (code TEXT PRIMARY KEY, position INTEGER NOT NULL, entry TEXT NOT NULL);
CREATE TABLE release (code TEXT NOT NULL, version TEXT NOT NULL, view BLOB NOT NULL,
                      changes BLOB NOT NULL, PRIMARY KEY (code, version)) WITHOUT ROWID;
"""


def _pack(value: Any) -> bytes:
    return zlib.compress(json.dumps(value, ensure_ascii=False).encode("utf-8"), 1)


def _unpack(blob: bytes) -> Any:
    return json.loads(zlib.decompress(blob))


def _parse(path: Path) -> Facts:
    return facts_of(ox.parse(path=path, format=ox.RdfFormat.N_QUADS))


def compute(build_dir: Path, graphs: list[dict[str, Any]], base: str) -> Iterator[
        tuple[FrameworkEntry, list[tuple[str, dict[str, Any], list[dict[str, Any]]]]]]:
    """Each framework of a build with, per release, its page data and its changes since the
    release before, read from the build's graph files (one occupation at a time)."""
    iris = Iris(base)
    files = {g["iri"]: build_dir / g["file"] for g in graphs}
    reference = files.get(reference_graph(iris).value)
    ref = _parse(reference) if reference else facts_of(())
    prefix = base + "graph/framework/"
    codes = sorted({g["iri"].removeprefix(prefix).split("/", 1)[0] for g in graphs
                    if g["kind"] == "framework"})
    for code in codes:
        series = _parse(files[framework_graph(iris, code).value])
        entry = entry_of(series, iris.framework(code).value, base)
        if entry is None:
            continue
        out = []
        before: list[fdiff.Version] | None = None
        for release in entry.releases:
            path = files.get(release_graph(iris, code, release.version).value)
            facts = _parse(path) if path else facts_of(())
            view = release_view(facts, ref, code, release.version, base)
            if view is None:
                continue
            now = versions(facts)
            changes = change_rows(fdiff.diff(before, now)) if before is not None else []
            out.append((release.version, view, changes))
            before = now
        yield entry, out


def write(build_dir: Path, graphs: list[dict[str, Any]], base: str, directory: Path) -> int:
    """Write ``frameworks.sqlite`` into ``directory``; returns the number of releases."""
    path = directory / FILE
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    releases = 0
    try:
        db.execute("PRAGMA journal_mode = OFF")  # written once, in a staging directory
        db.executescript(SCHEMA)
        entries = []
        for entry, rows in compute(build_dir, graphs, base):
            entries.append(entry)
            db.executemany("INSERT INTO release VALUES (?, ?, ?, ?)",
                           [(entry.code, version, _pack(view), _pack(changes))
                            for version, view, changes in rows])
            releases += len(rows)
        db.executemany("INSERT INTO framework VALUES (?, ?, ?)",
                       [(e.code, n, json.dumps(asdict(e))) for n, e in enumerate(_sorted(entries))])
        db.commit()
    finally:
        db.close()
    return releases


class FrameworkIndex:
    """The page data of one loaded build: from ``frameworks.sqlite`` when ``nsxkg load``
    wrote it, else read from the store on demand."""

    def __init__(self, store: ox.Store | None, base: str, path: Path | None = None):
        # Without the file, pages are read from the store (``None``: the file must be there).
        self._store, self.base, self.iris = store, base, Iris(base)
        self._db = _open(path) if path is not None and path.exists() else None
        self._catalog: list[FrameworkEntry] | None = None
        self._by_code: dict[str, FrameworkEntry] | None = None
        self._ref: Facts | None = None

    @property
    def store(self) -> ox.Store:
        if self._store is None:
            raise FileNotFoundError("this framework index has neither its file nor a store")
        return self._store

    @classmethod
    def for_build(cls, store: ox.Store, base: str, build_path: Path) -> FrameworkIndex:
        return cls(store, base, build_path / FILE)

    def catalog(self) -> list[FrameworkEntry]:
        if self._catalog is None:
            if self._db is not None:
                rows = self._db.execute("SELECT entry FROM framework ORDER BY position")
                self._catalog = [_entry(json.loads(r[0])) for r in rows]
            else:
                found = []
                store = self.store
                for q in store.quads_for_pattern(None, RDF.type, NSX.Framework, None):
                    if isinstance(q.subject, ox.NamedNode):
                        facts = facts_of(store.quads_for_pattern(q.subject, None, None,
                                                                 q.graph_name))
                        entry = entry_of(facts, q.subject.value, self.base)
                        if entry is not None:
                            found.append(entry)
                self._catalog = _sorted(found)
            self._by_code = {e.code: e for e in self._catalog}
        return self._catalog

    def entry(self, code: str) -> FrameworkEntry | None:
        self.catalog()
        assert self._by_code is not None
        return self._by_code.get(code)

    def view(self, code: str, version: str) -> dict[str, Any] | None:
        if self._db is not None:
            row = self._db.execute("SELECT view FROM release WHERE code = ? AND version = ?",
                                   (code, version)).fetchone()
            return _unpack(row[0]) if row else None
        return release_view(self._release_facts(code, version), self._reference(), code,
                            version, self.base)

    def changes(self, code: str, version: str) -> list[dict[str, Any]]:
        """What changed in this release since the release before (empty for the first)."""
        if self._db is not None:
            row = self._db.execute("SELECT changes FROM release WHERE code = ? AND version = ?",
                                   (code, version)).fetchone()
            return _unpack(row[0]) if row else []
        entry = self.entry(code)
        previous = _previous(entry, version)
        return self.compare(code, previous, version) if previous else []

    def compare(self, code: str, old: str, new: str) -> list[dict[str, Any]]:
        """The changes between any two releases, read from the store."""
        return change_rows(fdiff.diff(versions(self._release_facts(code, old)),
                                      versions(self._release_facts(code, new))))

    def _release_facts(self, code: str, version: str) -> Facts:
        return facts_of(self.store.quads_for_pattern(
            None, None, None, release_graph(self.iris, code, version)))

    def _reference(self) -> Facts:
        if self._ref is None:
            self._ref = facts_of(self.store.quads_for_pattern(None, None, None,
                                                              reference_graph(self.iris)))
        return self._ref


def _open(path: Path) -> sqlite3.Connection | None:
    """The kept page data, or None when the file is of another layout than LAYOUT."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    layout = db.execute("PRAGMA user_version").fetchone()[0]
    if layout == LAYOUT:
        return db
    db.close()
    _log.warning("%s has layout %s, not %s: framework pages are read from the store (slower) "
                 "until the build is loaded again (nsxkg load)", path, layout, LAYOUT)
    return None


def _previous(entry: FrameworkEntry | None, version: str) -> str | None:
    if entry is None:
        return None
    versions_ = [r.version for r in entry.releases]
    at = versions_.index(version) if version in versions_ else -1
    return versions_[at - 1] if at > 0 else None


def previous_of(entry: FrameworkEntry | None, version: str) -> str | None:
    return _previous(entry, version)


def _entry(data: dict[str, Any]) -> FrameworkEntry:
    releases = [ReleaseRef(**r) for r in data.pop("releases")]
    return FrameworkEntry(**data, releases=releases)
