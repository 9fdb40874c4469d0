"""``SERVICE nsx:textSearch`` (textsearch.py) over the framework build's text index: what it
binds, what it restricts, and the clear refusals; no search text can break the query."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nsxkg.errors import QueryError
from nsxkg.query import run
from nsxkg.textindex import TooManyMatches
from nsxkg.textsearch import TextSearchError, expand

HEAD = """PREFIX nsx: <https://w3id.org/nsxkg/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""


def rows(loaded: Any, body: str, most: int = 100_000) -> list[dict[str, ox.Term]]:
    result = run(loaded.store, HEAD + body, text=loaded.text, most=most)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: sol[n] for n in names if sol[n] is not None} for sol in result]


def test_binds_resource_literal_property_score_and_snippet(loaded: Any) -> None:
    found = rows(loaded, """SELECT * WHERE {
      SERVICE nsx:textSearch {
        ?s nsx:searchQuery "negotiation" ; nsx:searchClass nsx:Statement ;
           nsx:matchedText ?text ; nsx:matchedProperty ?p ; nsx:relevance ?score ;
           nsx:snippet ?snippet .
      }
      ?s ?p ?text .  # the literal is the graph's own: it joins with its triple
    } ORDER BY DESC(?score)""")
    assert len(found) >= 5
    assert all(r["snippet"].value.count("<b>") >= 1 for r in found)
    assert {r["p"].value for r in found} == {"http://purl.org/dc/terms/title",
                                             "https://w3id.org/nsxkg/def#statementText"}
    scores = [float(r["score"].value) for r in found]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0
    assert found[0]["score"].datatype == ox.NamedNode("http://www.w3.org/2001/XMLSchema#double")
    assert all(r["text"].language == "en" for r in found)


def test_restrictions_property_class_language_resource_limit(loaded: Any) -> None:
    def count(params: str, query: str = "sales") -> int:
        return len(rows(loaded, f"""SELECT ?s WHERE {{ SERVICE nsx:textSearch {{
          ?s nsx:searchQuery "{query}" {params} }} }}"""))

    everything = count("")
    assert everything > count("; nsx:searchProperty dcterms:title") > 0
    # A class restriction takes subclasses: nsx:Statement finds all three kinds.
    statements = count("; nsx:searchClass nsx:Statement")
    kinds = sum(count(f"; nsx:searchClass nsx:{k}") for k in
                ("MasteryStatement", "AIUseStatement", "DurableSkillStatement"))
    assert statements == kinds > 0
    assert count("; nsx:searchClass nsx:Occupation") == 1  # Sales Managers
    assert count("; nsx:searchLanguage \"en\"") == everything
    assert count("; nsx:searchLanguage \"de\"") == 0
    assert count("; nsx:searchLimit 2") == 2
    assert count("; nsx:searchClass <https://example.org/NoSuchClass>") == 0
    one = rows(loaded, """SELECT ?text WHERE { SERVICE nsx:textSearch {
      <https://w3id.org/nsxkg/id/occupation/11-2022.00> nsx:searchQuery "manag*" ;
      nsx:matchedText ?text } }""")
    assert {r["text"].value for r in one} >= {"Sales Managers"}


def test_joins_with_the_rest_of_the_query(loaded: Any) -> None:
    found = rows(loaded, """SELECT DISTINCT ?level WHERE {
      SERVICE nsx:textSearch { ?s nsx:searchQuery "negotiat*" ;
                                  nsx:searchClass nsx:MasteryStatement }
      ?s nsx:level/skos:prefLabel ?level . }""")
    assert found and all(isinstance(r["level"], ox.Literal) for r in found)


@pytest.mark.parametrize(("block", "reason"), [
    ('?s nsx:searchQuery ""', "nsx:searchQuery is empty"),
    ('?s nsx:searchQuery "   "', "nsx:searchQuery is empty"),
    ("?s nsx:searchQuery ?q", "must be a constant string, not the variable ?q"),
    ("?s nsx:searchQuery 42", "must be a string"),
    ('?s nsx:matchedText ?t', "nsx:searchQuery is missing"),
    ('?s nsx:searchQuery "a", "b"', "given more than once"),
    ('?s nsx:searchQuery "a" ; nsx:colour "red"', "unknown parameter"),
    ('?s nsx:searchQuery "a" ; nsx:searchLimit 0', "from 1 to 100,000"),
    ('?s nsx:searchQuery "a" ; nsx:searchLimit ?n', "must be a constant integer"),
    ('?s nsx:searchQuery "a" ; nsx:searchLanguage "not a tag!"', "language tag"),
    ('?s nsx:searchQuery "a" ; nsx:matchedText "x"', "must be a variable"),
    ('?s nsx:searchQuery "a" ; nsx:matchedText ?s', "?s is bound to the matched resource"),
    ('?s nsx:searchQuery "a" . ?t nsx:searchQuery "b"', "one search per SERVICE"),
    ('?s nsx:searchQuery "NOT sales"', "cannot be read: a search needs"),
    ('?s nsx:searchQuery "(sales"', "opening parenthesis is not closed"),
    ("", "the group is empty"),
])
def test_refused_with_the_reason_and_position(loaded: Any, block: str, reason: str) -> None:
    query = HEAD + f"SELECT * WHERE {{\n  SERVICE nsx:textSearch {{ {block} }}\n}}"
    with pytest.raises(TextSearchError, match=reason.replace("?", r"\?").replace("(", r"\(")):
        expand(query, loaded.text, most=100_000)
    with pytest.raises(QueryError, match="nsx:textSearch at line [56], column"):
        run(loaded.store, query, text=loaded.text)


def test_more_matches_than_the_limit_is_refused_not_cut(loaded: Any) -> None:
    query = HEAD + 'SELECT * WHERE { SERVICE nsx:textSearch { ?s nsx:searchQuery "s*" } }'
    with pytest.raises(TooManyMatches):
        expand(query, loaded.text, most=10)
    limited = query.replace('"s*"', '"s*" ; nsx:searchLimit 10')
    assert "VALUES (?s)" in expand(limited, loaded.text, most=10)


def test_queries_without_it_are_left_alone(loaded: Any) -> None:
    query = HEAD + 'SELECT * WHERE { ?s skos:prefLabel "textSearch" } # SERVICE'
    assert expand(query, loaded.text, most=10) == query
    other = HEAD + "SELECT * WHERE { SERVICE <https://example.org/sparql> { ?s ?p ?o } }"
    assert expand(other, loaded.text, most=10) == other


def test_prefix_and_full_iri_and_anonymous_subject(loaded: Any) -> None:
    query = """PREFIX t: <https://w3id.org/nsxkg/def#>
SELECT ?text WHERE { SERVICE SILENT <https://w3id.org/nsxkg/def#textSearch> {
  [ t:searchQuery '''sales''' ; t:matchedText ?text ] } }"""
    result = run(loaded.store, query, text=loaded.text)
    assert isinstance(result, ox.QuerySolutions)
    assert len(list(result)) > 3


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture],
          database=None)
@given(text=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40))
def test_no_search_string_breaks_the_query(loaded: Any, text: str) -> None:
    literal = str(ox.Literal(text))  # as a client would write the string, escaped
    query = HEAD + f"""SELECT ?s ?t ?snippet WHERE {{ SERVICE nsx:textSearch {{
      ?s nsx:searchQuery {literal} ; nsx:matchedText ?t ; nsx:snippet ?snippet }} }}"""
    try:
        expanded = expand(query, loaded.text, most=100_000)
    except TextSearchError as err:
        assert "nsx:textSearch at line" in str(err)
        return
    result = loaded.store.query(expanded, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    for solution in result:
        assert isinstance(solution["t"], ox.Literal)
