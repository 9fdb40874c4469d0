"""The search language (textquery.py): what people type, read into a tree and written as FTS5.

Whatever is typed, the result is either a clear SearchSyntaxError or an FTS5 expression that
SQLite accepts: hypothesis throws arbitrary text at it and runs every expression it writes.
"""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nsxkg.textquery import (
    SearchSyntaxError,
    Term,
    parse,
    positive_terms,
    snippet,
    stem,
    stem_text,
    to_fts,
)


@pytest.mark.parametrize(("typed", "fts"), [
    ("negotiation", 'stem : "negoti"'),
    ("Negotiating", 'stem : "negoti"'),
    ("negotiat*", 'exact : "negotiat" *'),
    ('"customer service"', 'exact : "customer service"'),
    ('"customer serv"*', 'exact : "customer serv" *'),
    ("e-mail", 'exact : "e mail"'),
    ("sales managers", '(stem : "sale" AND stem : "manag")'),
    ("sales AND managers", '(stem : "sale" AND stem : "manag")'),
    ("nurse OR midwife", '(stem : "nurs" OR stem : "midwif")'),
    ("sales NOT retail", '((stem : "sale") NOT (stem : "retail"))'),
    ("sales -retail -\"car lot\"",
     '((stem : "sale") NOT (stem : "retail" OR exact : "car lot"))'),
    ("(sales OR marketing) manag*",
     '((stem : "sale" OR stem : "market") AND exact : "manag" *)'),
    ("café", 'stem : "cafe"'),
    ("or and", '(stem : "or" AND stem : "and")'),  # lower case: words, not operators
    ('say "hi', '(stem : "say" AND exact : "hi")'),  # an unclosed quote ends the text
])
def test_search_language(typed: str, fts: str) -> None:
    assert to_fts(parse(typed)) == fts


@pytest.mark.parametrize(("typed", "reason"), [
    ("", "no words"),
    ("   !!! ---  ", "no words"),
    ("NOT sales", "not excluded"),
    ("-sales", "not excluded"),
    ("sales OR NOT retail", "not excluded"),
    ("(sales", "not closed"),
    ("sales)", "no opening"),
    ("sales OR", "each side"),
    ("OR sales", "each side"),
    ("sales NOT", "term after it"),
    (" ".join(f"w{i}" for i in range(70)), "more than 64 terms"),
])
def test_unreadable_searches_say_why(typed: str, reason: str) -> None:
    with pytest.raises(SearchSyntaxError, match=reason):
        parse(typed)


def test_stemming_is_english_and_folds_case_and_accents() -> None:
    assert stem("Negotiations") == stem("negotiating") == stem("negotiate")
    assert stem_text("Négociations, RÉSUMÉ") == f"{stem('negociations')} {stem('resume')}"


def test_snippet_marks_what_matched() -> None:
    terms = positive_terms(parse('negotiation OR "contract terms" OR price*'))
    text = "Negotiates contract terms, prices and pricing; renegotiation is rare."
    # A prefix is matched as written (pricing does not start with price).
    assert snippet(text, terms) == ("<b>Negotiates contract terms</b>, <b>prices</b> and "
                                    "pricing; renegotiation is rare.")
    long = " ".join(["filler"] * 60 + ["negotiate"] + ["tail"] * 60)
    cut = snippet(long, [Term(("negotiation",))])
    assert cut.startswith("…") and cut.endswith("…") and "<b>negotiate</b>" in cut
    assert len(cut.split()) < 30


@pytest.fixture(scope="module")
def fts() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE fts USING fts5(exact, stem, content='', "
               "tokenize='unicode61 remove_diacritics 2', prefix='2 3')")
    db.execute("INSERT INTO fts (rowid, exact, stem) VALUES (1, ?, ?)",
               ("Negotiate prices", stem_text("Negotiate prices")))
    return db


SEARCH_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)
OPERATOR_SOUP = st.lists(st.sampled_from(
    ["AND", "OR", "NOT", "(", ")", '"', "*", "-", "negotiat", "price", " ", "\x00", ":",
     "^", "NEAR", "{", "}", "+", "é"]), max_size=25).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          database=None)
@given(typed=st.one_of(SEARCH_TEXT, OPERATOR_SOUP))
def test_no_search_text_makes_an_fts5_syntax_error(fts: sqlite3.Connection, typed: str) -> None:
    try:
        expression = to_fts(parse(typed))
    except SearchSyntaxError:
        return
    fts.execute("SELECT rowid FROM fts WHERE fts MATCH ?", (expression,)).fetchall()
