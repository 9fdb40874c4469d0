"""The one table of serialisation formats, shared by the CLI and the HTTP server."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pyoxigraph as ox

Kind = Literal["results", "rdf", "page"]


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    kind: Kind
    extension: str
    oxigraph: ox.QueryResultsFormat | ox.RdfFormat | None  # None: rendered by the web pages
    also: tuple[str, ...] = ()  # other media types that ask for the same thing

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.also)

    @property
    def content_type(self) -> str:
        textual = self.media_type.startswith("text/") or self.name in ("json", "jsonld", "xml")
        return f"{self.media_type}; charset=utf-8" if textual else self.media_type


RQ = ox.QueryResultsFormat
RF = ox.RdfFormat

# Order matters: on a tie (e.g. Accept: */*) the first format of a kind wins.
FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", "results", "srj", RQ.JSON,
           ("application/json",)),
    Format("xml", "application/sparql-results+xml", "results", "srx", RQ.XML,
           ("application/xml", "text/xml")),
    Format("csv", "text/csv", "results", "csv", RQ.CSV),
    Format("tsv", "text/tab-separated-values", "results", "tsv", RQ.TSV),
    Format("turtle", "text/turtle", "rdf", "ttl", RF.TURTLE, ("application/x-turtle",)),
    Format("ntriples", "application/n-triples", "rdf", "nt", RF.N_TRIPLES),
    Format("jsonld", "application/ld+json", "rdf", "jsonld", RF.JSON_LD, ("application/json",)),
    Format("rdfxml", "application/rdf+xml", "rdf", "rdf", RF.RDF_XML,
           ("application/xml", "text/xml")),
    Format("trig", "application/trig", "rdf", "trig", RF.TRIG),
    Format("nquads", "application/n-quads", "rdf", "nq", RF.N_QUADS),
    # People in a browser: the server renders HTML pages (kind "page", never a query result).
    Format("html", "text/html", "page", "html", None, ("application/xhtml+xml",)),
)

BY_NAME = {f.name: f for f in FORMATS}


def of_kind(kind: Kind) -> list[Format]:
    return [f for f in FORMATS if f.kind == kind]


def by_name(name: str, kind: Kind) -> Format | None:
    fmt = BY_NAME.get(name)
    if fmt is None:
        # A media type is accepted wherever a short name is.
        fmt = next((f for f in of_kind(kind) if name in f.media_types), None)
    return fmt if fmt is not None and fmt.kind == kind else None
