"""/crosswalks/ and the occupation page's matches, over the framework graph plus an excerpt
of the real Nesta mapping graph (tests/data/web/crosswalk-excerpt.nq: the five ESCO
occupations Nesta maps to 11-2022.00, as `nsxkg build` wrote them)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from nsxkg.config import Settings
from nsxkg.web.app import create_app
from support import fixture_store

EXCERPT = Path(__file__).parents[1] / "data" / "web" / "crosswalk-excerpt.nq"
SALES = {"auction house manager", "sales account manager", "trade regional manager",
         "travel agency manager", "ICT business development manager"}


@pytest.fixture(scope="module")
def client(loaded: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    store_dir = fixture_store(
        tmp_path_factory.mktemp("crosswalk") / "store",
        [*loaded.manifest.graph_files(loaded.settings.build_dir), EXCERPT], "fixture")
    settings = Settings.model_validate({"store_dir": store_dir, "pool_size": 1})
    with TestClient(create_app(settings)) as running:
        yield running


def test_mapping_sets_listed_with_counts(client: TestClient) -> None:
    r = client.get("/crosswalks/")
    assert r.status_code == 200
    [nesta] = r.json()["mapping_sets"]
    assert nesta["key"] == "nesta-2020"
    assert nesta["mappings"] == 5
    assert nesta["license"] == "https://opensource.org/licenses/MIT"


def test_lookup_by_code(client: TestClient) -> None:
    r = client.get("/crosswalks/lookup", params={"code": "11-2022.00"})
    assert r.status_code == 200
    assert {m["match_label"] for m in r.json()["matches"]} == SALES


def test_lookup_by_esco_uri(client: TestClient) -> None:
    esco = next(m["match_id"] for m in client.get(
        "/crosswalks/lookup", params={"code": "11-2022.00"}).json()["matches"])
    r = client.get("/crosswalks/lookup", params={"uri": esco})
    assert r.status_code == 200
    assert [m["match_id"] for m in r.json()["matches"]] == [
        "https://w3id.org/nsxkg/id/occupation/11-2022.00"]


@pytest.mark.parametrize(("params", "status"), [
    ({"code": "11-2022"}, 404),  # a well-formed SOC code this graph does not hold
    ({"code": "sales"}, 400),
    ({"code": "11-2022.00\\"}, 400),
    ({"uri": "javascript:alert(1)"}, 400),
    ({"uri": "http://example.org/x> } UNION { ?s ?p ?o"}, 400),
    ({}, 400),
])
def test_lookup_errors(client: TestClient, params: dict[str, str], status: int) -> None:
    assert client.get("/crosswalks/lookup", params=params).status_code == status


def test_occupation_page_shows_matches(client: TestClient) -> None:
    html = client.get("/doc/occupation/11-2022.00", headers={"Accept": "text/html"}).text
    assert 'id="crosswalk"' in html
    for label in SALES:
        assert label in html
