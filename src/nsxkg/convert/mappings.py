"""Crosswalk rows → mapping sets: SKOS mapping triples plus SSSOM-aligned mapping resources.

Each mapping set is one named graph. The SKOS predicate of every link follows the rule in
ontology/nsxkg.ttl (section 10); justifications are SEMAPV terms. Builders here are pure:
they take parsed rows and lookup tables and return ``Mapping`` values; nothing is dropped
silently, rows that cannot be mapped are returned as ``Unmapped`` for the build report.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Mapping as MappingType
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode, Quad

from nsxkg.convert.onet import SourceReport
from nsxkg.convert.terms import Term, decimal, en, string
from nsxkg.iris import Iris
from nsxkg.namespaces import DCAT, DCTERMS, NSX, OWL, PROV, RDF, RDFS, SEMAPV, SKOS, SSSOM
from nsxkg.sources.bls import IscoToSoc, read_isco_to_soc
from nsxkg.sources.cip import CipToSoc, read_cip_to_onet_soc
from nsxkg.sources.discover import Sources
from nsxkg.sources.nesta import NestaMatch, read_nesta
from nsxkg.sources.soc import read_definitions

Triple = tuple[NamedNode, NamedNode, Term]

ISCO_BASE = "http://data.europa.eu/esco/isco/C"
MIT = NamedNode("https://opensource.org/licenses/MIT")
US_PUBLIC_DOMAIN = NamedNode("https://www.usa.gov/government-copyright")
CC_BY = NamedNode("https://creativecommons.org/licenses/by/4.0/")

SAME_CODE = "same code"
TITLE_MATCH = "title match"
SIMILARITY_MEASURE = "Sentence-BERT cosine similarity of job titles and descriptions (Nesta)"


@dataclass(frozen=True, slots=True)
class SetInfo:
    key: str
    title: str
    description: str
    source: str  # where the crosswalk is published (SSSOM mapping_set_source)
    license: NamedNode
    author: str
    date: str  # publication date, ISO 8601
    version: str
    subject_source: str
    object_source: str


MAPPING_SETS: dict[str, SetInfo] = {s.key: s for s in (
    SetInfo("nesta-2020", "ESCO occupations to O*NET-SOC 2019 occupations (Nesta 2020)",
            "Nesta's Mapping Career Causeways ESCO to O*NET-SOC 2010 crosswalk, carried to "
            "O*NET-SOC 2019 by same code or title match; ESCO occupations below level 5 "
            "inherit their level-5 ancestor's match.",
            "https://github.com/nestauk/mapping-career-causeways", MIT,
            "Nesta (Djumalieva, Garasto, Kanders, Sleeman)", "2020-11-23", "Nov2020",
            "ESCO v1.2.0 occupations", "O*NET-SOC 2019"),
    SetInfo("bls-isco08-soc2010", "ISCO-08 groups to SOC 2010 occupations (BLS)",
            "The BLS crosswalk between ISCO-08 unit (and some minor) groups and 2010 SOC "
            "detailed occupations.", "https://www.bls.gov/soc/soccrosswalks.htm",
            US_PUBLIC_DOMAIN, "U.S. Bureau of Labor Statistics (SOC Policy Committee)",
            "2015-06-01", "2012, updated June 2015", "ISCO-08", "SOC 2010"),
    SetInfo("onet-soc2019-soc2018", "O*NET-SOC 2019 occupations to SOC 2018 occupations",
            "Each O*NET-SOC 2019 occupation and the SOC 2018 detailed occupation its code "
            "extends.", "https://www.onetcenter.org/taxonomy.html", CC_BY,
            "National Center for O*NET Development", "2019-11-01", "2019",
            "O*NET-SOC 2019", "SOC 2018"),
    SetInfo("cip2020-onet-soc2019", "CIP 2020 programs to O*NET-SOC 2019 occupations",
            "The O*NET education crosswalk: instructional programs and the occupations they "
            "prepare for.", "https://www.onetcenter.org/crosswalks.html", CC_BY,
            "National Center for O*NET Development", "2020-01-01", "2020", "CIP 2020",
            "O*NET-SOC 2019"),
)}


@dataclass(frozen=True, slots=True)
class Link:
    """One crosswalk link, before it becomes triples."""

    key: str  # unique within its set
    subject: NamedNode
    subject_label: str | None
    predicate: NamedNode
    object: NamedNode
    object_label: str | None
    justification: NamedNode
    row: int
    confidence: float | None = None  # 0..1
    similarity: float | None = None
    comment: str | None = None
    extra: tuple[tuple[NamedNode, Term], ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Unmapped:
    set: str
    row: int
    what: str

    def __str__(self) -> str:
        return f"{self.set} row {self.row}: {self.what}"


# -- triples -------------------------------------------------------------------------------


def set_triples(iris: Iris, info: SetInfo, graph: NamedNode) -> list[Triple]:
    node = iris.mapping_set(info.key)
    return [
        (node, RDF.type, SSSOM.MappingSet), (node, RDF.type, DCAT.Dataset),
        (node, SSSOM.mapping_set_id, string(node.value)),
        (node, DCTERMS.title, en(info.title)),
        (node, DCTERMS.description, en(info.description)),
        (node, PROV.wasDerivedFrom, NamedNode(info.source)),
        (node, DCTERMS.license, info.license),
        (node, SSSOM.creator_label, string("nsxkg")),
        (node, SSSOM.author_label, string(info.author)),
        (node, DCTERMS.issued, string(info.date)),
        (node, OWL.versionInfo, string(info.version)),
        (node, SSSOM.subject_source, string(info.subject_source)),
        (node, SSSOM.object_source, string(info.object_source)),
        (node, DCAT.distribution, graph),
    ]


def link_triples(iris: Iris, set_key: str, link: Link) -> list[Triple]:
    node = iris.mapping(set_key, link.key)
    out: list[Triple] = [
        (node, RDF.type, SSSOM.Mapping),
        (node, OWL.annotatedSource, link.subject),
        (node, OWL.annotatedProperty, link.predicate),
        (node, OWL.annotatedTarget, link.object),
        (node, SSSOM.mapping_justification, link.justification),
        (iris.mapping_set(set_key), SSSOM.mappings, node),
        (link.subject, link.predicate, link.object),
    ]
    if link.subject_label:
        out.append((node, SSSOM.subject_label, string(link.subject_label)))
    if link.object_label:
        out.append((node, SSSOM.object_label, string(link.object_label)))
    if link.confidence is not None:
        out.append((node, SSSOM.confidence, decimal(round(link.confidence, 6))))
    if link.similarity is not None:
        out += [(node, SSSOM.similarity_score, decimal(round(link.similarity, 6))),
                (node, SSSOM.similarity_measure, string(SIMILARITY_MEASURE))]
    if link.comment:
        out.append((node, RDFS.comment, en(link.comment)))
    out += [(node, p, o) for p, o in link.extra]
    return out


def set_quads(iris: Iris, set_key: str, graph: NamedNode,
              links: Iterable[Link]) -> Iterator[Quad]:
    for s, p, o in set_triples(iris, MAPPING_SETS[set_key], graph):
        yield Quad(s, p, o, graph)
    for link in links:
        for s, p, o in link_triples(iris, set_key, link):
            yield Quad(s, p, o, graph)


# -- Nesta: ESCO ↔ O*NET-SOC -----------------------------------------------------------------

_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalise_title(title: str) -> str:
    """Lower case, '&' as 'and', punctuation and spaces folded: for 2010 → 2019 title match."""
    return _NON_WORD.sub(" ", title.lower().replace("&", " and ")).strip()


@dataclass(frozen=True, slots=True)
class EscoOccupationInfo:
    uri: str
    label: str
    code: str  # e.g. 2654.1.7; level 5 has one dot

    @property
    def below_level_5(self) -> bool:
        return self.code.count(".") > 1


def carry_to_2019(code_2010: str, title_2010: str,
                  occupations: MappingType[str, str]) -> tuple[str, str] | None:
    """(2019 code, method) for an O*NET-SOC 2010 code, or None when nothing corresponds."""
    if code_2010 in occupations:
        return code_2010, SAME_CODE
    wanted = normalise_title(title_2010)
    matches = sorted(c for c, t in occupations.items() if normalise_title(t) == wanted)
    if len(matches) == 1:
        return matches[0], TITLE_MATCH
    return None


def nesta_predicate(confidence: float, shared: int) -> NamedNode:
    if confidence < 1.0:
        return SKOS.closeMatch
    if shared > 1:
        return SKOS.broadMatch
    return SKOS.exactMatch if confidence >= 2.0 else SKOS.closeMatch


def _uuid(uri: str) -> str:
    return uri.rsplit("/", 1)[-1]


def nesta_links(iris: Iris, rows: Iterable[NestaMatch], occupations: MappingType[str, str],
                esco: MappingType[str, EscoOccupationInfo] | None = None,
                parents: MappingType[str, str] | None = None,
                ) -> tuple[list[Link], list[Unmapped]]:
    """Links for Nesta's rows (carried to O*NET-SOC 2019), then the inherited ones.

    ``occupations``: O*NET-SOC 2019 code → title. ``esco``: ESCO occupation URI → info and
    ``parents``: ESCO occupation URI → broader occupation URI, for inheritance.
    """
    index = {code: title for code, title in occupations.items()}
    carried: list[tuple[NestaMatch, str, str]] = []
    unmapped: list[Unmapped] = []
    for row in rows:
        found = carry_to_2019(row.onet_code, row.onet_title, index)
        if found is None:
            unmapped.append(Unmapped(
                "nesta-2020", row.row,
                f"{row.esco_uri} ({row.esco_label}) → O*NET-SOC 2010 {row.onet_code} "
                f"({row.onet_title}): no O*NET-SOC 2019 occupation with this code or title"))
        else:
            carried.append((row, *found))
    shared = Counter(code for _, code, _ in carried)
    links: list[Link] = []
    direct: dict[str, Link] = {}
    for row, code, method in carried:
        extra: list[tuple[NamedNode, Term]] = [(NSX.codeCarryMethod, string(method))]
        comment = None
        if method != SAME_CODE:
            extra.append((NSX.onetSoc2010Code, string(row.onet_code)))
            comment = (f"Nesta matched O*NET-SOC 2010 {row.onet_code} ({row.onet_title}); "
                       f"carried to O*NET-SOC 2019 {code} by {method}.")
        if row.matching_titles:
            shared_titles = "; ".join(row.matching_titles)
            comment = f"{comment + ' ' if comment else ''}Shared job titles: {shared_titles}."
        link = Link(
            _uuid(row.esco_uri), NamedNode(row.esco_uri), row.esco_label,
            nesta_predicate(row.confidence, shared[code]), iris.occupation(code), index[code],
            SEMAPV.ManualMappingCuration if method == SAME_CODE else SEMAPV.MappingChaining,
            row.row, row.confidence / 2.0, row.similarity, comment, tuple(extra))
        links.append(link)
        direct[row.esco_uri] = link
    if esco and parents:
        links += _inherited(esco, parents, direct)
    return links, unmapped


def _inherited(esco: MappingType[str, EscoOccupationInfo], parents: MappingType[str, str],
               direct: MappingType[str, Link]) -> list[Link]:
    out: list[Link] = []
    for uri in sorted(esco):
        info = esco[uri]
        if uri in direct or not info.below_level_5:
            continue
        ancestor, seen = parents.get(uri), {uri}
        while ancestor is not None and ancestor not in direct and ancestor not in seen:
            seen.add(ancestor)
            ancestor = parents.get(ancestor)
        if ancestor is None or ancestor not in direct:
            continue
        source = direct[ancestor]
        parent_label = esco[ancestor].label if ancestor in esco else ancestor
        out.append(Link(
            _uuid(uri), NamedNode(uri), info.label, SKOS.broadMatch, source.object,
            source.object_label, SEMAPV.MappingChaining, 0, source.confidence, None,
            f"Inherited from the broader ESCO occupation {parent_label}.",
            ((NSX.inheritedFrom, NamedNode(ancestor)),)))
    return out


# -- BLS: ISCO-08 ↔ SOC 2010 -----------------------------------------------------------------


def bls_links(iris: Iris, rows: Iterable[IscoToSoc]) -> list[Link]:
    rows = list(rows)
    socs_of: dict[str, set[str]] = {}
    iscos_of: dict[str, set[str]] = {}
    for r in rows:
        socs_of.setdefault(r.isco_code, set()).add(r.soc_code)
        iscos_of.setdefault(r.soc_code, set()).add(r.isco_code)
    links: dict[str, Link] = {}
    for r in rows:
        key = f"{r.isco_code}_{r.soc_code}"
        if key in links:
            continue
        n_soc, n_isco = len(socs_of[r.isco_code]), len(iscos_of[r.soc_code])
        if len(r.isco_code) < 4:
            predicate = SKOS.narrowMatch
        elif n_soc == 1 and n_isco == 1 and not r.partial:
            predicate = SKOS.exactMatch
        elif n_isco == 1:
            predicate = SKOS.narrowMatch
        elif n_soc == 1 and not r.partial:
            predicate = SKOS.broadMatch
        else:
            predicate = SKOS.closeMatch
        links[key] = Link(key, NamedNode(ISCO_BASE + r.isco_code), r.isco_title, predicate,
                          iris.soc2010(r.soc_code), r.soc_title, SEMAPV.ManualMappingCuration,
                          r.row, comment="Part of the ISCO group." if r.partial else None)
    return list(links.values())


# -- O*NET-SOC 2019 ↔ SOC 2018, CIP 2020 ↔ O*NET-SOC 2019 --------------------------------------


def onet_soc_links(iris: Iris, occupations: MappingType[str, str],
                   soc_titles: MappingType[str, str] | None) -> tuple[list[Link], list[Unmapped]]:
    links, unmapped = [], []
    for row, code in enumerate(sorted(occupations), start=1):
        soc = code[:7]
        if soc_titles is not None and soc not in soc_titles:
            unmapped.append(Unmapped("onet-soc2019-soc2018", row,
                                     f"O*NET-SOC {code}: no SOC 2018 group {soc}"))
            continue
        links.append(Link(code, iris.occupation(code), occupations[code],
                          SKOS.exactMatch if code.endswith(".00") else SKOS.broadMatch,
                          iris.soc_group(soc), soc_titles.get(soc) if soc_titles else None,
                          SEMAPV.StructuralMatching, row))
    return links, unmapped


def cip_links(iris: Iris, rows: Iterable[CipToSoc]) -> list[Link]:
    links: dict[str, Link] = {}
    for r in rows:
        key = f"{r.cip_code}_{r.code}"
        links.setdefault(key, Link(key, iris.cip(r.cip_code), r.cip_title, SKOS.relatedMatch,
                                   iris.occupation(r.code), r.soc_title,
                                   SEMAPV.ManualMappingCuration, r.row))
    return list(links.values())


# -- from discovered sources -----------------------------------------------------------------


@dataclass
class SetOutput:
    key: str
    origin: Path
    graph: NamedNode
    quads: Iterable[Quad]


def mapping_outputs(found: Sources, iris: Iris, report: SourceReport) -> list[SetOutput]:
    """One lazily converted named graph per crosswalk the source directory holds."""
    outputs: list[SetOutput] = []

    def add(key: str, origin: Path, make: Callable[[], tuple[list[Link], list[Unmapped]]],
            rows: Callable[[], int]) -> None:
        graph = iris.graph("mapping", key)

        def run() -> Iterator[Quad]:
            links, unmapped = make()
            report.rows[f"crosswalk {key}: input rows"] = rows()
            report.rows[f"crosswalk {key}: mapped rows"] = sum(1 for k in links if k.row)
            report.rows[f"crosswalk {key}: inherited"] = sum(1 for k in links if not k.row)
            report.rows[f"crosswalk {key}: unmapped rows"] = len(unmapped)
            report.unmapped += [str(u) for u in unmapped]
            for link in links:
                if link.row:
                    report.origin(iris.mapping(key, link.key), str(origin), link.row)
            yield from set_quads(iris, key, graph, links)

        outputs.append(SetOutput(key, origin, graph, run()))

    onet = found.onet[0] if found.onet else None

    def occupations() -> dict[str, str]:
        return {o.code: o.title for o in onet.occupations()} if onet else {}

    counted: dict[str, int] = {}
    if found.nesta_crosswalk and onet is not None:
        nesta_file, esco_release = found.nesta_crosswalk, found.esco[0] if found.esco else None

        def nesta() -> tuple[list[Link], list[Unmapped]]:
            rows = list(read_nesta(nesta_file))
            counted["nesta"] = len(rows)
            esco: dict[str, EscoOccupationInfo] = {}
            parents: dict[str, str] = {}
            if esco_release is not None:
                esco = {o.uri: EscoOccupationInfo(o.uri, o.preferred_label, o.code)
                        for o in esco_release.occupations()}
                parents = {b.uri: b.broader_uri for b in esco_release.broader_relations()
                           if b.broader_type == "Occupation"}
            return nesta_links(iris, rows, occupations(), esco, parents)

        add("nesta-2020", nesta_file, nesta, lambda: counted["nesta"])
    if found.bls_crosswalk:
        bls_file = found.bls_crosswalk

        def bls() -> tuple[list[Link], list[Unmapped]]:
            rows = list(read_isco_to_soc(bls_file))
            counted["bls"] = len(rows)
            return bls_links(iris, rows), []

        add("bls-isco08-soc2010", bls_file, bls, lambda: counted["bls"])
    if onet is not None:
        definitions = found.soc_definitions

        def onet_soc() -> tuple[list[Link], list[Unmapped]]:
            codes = occupations()
            counted["onet"] = len(codes)
            titles = ({g.code: g.title for g in read_definitions(definitions)}
                      if definitions else None)
            return onet_soc_links(iris, codes, titles)

        add("onet-soc2019-soc2018", onet.location, onet_soc, lambda: counted["onet"])
    if found.cip_crosswalk:
        cip_file = found.cip_crosswalk

        def cip() -> tuple[list[Link], list[Unmapped]]:
            rows = list(read_cip_to_onet_soc(cip_file))
            counted["cip"] = len(rows)
            return cip_links(iris, rows), []

        add("cip2020-onet-soc2019", cip_file, cip, lambda: counted["cip"])
    return outputs
