"""Occupation pages for occupations without a framework: their O*NET profile, from a tiny
hand-written graph loaded into a temporary store (tests/data/web/onet-profile.ttl)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from nsxkg.config import Settings
from nsxkg.store import BUILD_INFO, CURRENT
from nsxkg.web import views
from nsxkg.web.app import create_app

FIXTURE = Path(__file__).parents[1] / "data" / "web" / "onet-profile.ttl"
GRAPH = "https://w3id.org/nsxkg/graph/onet/test"
RETAIL = "https://w3id.org/nsxkg/id/occupation/41-2031.00"


def fixture_store(store_dir: Path, *files: Path) -> None:
    """A store directory laid out as `nsxkg load` leaves it, holding the given Turtle files."""
    target = store_dir / "builds" / "fixture"
    target.mkdir(parents=True)
    store = ox.Store(str(target))
    for path in files:
        store.bulk_load(path=path, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(GRAPH))
    quads = len(store)
    store.flush()
    del store
    info = {"digest": "fixture", "quads": quads, "base_iri": "https://w3id.org/nsxkg/",
            "graphs": [{"iri": GRAPH, "file": "graphs/onet-test.nq", "triples": quads,
                        "kind": "onet", "origin": str(FIXTURE)}]}
    (target / BUILD_INFO).write_text(json.dumps(info), encoding="utf-8")
    (store_dir / CURRENT).symlink_to(Path("builds") / "fixture")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    store_dir = tmp_path_factory.mktemp("onet") / "store"
    fixture_store(store_dir, FIXTURE)
    settings = Settings.model_validate({"store_dir": store_dir, "pool_size": 1})
    with TestClient(create_app(settings)) as running:
        yield running


def test_profile_view(client: TestClient) -> None:
    store = client.app.state.nsxkg.store  # type: ignore[attr-defined]
    profile = views.onet_profile(store, RETAIL, "https://w3id.org/nsxkg/")
    assert [t["text"] for t in profile["tasks"]] == [
        "Greet customers and ascertain what each customer wants or needs.",
        "Recommend, select, and help locate or obtain merchandise based on customer needs."]
    assert [(s["label"], s["im"], s["lv"]) for s in profile["skills"]] == [
        ("Service Orientation", "4.12", "3.88"), ("Active Listening", "3.75", None)]
    assert [k["label"] for k in profile["knowledge"]] == ["Customer and Personal Service"]
    assert "Sales Associate" in profile["titles"]


def test_occupation_page_shows_the_profile(client: TestClient) -> None:
    r = client.get("/doc/occupation/41-2031.00", headers={"Accept": "text/html"})
    assert r.status_code == 200
    page = r.text
    assert "Retail Salespersons" in page and 'id="onet"' in page
    assert "No NSX skills framework" in page
    assert "Service Orientation" in page and "4.12" in page and "3.88" in page
    assert "Customer and Personal Service" in page
    assert "Greet customers" in page and "Rent merchandise" not in page  # core tasks only
    assert "Counter &lt;b&gt;Clerk&lt;/b&gt;" in page and "<b>Clerk</b>" not in page
    assert 'href="/doc/occupation/41-2031.00.ttl"' in page


def test_bare_occupation_degrades_gracefully(client: TestClient) -> None:
    r = client.get("/doc/occupation/41-9099.00.html")
    assert r.status_code == 200
    assert "Sales and Related Workers, All Other" in r.text
    assert 'id="onet"' not in r.text and "No O*NET profile data" in r.text


def test_titles_are_searchable(client: TestClient) -> None:
    hits = client.get("/api/search", params={"q": "sales assoc"}).json()
    assert hits[0]["href"] == "/doc/occupation/41-2031.00"
    assert hits[0]["name"] == "Retail Salespersons" and hits[0]["kind"] == "title"


def test_element_page_lists_the_occupations_rating_it(client: TestClient) -> None:
    r = client.get("/doc/element/2.B.1.d.html")
    assert r.status_code == 200
    assert "Most important in" in r.text and "Retail Salespersons" in r.text
    assert "4.12" in r.text
    assert "/doc/rating/" not in r.text  # ratings are summarised, not listed one by one
