"""Crosswalk export and lookup over a built graph: SSSOM TSV (with its YAML metadata block),
CSV and JSON-LD for one mapping set, and the matches of one concept on both sides.

Everything is read back from the mapping set's named graph, so the command line (over a
build directory) and the server (over its store) give the same answer. The export needs no
``sssom`` package; tests use it to check what is written.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from nsxkg.build import Manifest
from nsxkg.errors import InputError
from nsxkg.iris import Iris
from nsxkg.namespaces import SEMAPV, SKOS, SSSOM

FORMATS = ("sssom", "csv", "jsonld")
MEDIA_TYPES = {"sssom": "text/tab-separated-values; charset=utf-8",
               "csv": "text/csv; charset=utf-8", "jsonld": "application/ld+json"}
EXTENSIONS = {"sssom": ".sssom.tsv", "csv": ".csv", "jsonld": ".jsonld"}
COLUMNS = ("subject_id", "subject_label", "predicate_id", "object_id", "object_label",
           "mapping_justification", "confidence", "similarity_score", "similarity_measure",
           "comment", "author_label")

ONET_CODE = re.compile(r"\d{2}-\d{4}\.\d{2}")
SOC_CODE = re.compile(r"\d{2}-\d{4}")
_SAFE_URI = re.compile(r"https?://[^\s<>\"{}|\\^`]+")
ESCO_OCCUPATION = re.compile(r"http://data\.europa\.eu/esco/occupation/[0-9a-f-]{36}")


def prefixes(base_iri: str) -> dict[str, str]:
    """The CURIE map of every export: ESCO and ISCO on ESCO's URIs, the rest on nsxkg's."""
    ids = Iris(base_iri).base + "id/"
    return {
        "ESCO": "http://data.europa.eu/esco/occupation/",
        "ISCO": "http://data.europa.eu/esco/isco/C",
        "ONET": ids + "occupation/",
        "SOC2010": ids + "soc2010/",
        "SOC2018": ids + "soc2018/",
        "CIP": ids + "cip/",
        "skos": SKOS.iri,
        "semapv": SEMAPV.iri,
    }


@dataclass
class MappingRow:
    subject_id: str
    predicate_id: str
    object_id: str
    mapping_justification: str
    subject_label: str = ""
    object_label: str = ""
    confidence: float | None = None
    similarity_score: float | None = None
    similarity_measure: str = ""
    comment: str = ""
    mapping: str = ""  # the nsxkg IRI of the mapping resource


@dataclass
class MappingSetInfo:
    key: str
    iri: str
    graph: str
    title: str = ""
    description: str = ""
    license: str = ""
    source: str = ""
    author: str = ""
    creator: str = ""
    date: str = ""
    version: str = ""
    count: int = 0
    extra: dict[str, str] = field(default_factory=dict)


def _q(store: ox.Store, query: str) -> Iterator[dict[str, str]]:
    result = store.query(query)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    for solution in result:
        yield {n: solution[n].value for n in names if solution[n] is not None}


_SET_QUERY = """
PREFIX sssom: <https://w3id.org/sssom/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
SELECT ?set ?graph ?title ?description ?license ?source ?author ?creator ?date ?version
       (COUNT(?m) AS ?count) WHERE {
  GRAPH ?graph {
    ?set a sssom:MappingSet ; dcterms:title ?title ; dcterms:license ?license ;
         prov:wasDerivedFrom ?source ; dcterms:issued ?date .
    OPTIONAL { ?set dcterms:description ?description }
    OPTIONAL { ?set sssom:author_label ?author }
    OPTIONAL { ?set sssom:creator_label ?creator }
    OPTIONAL { ?set owl:versionInfo ?version }
    OPTIONAL { ?set sssom:mappings ?m }
  }
} GROUP BY ?set ?graph ?title ?description ?license ?source ?author ?creator ?date ?version
ORDER BY ?set
"""


def mapping_sets(store: ox.Store) -> list[MappingSetInfo]:
    out = []
    for r in _q(store, _SET_QUERY):
        out.append(MappingSetInfo(
            r["set"].rstrip("/").rsplit("/", 1)[-1], r["set"], r["graph"], r.get("title", ""),
            r.get("description", ""), r.get("license", ""), r.get("source", ""),
            r.get("author", ""), r.get("creator", ""), r.get("date", ""), r.get("version", ""),
            int(r.get("count", "0"))))
    return out


def mapping_set(store: ox.Store, key: str) -> MappingSetInfo:
    for info in mapping_sets(store):
        if info.key == key:
            return info
    known = ", ".join(i.key for i in mapping_sets(store)) or "none in this build"
    raise InputError.at(key, f"no mapping set {key!r}; known: {known}")


_MAPPINGS_QUERY = """
PREFIX sssom: <https://w3id.org/sssom/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?m ?s ?p ?o ?j ?sl ?ol ?c ?sim ?measure ?comment WHERE {
  GRAPH <%s> {
    <%s> sssom:mappings ?m .
    ?m owl:annotatedSource ?s ; owl:annotatedProperty ?p ; owl:annotatedTarget ?o ;
       sssom:mapping_justification ?j .
    OPTIONAL { ?m sssom:subject_label ?sl }
    OPTIONAL { ?m sssom:object_label ?ol }
    OPTIONAL { ?m sssom:confidence ?c }
    OPTIONAL { ?m sssom:similarity_score ?sim }
    OPTIONAL { ?m sssom:similarity_measure ?measure }
    OPTIONAL { ?m rdfs:comment ?comment }
  }
} ORDER BY ?s ?o
"""


def mappings(store: ox.Store, info: MappingSetInfo) -> list[MappingRow]:
    rows = []
    for r in _q(store, _MAPPINGS_QUERY % (info.graph, info.iri)):
        rows.append(MappingRow(
            r["s"], r["p"], r["o"], r["j"], r.get("sl", ""), r.get("ol", ""),
            float(r["c"]) if "c" in r else None, float(r["sim"]) if "sim" in r else None,
            r.get("measure", ""), r.get("comment", ""), r["m"]))
    return rows


def _curie(iri: str, curies: dict[str, str]) -> str:
    best = max((p for p, ns in curies.items() if iri.startswith(ns)),
               key=lambda p: len(curies[p]), default=None)
    return f"{best}:{iri[len(curies[best]):]}" if best else iri


def _number(value: float | None) -> str:
    return "" if value is None else repr(value)


def _yaml_text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML scalar


def to_sssom(info: MappingSetInfo, rows: list[MappingRow], base_iri: str) -> str:
    curies = prefixes(base_iri)
    meta = ["curie_map:"]
    meta += [f"  {p}: {_yaml_text(ns)}" for p, ns in curies.items()]
    meta += [
        f"mapping_set_id: {_yaml_text(info.iri)}",
        f"mapping_set_title: {_yaml_text(info.title)}",
        f"mapping_set_description: {_yaml_text(info.description)}",
        f"mapping_set_version: {_yaml_text(info.version)}",
        f"license: {_yaml_text(info.license)}",
        "mapping_set_source:", f"  - {_yaml_text(info.source)}",
        "creator_label:", f"  - {_yaml_text(info.creator or 'nsxkg')}",
        f"publication_date: {_yaml_text(info.date)}",
    ]
    out = io.StringIO()
    out.writelines(f"# {line}\n" for line in meta)
    writer = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow([_curie(r.subject_id, curies), r.subject_label,
                         _curie(r.predicate_id, curies), _curie(r.object_id, curies),
                         r.object_label, _curie(r.mapping_justification, curies),
                         _number(r.confidence), _number(r.similarity_score),
                         r.similarity_measure, r.comment, info.author])
    return out.getvalue()


def to_csv(info: MappingSetInfo, rows: list[MappingRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((*COLUMNS, "mapping_id"))
    for r in rows:
        writer.writerow([r.subject_id, r.subject_label, r.predicate_id, r.object_id,
                         r.object_label, r.mapping_justification, _number(r.confidence),
                         _number(r.similarity_score), r.similarity_measure, r.comment,
                         info.author, r.mapping])
    return out.getvalue()


JSONLD_CONTEXT: dict[str, object] = {
    "sssom": SSSOM.iri, "owl": "http://www.w3.org/2002/07/owl#",
    "dcterms": "http://purl.org/dc/terms/", "prov": "http://www.w3.org/ns/prov#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "MappingSet": "sssom:MappingSet", "Mapping": "sssom:Mapping",
    "mapping_set_title": "dcterms:title", "mapping_set_description": "dcterms:description",
    "license": {"@id": "dcterms:license", "@type": "@id"},
    "mapping_set_source": {"@id": "prov:wasDerivedFrom", "@type": "@id"},
    "mapping_set_version": "owl:versionInfo", "publication_date": "dcterms:issued",
    "author_label": "sssom:author_label", "creator_label": "sssom:creator_label",
    "mappings": {"@id": "sssom:mappings", "@container": "@set"},
    "subject_id": {"@id": "owl:annotatedSource", "@type": "@id"},
    "predicate_id": {"@id": "owl:annotatedProperty", "@type": "@id"},
    "object_id": {"@id": "owl:annotatedTarget", "@type": "@id"},
    "mapping_justification": {"@id": "sssom:mapping_justification", "@type": "@id"},
    "subject_label": "sssom:subject_label", "object_label": "sssom:object_label",
    "confidence": {"@id": "sssom:confidence", "@type": "xsd:decimal"},
    "similarity_score": {"@id": "sssom:similarity_score", "@type": "xsd:decimal"},
    "similarity_measure": "sssom:similarity_measure", "comment": "rdfs:comment",
}


def to_jsonld(info: MappingSetInfo, rows: list[MappingRow]) -> str:
    def mapping(r: MappingRow) -> dict[str, object]:
        item: dict[str, object] = {"@id": r.mapping, "@type": "Mapping",
                                   "subject_id": r.subject_id, "predicate_id": r.predicate_id,
                                   "object_id": r.object_id,
                                   "mapping_justification": r.mapping_justification}
        for name in ("subject_label", "object_label", "similarity_measure", "comment"):
            if getattr(r, name):
                item[name] = getattr(r, name)
        for name in ("confidence", "similarity_score"):
            if getattr(r, name) is not None:
                item[name] = str(getattr(r, name))
        return item

    doc = {"@context": JSONLD_CONTEXT, "@id": info.iri, "@type": "MappingSet",
           "mapping_set_title": info.title, "mapping_set_description": info.description,
           "license": info.license, "mapping_set_source": info.source,
           "mapping_set_version": info.version, "publication_date": info.date,
           "author_label": info.author, "creator_label": info.creator or "nsxkg",
           "mappings": [mapping(r) for r in rows]}
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def export(store: ox.Store, key: str, fmt: str, base_iri: str) -> str:
    if fmt not in FORMATS:
        raise InputError.at(fmt, f"unknown format; choose one of {', '.join(FORMATS)}")
    info = mapping_set(store, key)
    rows = mappings(store, info)
    if fmt == "sssom":
        return to_sssom(info, rows, base_iri)
    if fmt == "csv":
        return to_csv(info, rows)
    return to_jsonld(info, rows)


def build_store(build_dir: Path) -> tuple[ox.Store, Manifest]:
    """An in-memory store of a build's mapping graphs (small: a few hundred thousand quads)."""
    manifest = Manifest.read(build_dir)
    store = ox.Store()
    for graph in manifest.graphs:
        if graph.kind == "mapping":
            store.bulk_load(path=build_dir / graph.file, format=ox.RdfFormat.N_QUADS)
    return store, manifest


# -- lookup ----------------------------------------------------------------------------------


class BadCode(ValueError):
    """A code or URI that is not well formed (HTTP 400)."""


def resolve(code: str | None, uri: str | None, base_iri: str) -> str:
    """The IRI a lookup is about: an O*NET-SOC, SOC, ISCO or CIP code, or a full URI."""
    if (code is None) == (uri is None):
        raise BadCode("give exactly one of code= or uri=")
    iris = Iris(base_iri)
    if uri is not None:
        if not _SAFE_URI.fullmatch(uri):
            raise BadCode(f"not an absolute http(s) URI: {uri!r}")
        return uri
    assert code is not None
    code = code.strip()
    if ONET_CODE.fullmatch(code):
        return iris.occupation(code).value
    if SOC_CODE.fullmatch(code):
        return iris.soc_group(code).value
    if re.fullmatch(r"\d{3,4}", code):
        return prefixes(base_iri)["ISCO"] + code
    if re.fullmatch(r"\d{2}\.\d{4}", code):
        return iris.cip(code).value
    raise BadCode(f"not an O*NET-SOC (11-2022.00), SOC (11-2022), ISCO-08 (1221) or "
                  f"CIP (52.0201) code: {code!r}")


_LOOKUP_QUERY = """
PREFIX sssom: <https://w3id.org/sssom/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?set ?m ?s ?p ?o ?j ?sl ?ol ?c ?sim WHERE {
  GRAPH ?g {
    { ?m owl:annotatedSource <%(iri)s> } UNION { ?m owl:annotatedTarget <%(iri)s> }
    ?set sssom:mappings ?m .
    ?m owl:annotatedSource ?s ; owl:annotatedProperty ?p ; owl:annotatedTarget ?o ;
       sssom:mapping_justification ?j .
    OPTIONAL { ?m sssom:subject_label ?sl }
    OPTIONAL { ?m sssom:object_label ?ol }
    OPTIONAL { ?m sssom:confidence ?c }
    OPTIONAL { ?m sssom:similarity_score ?sim }
  }
} ORDER BY ?set ?s ?o
"""


def lookup(store: ox.Store, iri: str) -> list[dict[str, object]]:
    """Every mapping with ``iri`` on either side, with the other side's id and label."""
    out: list[dict[str, object]] = []
    for r in _q(store, _LOOKUP_QUERY % {"iri": iri}):
        as_subject = r["s"] == iri
        out.append({
            "mapping_set": r["set"].rsplit("/", 1)[-1], "mapping": r["m"],
            "side": "subject" if as_subject else "object",
            "subject_id": r["s"], "subject_label": r.get("sl"),
            "predicate_id": r["p"], "object_id": r["o"], "object_label": r.get("ol"),
            "match_id": r["o"] if as_subject else r["s"],
            "match_label": r.get("ol") if as_subject else r.get("sl"),
            "mapping_justification": r["j"],
            "confidence": float(r["c"]) if "c" in r else None,
            "similarity_score": float(r["sim"]) if "sim" in r else None,
        })
    return out


def known(store: ox.Store, iri: str) -> bool:
    return bool(store.query(f"ASK {{ GRAPH ?g {{ {{ <{iri}> ?p ?o }} UNION "
                            f"{{ ?s ?q <{iri}> }} }} }}"))
