"""What the pages show, read from the in-process store with fixed queries.

Every query here is a constant; the resource a page is about is bound as a validated IRI
term in a VALUES row (see ``select``), and search terms never reach SPARQL at all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from nsxkg import crosswalk

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


def stats(store: ox.Store) -> Row:
    row = one(store, """SELECT
      (COUNT(DISTINCT ?o) AS ?occupations) (COUNT(DISTINCT ?f) AS ?frameworks)
      (COUNT(DISTINCT ?st) AS ?statements) (COUNT(DISTINCT ?src) AS ?sources)
      (COUNT(DISTINCT ?sk) AS ?skills) WHERE {
      { ?o a nsx:Occupation } UNION { ?f a nsx:FrameworkRelease }
      UNION { VALUES ?sc { nsx:MasteryStatement nsx:AIUseStatement nsx:DurableSkillStatement }
              ?st a ?sc }
      UNION { ?src a nsx:Source }
      UNION { VALUES ?kc { nsx:ONetSkill nsx:Knowledge nsx:Ability nsx:WorkStyle
                           nsx:DurableSkillDomain } ?sk a ?kc } }""")
    return row or {}


def frameworks(store: ox.Store) -> list[Row]:
    return select(store, """SELECT ?occ ?label ?code ?version WHERE {
      ?rel a nsx:FrameworkRelease ; nsx:occupation ?occ ; owl:versionInfo ?version .
      ?occ skos:prefLabel ?label ; skos:notation ?code } ORDER BY ?label""")


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


def _blocks(rows: list[Row]) -> list[LevelBlock]:
    blocks: dict[str, LevelBlock] = {}
    statements: dict[str, Statement] = {}
    for r in rows:
        block = blocks.setdefault(r["level"], LevelBlock(r["level"], r["levelLabel"],
                                                         int(r["rank"]), r.get("role")))
        st = statements.get(r["st"])
        if st is None:
            st = statements[r["st"]] = Statement(r["st"], int(r["pos"]), r["focus"], r["text"])
            block.statements.append(st)
        if r.get("src") and all(c.iri != r["src"] for c in st.cites):
            st.cites.append(Chip(r["src"], r.get("chip") or r.get("srcLabel") or r["src"],
                                 r.get("srcTitle") or r.get("srcLabel") or ""))
    ordered = sorted(blocks.values(), key=lambda b: b.rank)
    for block in ordered:
        block.statements.sort(key=lambda s: s.position)
    return ordered


_STATEMENTS = """SELECT ?st ?pos ?focus ?text ?level ?levelLabel ?rank ?role
       ?src ?chip ?srcLabel ?srcTitle ?domain WHERE {
  GRAPH ?g { ?st a ?cls ; nsx:occupation ?occ ; nsx:level ?level ; nsx:position ?pos ;
                 dcterms:title ?focus ; nsx:statementText ?text . }
  ?level skos:prefLabel ?levelLabel ; nsx:rank ?rank .
  OPTIONAL { GRAPH ?g { ?level nsx:roleLabel ?role } }
  OPTIONAL { ?st nsx:domain ?domain }
  OPTIONAL { ?st nsx:cites ?src . OPTIONAL { ?src nsx:citationLabel ?chip }
             OPTIONAL { ?src skos:prefLabel ?srcLabel } OPTIONAL { ?src dcterms:title ?srcTitle } }
} ORDER BY ?rank ?pos ?src"""


def _statements(store: ox.Store, occ: str, cls: str) -> list[Row]:
    return select(store, _STATEMENTS, occ=occ, cls=cls)


def _labelled(store: ox.Store, release: str, prop: str) -> list[Row]:
    return select(store, """SELECT ?iri ?label ?code WHERE { ?rel ?prop ?iri .
      OPTIONAL { ?iri skos:prefLabel ?label } OPTIONAL { ?iri skos:notation ?code } }
      ORDER BY ?code ?label""", rel=release, prop=prop)


NSX = "https://w3id.org/nsxkg/def#"
ANCHORS = (("Tasks", "anchorTask"), ("Skills", "anchorSkill"), ("Knowledge", "anchorKnowledge"),
           ("Abilities", "anchorAbility"), ("Work styles", "anchorWorkStyle"),
           ("Technology", "anchorTechnology"))


def occupation(store: ox.Store, occ: str, base_iri: str) -> Row | None:
    head = one(store, """SELECT ?label ?code ?zone ?zoneLabel ?definition WHERE {
      ?occ a nsx:Occupation ; skos:prefLabel ?label .
      OPTIONAL { ?occ skos:notation ?code } OPTIONAL { ?occ skos:definition ?definition }
      OPTIONAL { ?occ nsx:jobZone ?z . ?z skos:notation ?zone ; skos:prefLabel ?zoneLabel } }
      LIMIT 1""", occ=occ)
    if head is None:
        return None
    view: Row = {"iri": occ, **head}
    release = one(store, """SELECT ?rel ?version ?context ?publisher ?rights ?anchors WHERE {
      ?rel a nsx:FrameworkRelease ; nsx:occupation ?occ .
      OPTIONAL { ?rel owl:versionInfo ?version } OPTIONAL { ?rel nsx:contextText ?context }
      OPTIONAL { ?rel dcterms:publisher ?publisher } OPTIONAL { ?rel dcterms:rights ?rights }
      OPTIONAL { ?rel nsx:sourceAnchorCount ?anchors } } ORDER BY DESC(?version) LIMIT 1""",
                  occ=occ)
    view["release"] = release
    if release is not None:
        rel = release["rel"]
        view["mastery"] = _blocks(_statements(store, occ, NSX + "MasteryStatement"))
        view["ai_use"] = _blocks(_statements(store, occ, NSX + "AIUseStatement"))
        view["domains"] = _domains(store, occ)
        view["evidence"] = _evidence(store, rel)
        view["anchors"] = [(title, rows) for title, prop in ANCHORS
                           if (rows := _labelled(store, rel, NSX + prop))]
        view["anchor_count"] = sum(len(rows) for _, rows in view["anchors"])
        view["related_titles"] = [r["t"] for r in select(
            store, "SELECT ?t WHERE { ?rel nsx:relatedTitle ?t } ORDER BY ?t", rel=rel)]
        view["cip"] = _labelled(store, rel, NSX + "educationProgram")
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


def _domains(store: ox.Store, occ: str) -> list[Domain]:
    rows = _statements(store, occ, NSX + "DurableSkillStatement")
    by_domain: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        by_domain[r["domain"]].append(r)
    domains = []
    for iri, group in by_domain.items():
        head = one(store, "SELECT ?label ?n WHERE { ?d skos:prefLabel ?label . "
                          "OPTIONAL { ?d skos:notation ?n } } LIMIT 1", d=iri) or {}
        domains.append(Domain(iri, head.get("label") or iri, head.get("n") or "", _blocks(group)))
    domains.sort(key=lambda d: (int(d.number) if d.number.isdigit() else 99, d.label))
    return domains


def _evidence(store: ox.Store, rel: str) -> Row | None:
    return one(store, """SELECT * WHERE { ?rel nsx:evidence ?pack .
      OPTIONAL { ?pack nsx:aiUsage ?u . ?u nsx:taskObservations ?observations ;
                 nsx:augmentSharePercent ?augment ; nsx:timeSavedPercent ?saved ;
                 nsx:aiAutonomy ?autonomy . OPTIONAL { ?u prov:wasDerivedFrom ?uSrc .
                 ?uSrc nsx:citationLabel ?uChip } }
      OPTIONAL { ?pack nsx:automationFeasibility ?f . ?f nsx:feasibilityScore ?score ;
                 nsx:feasibilityScoreMax ?scoreMax ; nsx:feasibilityQuadrant ?quadrant ;
                 nsx:matchPrecision ?precision .
                 OPTIONAL { ?f nsx:topSkill ?top . ?top skos:prefLabel ?topLabel }
                 OPTIONAL { ?f prov:wasDerivedFrom ?fSrc . ?fSrc nsx:citationLabel ?fChip } }
      OPTIONAL { ?pack nsx:skillsClusterEvidence ?c . ?c nsx:skillsCluster ?cluster .
                 ?cluster skos:prefLabel ?clusterLabel .
                 OPTIONAL { ?cluster skos:notation ?clusterKey }
                 OPTIONAL { ?c prov:wasDerivedFrom ?cSrc . ?cSrc nsx:citationLabel ?cChip } }
    } LIMIT 1""", rel=rel)


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
        "skills": rated(NSX + "ONetSkill"),
        "knowledge": rated(NSX + "Knowledge"),
        "titles": [r["title"] for r in select(
            store, "SELECT DISTINCT ?title WHERE { ?occ skos:altLabel ?title } ORDER BY ?title",
            occ=occ)],
    }
