"""Scale-out is replication: several `nsxkg serve` processes over one read-only store
directory answer the same queries identically (README, "Scaling out")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from subprocess_server import get, nsxkg_serve, sparql
from web.web_helpers import OCCUPATION, PREFIXES

QUERY = PREFIXES + """SELECT ?level ?rank (COUNT(?s) AS ?statements) WHERE {
  ?s nsx:occupation <https://w3id.org/nsxkg/id/occupation/11-2022.00> ; nsx:level ?l .
  ?l skos:prefLabel ?level ; nsx:rank ?rank .
} GROUP BY ?level ?rank ORDER BY ?rank ?level"""


@pytest.fixture(scope="module")
def store_dir(loaded: Any) -> Path:
    path: Path = loaded.settings.store_dir
    return path


@pytest.fixture(scope="module")
def replicas(store_dir: Path) -> Iterator[list[str]]:
    """Two single-process servers and one with two uvicorn worker processes, one store."""
    with nsxkg_serve(store_dir) as one, nsxkg_serve(store_dir) as two, \
            nsxkg_serve(store_dir, "--workers", "2") as three:
        yield [one.url, two.url, three.url]


def test_replicas_answer_a_query_identically(replicas: list[str]) -> None:
    answers = [sparql(url, QUERY) for url in replicas]
    assert [status for status, _, _ in answers] == [200, 200, 200]
    bodies = {body for _, _, body in answers}
    assert len(bodies) == 1
    assert b"emerging" in bodies.pop().lower()
    # The same build, so the same validators: a cache in front may mix replicas freely.
    assert len({headers["etag"] for _, headers, _ in answers}) == 1


def test_replicas_serve_the_same_documents_and_search(replicas: list[str]) -> None:
    doc = "/doc/" + OCCUPATION.split("/id/", 1)[1]
    for target, accept in ((doc, "text/turtle"), ("/api/search?q=sales+man", "*/*")):
        answers = [get(url + target, accept) for url in replicas]
        assert {status for status, _, _ in answers} == {200}
        assert len({body for _, _, body in answers}) == 1


def test_every_worker_process_answers(replicas: list[str]) -> None:
    # The --workers 2 server's processes share its port and each opened the store read-only
    # beside the other servers' handles: whichever process takes a request, it succeeds.
    statuses = {sparql(replicas[2], "ASK { ?s ?p ?o }")[0] for _ in range(20)}
    assert statuses == {200}
