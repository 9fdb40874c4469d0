"""What `nsxkg load` computes once per build so that servers do not: the text index and the
VoID partitions, equal to computing them from the store."""

from __future__ import annotations

import shutil
import sqlite3
from typing import Any

import pyoxigraph as ox
import pytest

from nsxkg import namespaces, partitions
from nsxkg.textindex import TEXT_FILE, TOP_KEPT, Search, TextIndex, TooManyMatches, from_store
from nsxkg.textsearch import Expander, TextSearchError, expand

HEAD = "PREFIX nsx: <https://w3id.org/nsxkg/def#>\n"


def test_load_keeps_the_text_index_beside_the_build(loaded: Any) -> None:
    path = loaded.build.path / TEXT_FILE
    assert path.is_file()
    kept, counted = loaded.text(), TextIndex.of_corpus(from_store(loaded.store))
    assert len(kept) == len(counted) > 0
    for query in ("sales man", "negotiation", "man", "s", "11-2022"):
        assert kept.names(query, limit=50) == counted.names(query, limit=50)
        assert kept.search(Search(query), most=10_000) == counted.search(Search(query),
                                                                          most=10_000)
    assert TextIndex.for_build(loaded.store, loaded.build.path).names("sales managers")[0] \
        .iri.endswith("/occupation/11-2022.00")
    shown = {m.resource for m in kept.search(Search("sales"), most=10_000)[1]}
    shown |= {"urn:nothing-here"}
    named = kept.names_of(shown)
    assert named == {i: n for i in shown if (n := kept.name_of(i)) is not None}
    assert len(named) >= 10 and kept.names_of([]) == {}


def test_the_index_covers_every_framework_statement(loaded: Any) -> None:
    statements = loaded.value("""SELECT (COUNT(*) AS ?n) WHERE {
      VALUES ?c { nsx:MasteryStatement nsx:AIUseStatement nsx:DurableSkillStatement }
      ?s a ?c . { ?s dcterms:title ?o } UNION { ?s nsx:statementText ?o } }""")
    db = sqlite3.connect(loaded.build.path / TEXT_FILE)
    (indexed,) = db.execute("SELECT count(*) FROM doc WHERE kind = 'statement'").fetchone()
    assert indexed == int(statements.value) > 100


def test_load_keeps_the_void_partitions_beside_the_build(loaded: Any) -> None:
    assert (loaded.build.path / partitions.PARTITIONS_FILE).is_file()
    assert partitions.for_build(loaded.store, loaded.build.path) == partitions.count(
        loaded.store)


def test_a_build_loaded_without_them_still_serves(loaded: Any, tmp_path: Any) -> None:
    # An older build directory (no files kept): both are computed from the store instead.
    assert partitions.for_build(loaded.store, tmp_path) == partitions.count(loaded.store)
    assert len(TextIndex.for_build(loaded.store, tmp_path)) == len(loaded.text())


def test_an_index_of_another_layout_is_not_read(loaded: Any, tmp_path: Any) -> None:
    # A build loaded by an older nsxkg keeps a text index without the tables this one reads:
    # the server makes one from the store instead, and SPARQL's text search says to reload.
    shutil.copy(loaded.build.path / TEXT_FILE, tmp_path / TEXT_FILE)
    with sqlite3.connect(tmp_path / TEXT_FILE) as db:
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema'")
    db.close()
    assert TextIndex.open(tmp_path / TEXT_FILE) is None
    assert TextIndex.open(tmp_path / "absent.sqlite") is None
    assert len(TextIndex.for_build(loaded.store, tmp_path)) == len(loaded.text())
    with pytest.raises(TextSearchError, match="no text index .* load it again"):
        expand(HEAD + 'SELECT * { SERVICE nsx:textSearch { ?r nsx:searchQuery "sales" } }',
               Expander(tmp_path).index, most=10)


def test_frequent_words_are_ranked_at_load_as_a_search_ranks_them(loaded: Any) -> None:
    # The fixture's words are nowhere near TOP_FROM literals: rank every word in 5 or more
    # here, and compare with an index that ranks none ahead, limits past the kept list and
    # restricted searches (which never read it) included.
    corpus = from_store(loaded.store)
    ranked, plain = (TextIndex.of_corpus(corpus, top_from=5),
                     TextIndex.of_corpus(corpus, top_from=10**9))
    kept = ranked._db.execute("SELECT count(DISTINCT match), count(*) FROM top").fetchone()
    assert kept[0] > 20 and kept[1] > 500
    assert plain._db.execute("SELECT count(*) FROM top").fetchone() == (0,)
    for text in ("sales", "customer", "negotiation", "manage", "sales managers", "zzz"):
        for limit in (1, 7, 50, TOP_KEPT, TOP_KEPT + 1, None):
            search = Search(text, limit=limit)
            assert ranked.search(search, most=100_000) == plain.search(search, most=100_000)
        restricted = Search(text, classes=(namespaces.NSX.Statement.value,), limit=20)
        assert ranked.search(restricted, most=100) == plain.search(restricted, most=100)
    with pytest.raises(TooManyMatches):
        ranked.search(Search("sales"), most=3)


def test_unrestricted_search_ranks_as_the_joined_one(loaded: Any) -> None:
    # Without restrictions the best matches are picked inside FTS before the joins; with a
    # restriction that keeps everything (every property the matches are on) the joined query
    # runs: both must give the same matches in the same order, limits and ties included.
    index = loaded.text()
    for text, limit in (("sales", 7), ("sales OR manage*", None), ("negotiat*", 3),
                        ('"sales managers"', 50)):
        unrestricted = index.search(Search(text, limit=limit), most=100_000)[1]
        joined = index.search(Search(text, limit=limit, properties=tuple(sorted(
            {m.property for m in index.search(Search(text), most=100_000)[1]}))),
            most=100_000)[1]
        assert unrestricted == joined and unrestricted


NSX = namespaces.NSX.iri
SKOS = namespaces.SKOS.iri
SUB = str(namespaces.RDFS.subClassOf)
TYPE = str(namespaces.RDF.type)


def test_the_index_joins_graphs_and_follows_subclasses_through_blank_nodes() -> None:
    # A type in one graph and a label in another; a subclass reached through a blank node
    # (which once made the index's own query ask for a blank node as a class and fail);
    # a literal on a blank node and an IRI object (neither indexed); an escaped literal.
    store = ox.Store()
    store.load(input=(
        f"<{NSX}Special> {SUB} _:mid <urn:g1> .\n"
        f"_:mid {SUB} <{NSX}ONetSkill> <urn:g1> .\n"
        f"<urn:s1> {TYPE} <{NSX}ONetSkill> <urn:g1> .\n"
        f"<urn:s1> {TYPE} <{NSX}Special> <urn:g1> .\n"
        f"_:b {TYPE} <{NSX}ONetSkill> <urn:g1> .\n"
        f'_:b <{SKOS}prefLabel> "blank" <urn:g1> .\n'
        f'<urn:s1> <{SKOS}prefLabel> "Active \\"Listening\\""@en <urn:g2> .\n'
        f'<urn:s1> <{SKOS}prefLabel> "Active \\"Listening\\""@en <urn:g1> .\n'
        f"<urn:s1> <{SKOS}definition> <urn:not-a-literal> <urn:g2> .\n"),
        format=ox.RdfFormat.N_QUADS)
    corpus = from_store(store)
    assert [d.text for d in corpus.docs] == ['Active "Listening"']
    assert {f"{NSX}Special", f"{NSX}ONetSkill"} <= corpus.classes["urn:s1"]
