"""Citations of a loaded release, as BibTeX, CSL-JSON or plain attribution text.

Everything comes from the data, never from hand-kept text: the release's digest, triple
count and base IRI from the manifest loaded with it (BUILD.json), its date from when that
build was loaded (the date the server states as Last-Modified), and every work it includes
(source releases, mapping sets, framework releases, cited sources) from their dcat:Dataset /
nsx:Source descriptions with version, issued date, licence and attribution (dcterms:rights).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

import pyoxigraph as ox

from nsxkg import __version__
from nsxkg.store import BUILD_INFO, LoadedBuild

LICENCES = {
    "https://creativecommons.org/licenses/by/4.0/": "CC BY 4.0",
    "https://www.usa.gov/government-copyright": "U.S. Government work (public domain)",
    "https://eur-lex.europa.eu/eli/dec/2011/833/oj": "Commission Decision 2011/833/EU (reuse "
                                                     "with acknowledgement)",
    "https://opensource.org/licenses/MIT": "MIT",
}

_WORKS = """
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX nsx: <https://w3id.org/nsxkg/def#>
PREFIX sssom: <https://w3id.org/sssom/>
SELECT ?work (SAMPLE(?t) AS ?title) (SAMPLE(?p) AS ?publisher)
       (SAMPLE(COALESCE(?c, ?a)) AS ?creator)
       (SAMPLE(COALESCE(?v1, ?v2)) AS ?version) (SAMPLE(STR(?i)) AS ?issued)
       (SAMPLE(?l) AS ?licence) (SAMPLE(?r) AS ?rights) (SAMPLE(COALESCE(?u1, ?u2)) AS ?url)
WHERE {
  { ?work a dcat:Dataset } UNION { ?work a nsx:FrameworkRelease }
  OPTIONAL { ?work dcterms:title ?t }
  OPTIONAL { ?work dcterms:publisher ?p }
  OPTIONAL { ?work dcterms:creator ?c }
  OPTIONAL { ?work sssom:author_label ?a }
  OPTIONAL { ?work dcat:version ?v1 }
  OPTIONAL { ?work owl:versionInfo ?v2 }
  OPTIONAL { ?work dcterms:issued ?i }
  OPTIONAL { ?work dcterms:license ?l }
  OPTIONAL { ?work dcterms:rights ?r }
  OPTIONAL { ?work dcat:landingPage ?u1 }
  OPTIONAL { ?work foaf:homepage ?u2 }
} GROUP BY ?work ORDER BY ?work"""

# The licensed sources framework releases cite, once per edition (version) however many
# releases cite it: a thousand frameworks citing O*NET v30.2 cite one work.
_EDITIONS = """
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX nsx: <https://w3id.org/nsxkg/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?work ?version (SAMPLE(COALESCE(?t, ?label)) AS ?title) (SAMPLE(?p) AS ?publisher)
       (SAMPLE(?c) AS ?creator) (SAMPLE(STR(?i)) AS ?issued) (SAMPLE(?l) AS ?licence)
       (SAMPLE(?u) AS ?url)
WHERE {
  ?edition a nsx:SourceEdition ; dcterms:isVersionOf ?work ; skos:prefLabel ?label .
  ?work dcterms:license ?l .
  OPTIONAL { ?edition owl:versionInfo ?v }
  BIND(COALESCE(?v, "") AS ?version)
  OPTIONAL { ?edition dcterms:title ?t }
  OPTIONAL { ?edition dcterms:issued ?i }
  OPTIONAL { ?work dcterms:publisher ?p }
  OPTIONAL { ?work dcterms:creator ?c }
  OPTIONAL { ?work foaf:homepage ?u }
} GROUP BY ?work ?version ORDER BY ?work ?version"""


@dataclass
class Work:
    key: str
    iri: str
    title: str
    author: str | None
    publisher: str | None
    version: str | None
    issued: str | None  # an xsd:date, gYearMonth or gYear lexical form
    licence: str | None
    rights: str | None
    url: str | None

    @property
    def licence_name(self) -> str | None:
        return LICENCES.get(self.licence, self.licence) if self.licence else None


def release_works(store: ox.Store, build: LoadedBuild, licence: str) -> list[Work]:
    """The release itself first, then every work it includes."""
    base = str(build.manifest.get("base_iri", ""))
    stamp = (build.path / BUILD_INFO).stat().st_mtime
    loaded = datetime.fromtimestamp(int(stamp), tz=UTC).date().isoformat()
    graph = Work(key=f"nsxkg-{build.digest[:8]}", iri=base,
                 title="NSX Skills Knowledge Graph", author="nsxkg contributors",
                 publisher=None, version=build.digest[:16], issued=loaded, licence=licence,
                 rights=f"Build {build.digest} of {build.quads:,} quads in "
                        f"{len(_graphs(build))} named graphs, made with nsxkg {__version__}.",
                 url=base)
    result = store.query(_WORKS, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    works = [graph]
    for row in result:
        iri = row["work"].value

        def text(name: str, row: ox.QuerySolution = row) -> str | None:
            term = row[name]
            return term.value if term is not None else None

        works.append(Work(key=_key(iri, base), iri=iri, title=text("title") or iri,
                          author=text("creator"), publisher=text("publisher"),
                          version=text("version"), issued=text("issued"),
                          licence=text("licence"), rights=text("rights"), url=text("url")))
    editions = store.query(_EDITIONS, use_default_graph_as_union=True)
    assert isinstance(editions, ox.QuerySolutions)
    rows = list(editions)
    several = {k for k, n in Counter(r["work"].value for r in rows).items() if n > 1}
    for row in rows:
        iri, version = row["work"].value, row["version"].value

        def value(name: str, row: ox.QuerySolution = row) -> str | None:
            term = row[name]
            return term.value if term is not None else None

        key = _key(iri, base) + (f"-{_key(version, '')}" if iri in several and version else "")
        works.append(Work(key=key, iri=iri, title=value("title") or iri,
                          author=value("creator"), publisher=value("publisher"),
                          version=version or None, issued=value("issued"),
                          licence=value("licence"), rights=None, url=value("url")))
    return works


def _graphs(build: LoadedBuild) -> list[object]:
    graphs = build.manifest.get("graphs", [])
    return graphs if isinstance(graphs, list) else []


def _key(iri: str, base: str) -> str:
    tail = iri[len(base):] if iri.startswith(base) else iri.split("://", 1)[-1]
    tail = re.sub(r"^(id|graph)/", "", tail)
    return re.sub(r"[^A-Za-z0-9.:_-]+", "-", tail).strip("-")


# -- formats ------------------------------------------------------------------------------

def bibtex(works: list[Work]) -> str:
    return "\n".join(_bibtex_entry(w) for w in works)


def _bib(text: str) -> str:
    return re.sub(r"([&%$#_{}])", r"\\\1", text)


def _bibtex_entry(work: Work) -> str:
    fields: list[tuple[str, str]] = [("title", "{" + _bib(work.title) + "}")]
    if work.author:
        fields.append(("author", "{" + _bib(work.author) + "}"))
    if work.publisher:
        fields.append(("publisher", _bib(work.publisher)))
    if work.issued:
        fields.append(("year", work.issued[:4]))
        if len(work.issued) >= 10:
            fields.append(("date", work.issued[:10]))
    if work.version:
        fields.append(("version", _bib(work.version)))
    if work.url:
        fields.append(("url", work.url))
    note = "; ".join(n for n in (f"Licence: {work.licence_name}" if work.licence else None,
                                 work.rights) if n)
    if note:
        fields.append(("note", _bib(note)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    kind = "dataset" if work.version else "misc"
    return f"@{kind}{{{work.key},\n{body}\n}}\n"


def csl_json(works: list[Work]) -> str:
    items = []
    for work in works:
        item: dict[str, object] = {"id": work.key, "type": "dataset", "title": work.title}
        if work.author:
            item["author"] = [{"literal": work.author}]
        if work.publisher:
            item["publisher"] = work.publisher
        if work.version:
            item["version"] = work.version
        if work.issued:
            item["issued"] = {"date-parts": [[int(p) for p in work.issued[:10].split("-")]]}
        if work.url:
            item["URL"] = work.url
        note = "; ".join(n for n in (f"Licence: {work.licence_name}" if work.licence else None,
                                     work.rights) if n)
        if note:
            item["note"] = note
        items.append(item)
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"


def attribution(works: list[Work]) -> str:
    """One line per work: what to print wherever the data is shown or redistributed."""
    lines = []
    for work in works:
        who = work.publisher or work.author
        parts = [work.title, who, f"version {work.version}" if work.version else None,
                 work.issued, work.licence_name]
        line = ". ".join(p for p in parts if p) + "."
        if work.rights:
            line += f" {work.rights}"
        lines.append(f"- {line}")
    return "\n".join(lines) + "\n"


FORMATS = {"bibtex": bibtex, "csl": csl_json, "text": attribution}
