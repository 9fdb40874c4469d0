"""Label search over occupations, skills and titles, for the search box and its autocomplete.

Search never builds SPARQL from what a user typed: it matches normalised words in the label
index that ``nsxkg load`` wrote beside the build (``nsxkg.labels``), with the typed words
passed as bound SQL parameters. Every word typed must be the start of some word of a label,
so "sales man" finds "Sales Managers".
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pyoxigraph as ox

from nsxkg import labels
from nsxkg.labels import Hit, words

# The best label per resource: exact phrase, then phrase prefix, then any order; then by
# kind, fewer words, alphabetically. {matches} is one range condition per typed word.
_SEARCH = """
WITH hit AS (
    SELECT *, CASE WHEN folded = :phrase THEN 0
                   WHEN substr(folded, 1, :length) = :phrase THEN 1 ELSE 2 END AS exact
    FROM entry WHERE {matches}),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY iri
                                 ORDER BY exact, kind_rank, nwords, folded, iri, id) AS best
    FROM hit)
SELECT label, iri, kind, name FROM ranked WHERE best = 1
ORDER BY exact, kind_rank, nwords, folded, iri, id LIMIT :limit
"""
_MATCH = "id IN (SELECT entry FROM word WHERE word >= :w{i} AND word < :w{i}_end)"
_AFTER_ALL = "\U0010ffff"  # sorts after any character a word can continue with


class LabelIndex:
    def __init__(self, entries: list[Hit]):
        """An index held in memory (tests, and builds loaded without ``labels.sqlite``)."""
        db = sqlite3.connect(":memory:", check_same_thread=False)
        labels.fill(db, entries)
        self._open(db)

    def _open(self, db: sqlite3.Connection) -> None:
        self._db = db
        # Requests run in a thread pool; one connection, one statement at a time.
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: Path) -> LabelIndex:
        """The index file of a loaded build, read-only; it never changes."""
        index = cls.__new__(cls)
        index._open(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1",
                                    uri=True, check_same_thread=False))
        return index

    @classmethod
    def from_store(cls, store: ox.Store) -> LabelIndex:
        return cls(labels.from_store(store))

    @classmethod
    def for_build(cls, store: ox.Store, build_path: Path) -> LabelIndex:
        """From the index ``nsxkg load`` kept beside the build; built when it kept none."""
        path = build_path / labels.LABELS_FILE
        return cls.open(path) if path.is_file() else cls.from_store(store)

    def __len__(self) -> int:
        with self._lock:
            (count,) = self._db.execute("SELECT count(*) FROM entry").fetchone()
        return int(count)

    def search(self, query: str, limit: int = 10) -> list[Hit]:
        wanted = words(query)
        if not wanted:
            return []
        phrase = " ".join(wanted)
        params: dict[str, object] = {"phrase": phrase, "length": len(phrase), "limit": limit}
        prefixes = sorted(set(wanted), key=len, reverse=True)
        for i, prefix in enumerate(prefixes):
            params[f"w{i}"], params[f"w{i}_end"] = prefix, prefix + _AFTER_ALL
        sql = _SEARCH.format(matches=" AND ".join(_MATCH.format(i=i)
                                                  for i in range(len(prefixes))))
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [Hit(*row) for row in rows]


__all__ = ["Hit", "LabelIndex", "words"]
