"""Reading a request's SPARQL text: query form, updates, SERVICE endpoints; and its form
parameters."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nsxkg.web.sparql import _form_params
from nsxkg.web.sparqltext import analyse, by_tokens, disallowed_services, tokenize


@pytest.mark.parametrize(("text", "form"), [
    ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
    ("select * { ?s ?p ?o }", "SELECT"),
    ("PREFIX ex: <http://example.org/>\nASK { ?s ex:p ?o }", "ASK"),
    ("BASE <http://example.org/> PREFIX : <#> CONSTRUCT WHERE { ?s :p ?o }", "CONSTRUCT"),
    ("# SELECT in a comment\nDESCRIBE <http://example.org/a>", "DESCRIBE"),
    ("PREFIX : <http://example.org/> DESCRIBE :a", "DESCRIBE"),
    ("SELECT * WHERE { ?s ?p ?o . FILTER(?o < 3 && ?o > 1) }", "SELECT"),
    ("SELECT * WHERE { ?s ?p '''multi\nline SELECT''' }", "SELECT"),
    ("SELECT * WHERE { ?s ?p \"unterminated }", None),
    ("", None),
])
def test_form(text: str, form: str | None) -> None:
    assert analyse(text).form == form


@pytest.mark.parametrize(("text", "update"), [
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "INSERT"),
    ("PREFIX ex: <http://example.org/> DELETE WHERE { ?s ex:p ?o }", "DELETE"),
    ("load <http://example.org/data>", "LOAD"),
    ("WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "WITH"),
    ("CLEAR ALL", "CLEAR"),
    ("DROP GRAPH <urn:g>", "DROP"),
    ("SELECT * WHERE { ?s <urn:INSERT> 'DELETE' }", None),
])
def test_update(text: str, update: str | None) -> None:
    assert analyse(text).update == update


@pytest.mark.parametrize(("text", "services", "variable"), [
    ("SELECT * WHERE { SERVICE <http://a.example/sparql> { ?s ?p ?o } }",
     ["http://a.example/sparql"], False),
    ("SELECT * WHERE { service silent <http://a.example/sparql> { ?s ?p ?o } }",
     ["http://a.example/sparql"], False),
    ("PREFIX ep: <http://a.example/> SELECT * WHERE { SERVICE ep:sparql { ?s ?p ?o } }",
     ["http://a.example/sparql"], False),
    ("BASE <http://a.example/x/> SELECT * WHERE { SERVICE <../sparql> { ?s ?p ?o } }",
     ["http://a.example/sparql"], False),
    ("SELECT * WHERE { SERVICE ?where { ?s ?p ?o } }", [], True),
    ("SELECT * WHERE { ?s ?p \"SERVICE <http://a.example/>\" }", [], False),
    ("SELECT * WHERE { ?s <http://a.example/SERVICE> ?o } # SERVICE <urn:x>", [], False),
    ("PREFIX ex: <urn:x#> SELECT * WHERE { ?s ex:SERVICE <urn:y> }", [], False),
    ("SELECT * WHERE { ?s ?p 'it''s SERVICE <urn:z>' }", [], False),  # two strings
    ("SELECT * WHERE { ?s ?p 'unterminated SERVICE <urn:z> }", None, False),
])
def test_services(text: str, services: list[str] | None, variable: bool) -> None:
    found = analyse(text)
    if services is None:  # does not tokenize: the SERVICE check fails closed
        assert found.form is None
        assert disallowed_services(found, ["urn:z"]) == ["?unreadable"]
        return
    assert found.services == services
    assert found.variable_service is variable


def test_disallowed() -> None:
    text = ("SELECT * WHERE { SERVICE <http://ok.example/sparql> { ?s ?p ?o } "
            "SERVICE <http://no.example/sparql> { ?s ?p ?o } SERVICE ?v { } }")
    refused = disallowed_services(analyse(text), ["http://ok.example/sparql"])
    assert refused == ["http://no.example/sparql", "?variable"]


def test_tokens_skip_comments_and_keep_strings_whole() -> None:
    tokens = tokenize('SELECT ?x # note\nWHERE { ?x <urn:p> "a # b" }')
    assert tokens is not None
    assert [t.text for t in tokens] == ["SELECT", "?x", "WHERE", "{", "?x", "<urn:p>",
                                        '"a # b"', "}"]


def _examples() -> list[str]:
    from nsxkg.config import PROJECT_ROOT

    return [p.read_text(encoding="utf-8")
            for p in sorted((PROJECT_ROOT / "queries").glob("*/*.rq"))]


@pytest.mark.parametrize("text", [
    *_examples(),
    "PREFIX a: <http://x/> # c\nBASE <http://b/>\n  select * {}", "  ASK{}", "insert data {}",
    "PREFIX : <x> DELETE WHERE {}", "DESCRIBE<x>", "with <g> delete {}",
    "PREFIX x <y> SELECT * {}", "# only a comment", "", "CONSTRUCT WHERE {}",
    "PREFIX é: <http://x/> SELECT * {}", "SELECT * { ?s <http://x/knowledge> ?o }",
    "SELECT * { SERVICE <http://x/sparql> { ?s ?p ?o } }", "SELECT (now() AS ?t) {}",
])
def test_the_quick_reading_agrees_with_the_tokenizer(text: str) -> None:
    quick, full = analyse(text), by_tokens(text)
    assert (quick.form, quick.update, quick.services, quick.variable_service,
            quick.volatile) == (full.form, full.update, full.services,
                                full.variable_service, full.volatile)


@given(st.dictionaries(st.text(min_size=1, max_size=8), st.lists(st.text(max_size=40),
                                                                min_size=1, max_size=3)))
def test_form_parameters_decode_as_parse_qs_does(params: dict[str, list[str]]) -> None:
    raw = urlencode([(k, v) for k, values in params.items() for v in values]).encode()
    assert _form_params(raw) == parse_qs(raw.decode(), keep_blank_values=True)


@pytest.mark.parametrize("raw", [b"q=%zz&r=%4", b"q=a%2", b"q=\\x41%5Cx41+%2B", b"=x&y&&z=",
                                 b"q=%E9", "q=ü".encode()])
def test_malformed_escapes_decode_as_parse_qs_does(raw: bytes) -> None:
    assert _form_params(raw) == parse_qs(raw.decode(), keep_blank_values=True)
