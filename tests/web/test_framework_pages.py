"""Framework pages over two releases: the release switcher, the changes since the release
before, the diff of any two, the index, and the version-independent IRI."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from nsxkg.web import linked_data
from nsxkg.web.app import create_app

HTML = {"Accept": "text/html"}
RELEASE = "/doc/framework/15-1252.00/v.0.1"
LATEST = "/doc/framework/15-1252.00/v.0.2"


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            found = dict(attrs)
            self.links.append((found.get("href") or "", found))


def links(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return [href for href, _ in parser.links]


def test_release_switcher_lists_both_releases(releases_url: str) -> None:
    old = httpx.get(releases_url + RELEASE, headers=HTML).text
    assert LATEST in links(old)
    assert 'aria-current="page">v.0.1' in old and "v.0.2 (latest)" in old
    assert "Changes since" not in old  # the first release has nothing before it
    new = httpx.get(releases_url + LATEST, headers=HTML).text
    assert RELEASE in links(new) and "latest release" in new
    assert "Changes since v.0.1" in new
    assert "1 added · 1 removed · 1 reworded · 1 moved" in new
    assert "Proficient → Advanced" in new


def test_both_releases_are_served_whole(releases_url: str) -> None:
    old = httpx.get(releases_url + RELEASE, headers=HTML).text
    new = httpx.get(releases_url + LATEST, headers=HTML).text
    assert "accepts suggestions after reading them." in old  # dropped in v.0.2
    assert "accepts suggestions after reading them." not in new.split('id="mastery"')[1]
    assert "Entry</span>" in old and "Entry / Apprentice</span>" in new  # roles per release


def test_version_independent_iri_shows_the_latest(releases_url: str) -> None:
    r = httpx.get(releases_url + "/id/framework/15-1252.00", headers=HTML)
    assert r.status_code == 303
    page = httpx.get(releases_url + r.headers["location"], headers=HTML).text
    assert "latest release" in page and "write them for every change" in page


def test_diff_page_any_two_releases(releases_url: str) -> None:
    page = httpx.get(releases_url + "/frameworks/15-1252.00/diff", headers=HTML)
    assert page.status_code == 200
    assert "pair-programming" in page.text and "code-completion" in page.text
    back = httpx.get(releases_url + "/frameworks/15-1252.00/diff",
                     params={"from": "v.0.2", "to": "v.0.1"},
                     headers={"Accept": "application/json"}).json()
    assert {(c["change"], c["key"]) for c in back["changes"]} == {
        ("added", "code-completion"), ("removed", "pair-programming"),
        ("reworded", "unit-tests"), ("moved", "system-design")}
    assert httpx.get(releases_url + "/frameworks/15-1252.00/diff",
                     params={"to": "v.9"}).status_code == 404
    assert httpx.get(releases_url + "/frameworks/00-0000.00/diff").status_code == 404


def test_index_lists_each_framework_once_with_its_releases(releases_url: str) -> None:
    listing = httpx.get(releases_url + "/frameworks",
                        headers={"Accept": "application/json"}).json()
    assert listing["total"] == 1
    [entry] = listing["frameworks"]
    assert [r["version"] for r in entry["releases"]] == ["v.0.1", "v.0.2"]
    assert entry["current"] == "v.0.2"
    home = httpx.get(releases_url + "/", headers=HTML).text
    assert home.count(">Software Developers</a>") == 1


def test_statement_lineage_page(releases_url: str) -> None:
    r = httpx.get(releases_url + "/doc/statement/15-1252.00/mastery/unit-tests.nt")
    assert r.status_code == 200
    base = "<https://w3id.org/nsxkg/id/"
    lineage = f"{base}statement/15-1252.00/mastery/unit-tests>"
    for version in ("v.0.1", "v.0.2"):
        assert (f"{lineage} <http://purl.org/dc/terms/hasVersion> {base}framework/15-1252.00/"
                f"{version}/statement/mastery/unit-tests>") in r.text
    assert (f"{lineage} <http://www.w3.org/ns/dcat#hasCurrentVersion> {base}framework/"
            f"15-1252.00/v.0.2/statement/mastery/unit-tests>") in r.text


def test_release_graph_dump(releases_url: str) -> None:
    r = httpx.get(releases_url + "/graph/framework/15-1252.00/v.0.1")
    assert r.status_code == 303
    assert r.headers["location"] == "/dumps/framework-15-1252.00-v.0.1.ttl"


def test_only_generic_pages_read_the_description(loaded_releases: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A release page's data is the framework index's; describing the release (thousands of
    triples at scale) would only be thrown away."""
    def described(store: object, iri: str) -> list[object]:
        raise AssertionError(f"described <{iri}>")

    monkeypatch.setattr(linked_data, "describe", described)
    client = TestClient(create_app(loaded_releases.settings.with_overrides(pool_size=1)))
    for path in (RELEASE, LATEST, "/doc/framework/15-1252.00"):
        r = client.get(path, headers=HTML)
        assert r.status_code == 200 and "Skills framework" in r.text
        assert "<title>Software Developers · framework" in r.text
    with pytest.raises(AssertionError, match="described"):
        client.get("/doc/framework/15-1252.00/v.0.2/statement/mastery/unit-tests",
                   headers=HTML)
