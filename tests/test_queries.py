"""Every example query under queries/examples/ runs on the embedded default data and gives
its expected result (kept beside it as .srj or .ttl).

Queries marked ``# data: framework`` run on the framework-only build (``loaded``); those
marked ``# data: releases`` on two releases of a test framework (``loaded_releases``); those
marked ``# data: sources`` on the full build (``full_build``, skipped without
NSXKG_SOURCES). Set NSXKG_REGENERATE=1 to rewrite the expected files, then review the diff.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from nsxkg.catalogue import Catalogue, ParameterError, load_catalogue, parse_query
from nsxkg.config import PROJECT_ROOT
from nsxkg.errors import InputError
from nsxkg.namespaces import RDFS, SH
from nsxkg.query import run
from support import FullBuild, Loaded

QUERIES = PROJECT_ROOT / "queries"
CATALOGUE: Catalogue = load_catalogue(QUERIES)
REGENERATE = os.environ.get("NSXKG_REGENERATE") == "1"
# Examples that call out with SERVICE; their expected result is checked against a local
# second endpoint in tests/web/test_federation.py.
FEDERATED = {"crosswalk-federated-esco"}


def _rows(result: ox.QuerySolutions) -> list[tuple[object, ...]]:
    names = [v.value for v in result.variables]
    return [tuple(sol[n] for n in names) for sol in result]


@pytest.mark.parametrize("query", CATALOGUE.examples, ids=lambda q: q.name)
def test_example_gives_expected_result(query, request: pytest.FixtureRequest) -> None:  # type: ignore[no-untyped-def]
    if query.name in FEDERATED:
        pytest.skip("needs a second endpoint: run with it by tests/web/test_federation.py")
    data: Loaded | FullBuild = request.getfixturevalue(
        {"framework": "loaded", "releases": "loaded_releases"}.get(query.data, "full_build"))
    result = run(data.store, query.bound_text(), text=data.text)
    expected = query.expected
    if isinstance(result, ox.QueryTriples):
        triples = sorted(result, key=str)
        target = expected or query.path.with_suffix(".ttl")
        if REGENERATE:
            target.write_bytes(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"")
        got = {str(t) for t in triples}
        want = {str(t) for t in ox.parse(path=target, format=ox.RdfFormat.TURTLE)}
        assert got == want, f"only in expected: {sorted(want - got)[:5]}\n" \
                            f"only in actual: {sorted(got - want)[:5]}"
        return
    assert isinstance(result, ox.QuerySolutions)
    target = expected or query.path.with_suffix(".srj")
    if REGENERATE:
        target.write_bytes(result.serialize(format=ox.QueryResultsFormat.JSON) or b"")
        result = run(data.store, query.bound_text(), text=data.text)
        assert isinstance(result, ox.QuerySolutions)
    assert target.exists(), f"{query.path}: no expected result; run with NSXKG_REGENERATE=1"
    parsed = ox.parse_query_results(path=target, format=ox.QueryResultsFormat.JSON)
    assert isinstance(parsed, ox.QuerySolutions)
    got, want = _rows(result), _rows(parsed)
    if query.ordered:
        assert got == want
    else:
        assert Counter(map(str, got)) == Counter(map(str, want)), (
            f"only in expected: {sorted(set(map(str, want)) - set(map(str, got)))[:5]}\n"
            f"only in actual: {sorted(set(map(str, got)) - set(map(str, want)))[:5]}")


def test_enough_examples_with_headers() -> None:
    assert len(CATALOGUE.examples) >= 25
    for query in CATALOGUE.examples:
        assert query.title and query.description, query.path


def test_parameters_are_checked() -> None:
    query = CATALOGUE.example("occupation-by-code")
    assert query is not None
    bound = query.bind({"code": "15-1252.00"})
    assert bound[ox.Variable("code")] == ox.Literal("15-1252.00")
    with pytest.raises(ParameterError, match="O\\*NET-SOC code"):
        query.bind({"code": '11-2022.00" } ; DROP ALL'})
    with pytest.raises(ParameterError, match="unknown parameter"):
        query.bind({"nope": "1"})


def test_bound_text_rewrites_only_the_values_block() -> None:
    query = CATALOGUE.example("statements-at-level")
    assert query is not None
    text = query.bound_text({"rank": "+3"})
    assert 'VALUES (?code ?rank) { ("11-2022.00" +3) }' in text
    assert text.replace('("11-2022.00" +3)', '("11-2022.00" 2)') == query.text
    title = CATALOGUE.example("occupation-by-title")
    assert title is not None
    sneaky = 'x" } UNION { ?s ?p ?o } #'
    assert 'VALUES ?title { "x\\" } UNION { ?s ?p ?o } #" }' in title.bound_text({"title": sneaky})


def test_values_block_must_hold_the_header_defaults(tmp_path: Path) -> None:
    head = "# title: T\n# description: D\n# param: code onet-soc = 11-2022.00 | The code\n"
    good = head + 'SELECT ?code WHERE {\n  VALUES ?code { "11-2022.00" }\n}\n'
    (tmp_path / "good.rq").write_text(good, encoding="utf-8")
    assert parse_query(tmp_path / "good.rq", "examples").values_span is not None
    for name, body, message in [
        ("missing", "SELECT ?code WHERE { ?s ?p ?code }", "no VALUES block"),
        ("other", 'SELECT ?code WHERE { VALUES ?code { "15-1252.00" } }', "must hold the defaults"),
        ("nested", 'SELECT ?code WHERE { { VALUES ?code { "11-2022.00" } } }', "top level"),
    ]:
        (tmp_path / f"{name}.rq").write_text(head + body, encoding="utf-8")
        with pytest.raises(InputError, match=message):
            parse_query(tmp_path / f"{name}.rq", "examples")


def test_catalogue_is_loaded_as_rdf(loaded: Loaded) -> None:
    rows = loaded.select("""SELECT ?q ?comment WHERE {
      GRAPH <https://w3id.org/nsxkg/graph/queries> {
        ?q a <http://www.w3.org/ns/shacl#SPARQLExecutable> ; rdfs:comment ?comment } }"""
                         .replace("rdfs:", f"<{RDFS.iri}").replace("comment ?", "comment> ?"))
    names = {str(r["q"]).rsplit("/", 1)[-1] for r in rows}
    assert {q.name for q in CATALOGUE.examples} <= names
    assert {q.name for q in CATALOGUE.qc} <= names
    assert SH.select.value.startswith("http://www.w3.org/ns/shacl#")


def test_example_files_are_named_rq() -> None:
    suffixes = {".rq", ".srj", ".ttl", ".csv"}
    assert all(p.suffix in suffixes for p in (QUERIES / "examples").iterdir())


def test_queries_dir_is_the_project_one() -> None:
    assert Path(QUERIES).is_dir()
