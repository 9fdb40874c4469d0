"""What `nsxkg load` computes once per build so that servers do not: the text index and the
VoID partitions, equal to computing them from the store."""

from __future__ import annotations

import sqlite3
from typing import Any

import pyoxigraph as ox

from nsxkg import namespaces, partitions
from nsxkg.textindex import TEXT_FILE, Search, TextIndex, from_store


def test_load_keeps_the_text_index_beside_the_build(loaded: Any) -> None:
    path = loaded.build.path / TEXT_FILE
    assert path.is_file()
    kept, counted = TextIndex.open(path), TextIndex.of_corpus(from_store(loaded.store))
    assert len(kept) == len(counted) > 0
    for query in ("sales man", "negotiation", "man", "s", "11-2022"):
        assert kept.names(query, limit=50) == counted.names(query, limit=50)
        assert kept.search(Search(query), most=10_000) == counted.search(Search(query),
                                                                          most=10_000)
    assert TextIndex.for_build(loaded.store, loaded.build.path).names("sales managers")[0] \
        .iri.endswith("/occupation/11-2022.00")


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
    assert len(TextIndex.for_build(loaded.store, tmp_path)) == len(
        TextIndex.open(loaded.build.path / TEXT_FILE))


def test_unrestricted_search_ranks_as_the_joined_one(loaded: Any) -> None:
    # Without restrictions the best matches are picked inside FTS before the joins; with a
    # restriction that keeps everything (every property the matches are on) the joined query
    # runs: both must give the same matches in the same order, limits and ties included.
    index = TextIndex.open(loaded.build.path / TEXT_FILE)
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
