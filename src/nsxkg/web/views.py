"""What the pages show, read from the in-process store with fixed queries.

Every query here is a constant; the resource a page is about is bound as a validated IRI
term in a VALUES row (see ``select``), and search terms never reach SPARQL at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from nsxkg import crosswalk
from nsxkg.namespaces import NSX

PREFIXES = """PREFIX nsx: <https://w3id.org/nsxkg/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

Row = dict[str, Any]


def select(store: ox.Store, query: str, **bindings: str) -> list[Row]:
    """Rows as plain values (IRIs and literals as strings, numbers left as text).

    ``bindings`` become a VALUES row at the start of the outermost group (oxigraph's
    ``substitutions`` insists the variables be projected). Each IRI goes through
    ``ox.NamedNode``, which rejects anything that is not a valid IRI, and is written in its
    N-Triples form, so a value can never close the IRI and inject syntax.
    """
    if bindings:
        variables = " ".join(f"?{k}" for k in bindings)
        terms = " ".join(str(ox.NamedNode(v)) for v in bindings.values())
        head, brace, rest = query.partition("{")
        query = f"{head}{brace} VALUES ({variables}) {{ ({terms}) }} {rest}"
    result = store.query(PREFIXES + query, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: (None if sol[n] is None else sol[n].value) for n in names} for sol in result]


def one(store: ox.Store, query: str, **bindings: str) -> Row | None:
    rows = select(store, query, **bindings)
    return rows[0] if rows else None


STAT_CLASSES = {
    "occupations": (NSX.Occupation,), "frameworks": (NSX.Framework,),
    "releases": (NSX.FrameworkRelease,),
    "statements": (NSX.MasteryStatement, NSX.AIUseStatement, NSX.DurableSkillStatement),
    "sources": (NSX.Source,),
    "skills": (NSX.ONetSkill, NSX.Knowledge, NSX.Ability, NSX.WorkStyle,
               NSX.DurableSkillDomain),
}


def stats(classes: list[tuple[str, int]]) -> Row:
    """The home page's counts, from the build's class partitions (instances per class,
    counted once by ``nsxkg load``): a count over ten million triples at a first visit would
    keep that visitor waiting for seconds."""
    entities = dict(classes)
    return {name: sum(entities.get(c.value, 0) for c in kinds)
            for name, kinds in STAT_CLASSES.items()}


@dataclass
class Chip:
    iri: str
    label: str
    title: str


@dataclass
class Statement:
    iri: str
    position: int
    focus: str
    text: str
    cites: list[Chip] = field(default_factory=list)


@dataclass
class LevelBlock:
    iri: str
    label: str
    rank: int
    role: str | None
    statements: list[Statement] = field(default_factory=list)


@dataclass
class Domain:
    iri: str
    label: str
    number: str
    levels: list[LevelBlock] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(level.statements) for level in self.levels)


def occupation(store: ox.Store, occ: str, base_iri: str) -> Row | None:
    """An occupation's head (title, code, job zone, definition), its O*NET profile and its
    crosswalk matches; its framework comes from web/frameworks.py."""
    head = one(store, """SELECT ?label ?code ?zone ?zoneLabel ?definition WHERE {
      ?occ a nsx:Occupation ; skos:prefLabel ?label .
      OPTIONAL { ?occ skos:notation ?code } OPTIONAL { ?occ skos:definition ?definition }
      OPTIONAL { ?occ nsx:jobZone ?z . ?z skos:notation ?zone ; skos:prefLabel ?zoneLabel } }
      LIMIT 1""", occ=occ)
    if head is None:
        return None
    view: Row = {"iri": occ, **head, "release": None}
    view["onet"] = onet_profile(store, occ, base_iri)
    view["crosswalk"] = crosswalk_matches(store, occ)
    return view


def crosswalk_matches(store: ox.Store, occ: str) -> list[Row]:
    """The occupation's mappings in every mapping set, best confidence first."""
    rows = [{**m, "predicate": str(m["predicate_id"]).rsplit("#", 1)[-1]}
            for m in crosswalk.lookup(store, occ)]
    rows.sort(key=lambda m: (str(m["mapping_set"]), -float(str(m["confidence"] or 0)),
                             str(m["match_label"] or m["match_id"])))
    return rows


def rated_in(store: ox.Store, element: str, base_iri: str, limit: int = 15) -> list[Row]:
    """The occupations that rate an O*NET element as most important (empty without O*NET)."""
    return select(store, """SELECT ?occ ?label (MAX(?v) AS ?im) WHERE {
      ?r a nsx:Rating ; nsx:element ?el ; nsx:ratingScale ?im_scale ; nsx:dataValue ?v ;
         nsx:occupation ?occ . ?occ skos:prefLabel ?label }
      GROUP BY ?occ ?label ORDER BY DESC(?im) ?label LIMIT """ + str(int(limit)),
                  el=element, im_scale=base_iri + "id/onet-scale/IM")


def onet_profile(store: ox.Store, occ: str, base_iri: str) -> Row:
    """O*NET release data for an occupation; every part is empty when it is not loaded."""
    scale = base_iri + "id/onet-scale/"

    def rated(cls: str) -> list[Row]:
        # One flat pattern starting from the occupation, combined here: an OPTIONAL for the
        # level rating made oxigraph scan every rating in the store (seconds on full O*NET).
        rows = select(store, """SELECT ?el ?label ?scale ?v WHERE {
          ?r nsx:occupation ?occ ; nsx:ratingScale ?scale ; nsx:element ?el ; nsx:dataValue ?v .
          ?el a ?cls ; skos:prefLabel ?label }""", occ=occ, cls=cls)
        best: dict[str, Row] = {}
        for r in rows:
            key = {scale + "IM": "im", scale + "LV": "lv"}.get(r["scale"])
            if key is None:
                continue
            entry = best.setdefault(r["el"], {"el": r["el"], "label": r["label"],
                                              "im": None, "lv": None})
            # Several O*NET releases may rate the same element: keep the highest value.
            if entry[key] is None or float(r["v"]) > float(entry[key]):
                entry[key] = r["v"]
        ranked = [e for e in best.values() if e["im"] is not None]
        ranked.sort(key=lambda e: (-float(e["im"]), e["label"]))
        return ranked[:10]

    return {
        "tasks": select(store, """SELECT DISTINCT ?t ?text WHERE { ?t a nsx:Task ;
                        nsx:occupation ?occ ; skos:prefLabel ?text ; nsx:taskType "Core" }
                        ORDER BY ?text""", occ=occ),
        "skills": rated(NSX.ONetSkill.value),
        "knowledge": rated(NSX.Knowledge.value),
        "titles": [r["title"] for r in select(
            store, "SELECT DISTINCT ?title WHERE { ?occ skos:altLabel ?title } ORDER BY ?title",
            occ=occ)],
    }
