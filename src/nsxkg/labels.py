"""The labels the search box matches, read from a store once per build and kept beside it.

Reading them takes nine SPARQL queries over the whole graph, and indexing the ~350 k labels
of the full graph (mostly O*NET alternate titles) took seconds of Python at every start-up.
``nsxkg load`` now does both once and writes the index as an SQLite file,
``labels.sqlite``, into the loaded build's directory; a server opens it read-only in
milliseconds, and the operating system pages it in as searches touch it.

The index: one row per distinct (label, resource, kind), and one row per (word, label) where
words are casefolded runs of letters and digits. A typed word matches a label when it starts
one of the label's words, found by a range scan over the word table.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

LABELS_FILE = "labels.sqlite"

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# Resources of these kinds are listed first when labels match equally well.
KIND_RANK = {"occupation": 0, "title": 1, "skill": 2, "knowledge": 3, "ability": 4,
             "work style": 5, "technology": 6}

SCHEMA = """
CREATE TABLE entry (id INTEGER PRIMARY KEY, label TEXT NOT NULL, iri TEXT NOT NULL,
                    kind TEXT NOT NULL, name TEXT NOT NULL, folded TEXT NOT NULL,
                    nwords INTEGER NOT NULL, kind_rank INTEGER NOT NULL);
CREATE TABLE word (word TEXT NOT NULL, entry INTEGER NOT NULL,
                   PRIMARY KEY (word, entry)) WITHOUT ROWID;
"""

# (kind shown to people, SPARQL pattern binding ?iri ?label)
_SOURCES: tuple[tuple[str, str], ...] = (
    ("occupation", "?iri a nsx:Occupation ; skos:prefLabel ?label ."),
    ("occupation", "?iri a nsx:Occupation ; skos:notation ?label ."),
    ("title", "?iri a nsx:Occupation ; skos:altLabel ?label ."),
    # Anchored on the release: "?iri a nsx:Occupation" here made oxigraph walk every
    # nsx:occupation link (millions of O*NET ratings) — 12 s instead of 1 ms.
    ("title", "?r a nsx:FrameworkRelease ; nsx:relatedTitle ?label ; nsx:occupation ?iri ."),
    ("skill", "VALUES ?c { nsx:ONetSkill nsx:DurableSkillDomain } ?iri a ?c ; "
              "skos:prefLabel ?label ."),
    ("knowledge", "?iri a nsx:Knowledge ; skos:prefLabel ?label ."),
    ("ability", "?iri a nsx:Ability ; skos:prefLabel ?label ."),
    ("work style", "?iri a nsx:WorkStyle ; skos:prefLabel ?label ."),
    ("technology", "?iri a nsx:TechnologyCategory ; skos:prefLabel ?label ."),
)

PREFIXES = """PREFIX nsx: <https://w3id.org/nsxkg/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


@dataclass(frozen=True)
class Hit:
    label: str
    iri: str
    kind: str
    name: str  # the resource's own label (for a title: its occupation's)


def from_store(store: ox.Store) -> list[Hit]:
    names: dict[str, str] = {}
    rows: list[tuple[str, str, str]] = []
    for kind, pattern in _SOURCES:
        result = store.query(PREFIXES + f"SELECT ?iri ?label WHERE {{ {pattern} }}",
                             use_default_graph_as_union=True)
        assert isinstance(result, ox.QuerySolutions)
        for sol in result:
            iri, label = sol["iri"], sol["label"]
            if isinstance(iri, ox.NamedNode) and isinstance(label, ox.Literal):
                rows.append((kind, iri.value, label.value))
                if kind != "title" and not label.value[:1].isdigit():
                    names.setdefault(iri.value, label.value)
    return [Hit(label, iri, kind, names.get(iri, label)) for kind, iri, label in rows]


def words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(text)]


def fill(db: sqlite3.Connection, hits: Iterable[Hit]) -> None:
    """Create the index in an empty database."""
    seen: set[tuple[str, str, str]] = set()
    entries: list[tuple[int, str, str, str, str, str, int, int]] = []
    postings: list[tuple[str, int]] = []
    for hit in hits:
        key = (hit.label.casefold(), hit.iri, hit.kind)
        if key in seen:
            continue
        seen.add(key)
        label_words = words(hit.label)
        number = len(entries)
        entries.append((number, hit.label, hit.iri, hit.kind, hit.name, " ".join(label_words),
                        len(label_words), KIND_RANK.get(hit.kind, 9)))
        postings += [(word, number) for word in set(label_words)]
    db.executescript(SCHEMA)
    db.executemany("INSERT INTO entry VALUES (?, ?, ?, ?, ?, ?, ?, ?)", entries)
    db.executemany("INSERT INTO word VALUES (?, ?)", postings)
    db.commit()


def write(hits: Iterable[Hit], directory: Path) -> None:
    path = directory / LABELS_FILE
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode = OFF")  # written once, in a staging directory
        fill(db, hits)
    finally:
        db.close()
