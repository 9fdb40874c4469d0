"""A release's downloads: CASE, CTDL-ASN, CSV and its CSVW metadata, served with their media
types, validators and file names, the same bytes as ``nsxkg export``, linked from the
release page and listed in VoID."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import rdflib

from nsxkg.export import case, csvw, ctdl
from nsxkg.export.release import from_files
from support import DATA

RELEASES = DATA / "frameworks" / "releases"
CODE, VERSION = "15-1252.00", "v.0.1"
BASE = f"/frameworks/{CODE}/{VERSION}/"
DOWNLOADS = [
    ("export.case.json", "application/json", f"{CODE}-{VERSION}.case.json"),
    ("export.ctdl.jsonld", "application/ld+json", f"{CODE}-{VERSION}.ctdl.jsonld"),
    ("export.csv", "text/csv; charset=utf-8", f"{CODE}-{VERSION}.csv"),
    ("export.csv-metadata.json", "application/csvm+json", f"{CODE}-{VERSION}.csv-metadata.json"),
]


@pytest.mark.parametrize(("name", "media_type", "filename"), DOWNLOADS)
def test_download_has_its_media_type_file_name_and_validators(
        releases_url: str, name: str, media_type: str, filename: str) -> None:
    r = httpx.get(releases_url + BASE + name)
    assert r.status_code == 200
    assert r.headers["content-type"] == media_type
    assert r.headers["content-disposition"] == f'attachment; filename="{filename}"'
    etag = r.headers["etag"]
    again = httpx.get(releases_url + BASE + name, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = httpx.get(releases_url + f"/frameworks/{CODE}/v.0.2/{name}")
    assert other.headers["etag"] != etag


def test_downloads_are_the_bytes_the_command_line_exports(releases_url: str,
                                                          loaded_releases: Any) -> None:
    release = from_files(RELEASES, CODE, VERSION, loaded_releases.settings.base_iri)
    assert httpx.get(releases_url + BASE + "export.case.json").content == case.render(release)
    assert httpx.get(releases_url + BASE + "export.ctdl.jsonld").content == ctdl.render(release)
    assert httpx.get(releases_url + BASE + "export.csv").content == csvw.render(release)
    meta = json.loads(httpx.get(releases_url + BASE + "export.csv-metadata.json").content)
    assert meta["url"] == "export.csv"  # the CSV beside it, as CSVW resolves it
    assert meta == csvw.metadata(release, "export.csv")


@pytest.mark.parametrize(("path", "message"), [
    (f"/frameworks/{CODE}/v.9/export.case.json", "no release 'v.9'"),
    (f"/frameworks/99-9999.00/{VERSION}/export.csv", "no release 'v.0.1' of a framework for"),
    (BASE + "export.xlsx", "no download named 'export.xlsx'"),
])
def test_unknown_download_is_404_with_the_reason(releases_url: str, path: str,
                                                 message: str) -> None:
    r = httpx.get(releases_url + path)
    assert r.status_code == 404 and message in r.text


def test_release_page_links_its_downloads(releases_url: str) -> None:
    page = httpx.get(releases_url + f"/doc/framework/{CODE}/{VERSION}",
                     headers={"Accept": "text/html"}).text
    for name, media_type, _ in DOWNLOADS:
        assert f'href="{BASE}{name}" type="{media_type}" download' in page


def test_void_lists_the_downloads_as_distributions(releases_url: str) -> None:
    r = httpx.get(releases_url + "/.well-known/void", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=r.text, format="turtle")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    found = {}
    for dist in graph.subjects(rdflib.RDF.type, dcat.Distribution):
        url = str(graph.value(dist, dcat.downloadURL))
        if "/export." in url:
            found[url.removeprefix(releases_url)] = (str(graph.value(dist, dcat.mediaType)),
                                                     graph.value(None, dcat.distribution, dist))
    graph_iri = rdflib.URIRef(f"https://w3id.org/nsxkg/graph/framework/{CODE}/{VERSION}")
    for name, media_type, _ in DOWNLOADS:
        assert found[BASE + name] == (media_type.split(";")[0], graph_iri)
    assert len(found) == 2 * len(DOWNLOADS)  # both releases
