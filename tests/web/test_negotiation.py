"""Accept → format: one table, q-values, wildcards, aliases and 406; Accept-Encoding → gzip
or not."""

from __future__ import annotations

import pytest

from nsxkg.formats import of_kind
from nsxkg.web.negotiation import NotAcceptable, UnknownFormat, accepts_gzip, negotiate

RESULTS = of_kind("results")
RDF = of_kind("rdf")


@pytest.mark.parametrize(("accept", "expected"), [
    (None, "application/sparql-results+json"),
    ("", "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/*", "text/csv"),
    ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv;q=0.9, text/tab-separated-values", "text/tab-separated-values"),
    ("application/sparql-results+xml;q=0.1, */*;q=0.5", "application/sparql-results+json"),
    ("text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8",
     "application/sparql-results+xml"),
    ("image/png, text/csv;q=0.2", "text/csv"),
    ("*/*, application/sparql-results+json;q=0", "application/sparql-results+xml"),
])
def test_results_accept(accept: str | None, expected: str) -> None:
    assert negotiate(accept, RESULTS).media_type == expected


@pytest.mark.parametrize(("accept", "expected"), [
    (None, "text/turtle"),
    ("*/*", "text/turtle"),
    ("application/n-triples", "application/n-triples"),
    ("application/ld+json", "application/ld+json"),
    ("application/json", "application/ld+json"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("application/trig", "application/trig"),
    ("application/n-quads", "application/n-quads"),
    ("application/rdf+xml;q=0.5, text/turtle;q=0.8", "text/turtle"),
    ("text/html;q=1, application/n-triples;q=0.3", "application/n-triples"),
])
def test_rdf_accept(accept: str | None, expected: str) -> None:
    assert negotiate(accept, RDF).media_type == expected


@pytest.mark.parametrize("accept", ["image/png", "text/html", "application/n-triples;q=0",
                                    "text/turtle"])
def test_not_acceptable(accept: str) -> None:
    with pytest.raises(NotAcceptable):
        negotiate(accept, RESULTS)


@pytest.mark.parametrize(("override", "expected"), [
    ("csv", "text/csv"), ("json", "application/sparql-results+json"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("XML", "application/sparql-results+xml"),
])
def test_format_parameter_overrides_accept(override: str, expected: str) -> None:
    assert negotiate("application/sparql-results+json", RESULTS, override).media_type == expected


def test_unknown_format_parameter() -> None:
    with pytest.raises(UnknownFormat):
        negotiate(None, RESULTS, "turtle")


# -- linked-data documents: RDF for data clients, HTML for browsers -----------------------

from nsxkg.web.linked_data import DOCUMENT_FORMATS  # noqa: E402

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


@pytest.mark.parametrize(("accept", "expected"), [
    (None, "text/turtle"),
    ("*/*", "text/turtle"),
    (BROWSER, "text/html"),
    ("text/html", "text/html"),
    ("application/xhtml+xml", "text/html"),
    ("application/ld+json", "application/ld+json"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("application/n-triples", "application/n-triples"),
    ("text/*", "text/turtle"),
    ("text/html;q=0.5, text/turtle;q=0.6", "text/turtle"),
    ("text/turtle;q=0.1, text/html", "text/html"),
    ("application/*;q=0.9, text/html;q=0.2", "application/n-triples"),
])
def test_document_accept(accept: str | None, expected: str) -> None:
    assert negotiate(accept, DOCUMENT_FORMATS).media_type == expected


def test_document_not_acceptable() -> None:
    with pytest.raises(NotAcceptable):
        negotiate("application/pdf, image/*", DOCUMENT_FORMATS)


# -- content coding -----------------------------------------------------------------------


@pytest.mark.parametrize(("accept_encoding", "expected"), [
    (None, False),  # allowed by RFC 9110, but such clients seldom decode
    ("", False),  # identity only
    ("identity", False),
    ("gzip", True),
    ("GZIP", True),
    ("x-gzip", True),
    ("gzip, deflate, br, zstd", True),  # httpx, browsers
    ("br;q=1.0, gzip;q=0.8, *;q=0.1", True),
    ("deflate, br", False),
    ("*", True),
    ("*;q=0.5", True),
    ("*;q=0", False),
    ("gzip;q=0", False),
    ("gzip; q=0.0, identity", False),
    ("gzip;q=0, *", False),  # gzip named: its own q decides, not the wildcard's
    ("*;q=0, gzip", True),
    ("gzip;q=0.001", True),
    ("gzip;q=oops", False),  # a malformed q refuses
])
def test_accepts_gzip(accept_encoding: str | None, expected: bool) -> None:
    assert accepts_gzip(accept_encoding) is expected
