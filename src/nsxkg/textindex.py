"""The text index of a build: every literal people search in, in SQLite FTS5, made at load.

``nsxkg load`` reads the literals below from the store once and writes ``text.sqlite`` into
the loaded build's directory; like the build, it never changes afterwards, and servers open it
read-only (``immutable=1``: no locks, no journal). Three things read it:

* SPARQL, through the ``nsx:textSearch`` SERVICE pattern (``nsxkg.textsearch``);
* the ``/search`` page (full text, ranked by BM25, with snippets);
* the autocomplete of the search box and of the query editor (``labels``: names only).

Ranking by BM25 reads every match's length, about 2 µs a match: a word that is in a third of
a thousand frameworks' statements ("sales": 260,000 literals) costs half a second to rank.
So the best :data:`TOP_KEPT` matches of each word in at least :data:`TOP_FROM` literals are
ranked once, here, by the same SQL a search runs (table ``top``), and a search for that word
alone reads them; the autocomplete matches names in an index of names alone (``name_fts``),
not in every literal.

What is indexed is chosen by class and property, never by IRI shape: each source is a class
and the text properties read from its instances (:data:`SOURCES`). Each literal is one row:
its resource, property, text, language and datatype, the resource's kind (shown to people)
and, for names, the resource a name leads to (an alternate title leads to its occupation).
The FTS5 table has two columns over the same text (textquery.py): ``exact``, as written, and
``stem``, every word replaced by its English stem. The classes of each indexed resource, with
their superclasses from the ontology, are kept too, so a search restricted to
``nsx:Statement`` finds every kind of statement.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from nsxkg.kept import open_kept
from nsxkg.namespaces import DCTERMS, ESCO, NSX, OWL, RDFS, SKOS
from nsxkg.textquery import (
    Node,
    parse,
    positive_terms,
    snippet,
    stem_match,
    stem_text,
    to_fts,
    words,
)

TEXT_FILE = "text.sqlite"
SCHEMA_VERSION = 2  # 2: the ``top`` and ``name_fts`` tables
# A word matching at least this many literals has its best matches ranked at load; below it a
# search ranks its matches in a few milliseconds.
TOP_FROM = 1_000
# As many as the search page shows at most (20 per page, 50 pages) and one to tell "more".
TOP_KEPT = 1_001

LABEL = (SKOS.prefLabel, SKOS.altLabel, SKOS.notation, RDFS.label, NSX.relatedTitle)
DESCRIBED = (SKOS.prefLabel, SKOS.definition)


@dataclass(frozen=True)
class Source:
    """The instances of ``cls`` and the literal values of ``properties`` to index."""

    kind: str  # shown to people
    cls: ox.NamedNode
    properties: tuple[ox.NamedNode, ...]
    # Names of this class lead the autocomplete to ``via``'s object (an occupation) when set.
    via: ox.NamedNode | None = None
    named: bool = True  # whether its names are autocomplete entries


SOURCES: tuple[Source, ...] = (
    Source("occupation", NSX.Occupation,
           (SKOS.prefLabel, SKOS.notation, SKOS.altLabel, SKOS.definition)),
    Source("title", NSX.AlternateTitle, (SKOS.prefLabel, NSX.shortTitle), named=False),
    Source("title", NSX.ReportedTitle, (SKOS.prefLabel,), named=False),
    Source("title", NSX.FrameworkRelease, (NSX.relatedTitle,), via=NSX.occupation),
    Source("task", NSX.Task, (SKOS.prefLabel,), named=False),
    Source("emerging task", NSX.EmergingTask, (SKOS.prefLabel,), named=False),
    Source("element", NSX.ContentModelElement, DESCRIBED),
    # A framework anchors O*NET skills, knowledge, … typed by family only (the O*NET
    # releases also type them nsx:ContentModelElement): a framework-only build has them so.
    Source("element", NSX.ONetSkill, DESCRIBED),
    Source("element", NSX.Knowledge, DESCRIBED),
    Source("element", NSX.Ability, DESCRIBED),
    Source("element", NSX.WorkStyle, DESCRIBED),
    Source("skill", NSX.DurableSkillDomain, DESCRIBED),
    Source("work activity", NSX.WorkActivity, (SKOS.prefLabel,)),
    Source("technology", NSX.TechnologyCategory, (SKOS.prefLabel,)),
    Source("technology example", NSX.TechnologySkill, (SKOS.prefLabel,), named=False),
    Source("ESCO occupation", ESCO.Occupation,
           (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, SKOS.definition,
            SKOS.scopeNote), named=False),
    Source("SOC group", NSX.SOCGroup, DESCRIBED, named=False),
    Source("programme", NSX.EducationProgram, DESCRIBED, named=False),
    Source("statement", NSX.MasteryStatement, (DCTERMS.title, NSX.statementText), named=False),
    Source("statement", NSX.AIUseStatement, (DCTERMS.title, NSX.statementText), named=False),
    Source("statement", NSX.DurableSkillStatement, (DCTERMS.title, NSX.statementText),
           named=False),
    Source("source", NSX.Source, (SKOS.prefLabel, DCTERMS.title), named=False),
    Source("class", OWL.Class, (RDFS.label, SKOS.definition)),
    Source("property", OWL.ObjectProperty, (RDFS.label, SKOS.definition)),
    Source("property", OWL.DatatypeProperty, (RDFS.label, SKOS.definition)),
)

# The kind a resource is shown as, most specific class first (an O*NET skill is an element).
KIND_OF_CLASS: dict[str, str] = {
    NSX.ONetSkill.value: "skill", NSX.Knowledge.value: "knowledge",
    NSX.Ability.value: "ability", NSX.WorkStyle.value: "work style",
}
# Resources of these kinds are listed first when names match equally well.
KIND_RANK = {"occupation": 0, "title": 1, "skill": 2, "knowledge": 3, "ability": 4,
             "work style": 5, "technology": 6, "element": 7, "work activity": 8}

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE iri (id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE);
CREATE TABLE doc (id INTEGER PRIMARY KEY, resource INTEGER NOT NULL, property INTEGER NOT NULL,
                  text TEXT NOT NULL, lang TEXT, datatype INTEGER, kind TEXT NOT NULL);
CREATE TABLE resource_class (class INTEGER NOT NULL, resource INTEGER NOT NULL,
                             PRIMARY KEY (class, resource)) WITHOUT ROWID;
-- Autocomplete entries: one per distinct (name, target); `doc` is the row it came from.
CREATE TABLE name (doc INTEGER PRIMARY KEY, target INTEGER NOT NULL, kind TEXT NOT NULL,
                   folded TEXT NOT NULL, nwords INTEGER NOT NULL, kind_rank INTEGER NOT NULL);
-- The display name of a resource (an occupation's title, a term's label).
CREATE TABLE display (resource INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE VIRTUAL TABLE fts USING fts5(exact, stem, content='',
    tokenize='unicode61 remove_diacritics 2', prefix='2 3');
-- The names alone (rowid: the doc), for the autocomplete.
CREATE VIRTUAL TABLE name_fts USING fts5(exact, content='',
    tokenize='unicode61 remove_diacritics 2', prefix='2 3');
-- The best matches of a frequent word's FTS5 expression, ranked as _SEARCH_ALL ranks them.
CREATE TABLE top (match TEXT NOT NULL, rank INTEGER NOT NULL, doc INTEGER NOT NULL,
                  score REAL NOT NULL, PRIMARY KEY (match, rank)) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class Doc:
    resource: str
    property: str
    text: str
    lang: str | None
    datatype: str | None
    kind: str


@dataclass(frozen=True)
class Corpus:
    """What the index is made of, read from a store (or given by a test)."""

    docs: list[Doc]
    classes: dict[str, set[str]]  # resource -> its classes and their superclasses
    names: list[tuple[Doc, str]]  # (a name, the resource it leads to)


def _select(store: ox.Store, query: str) -> Iterator[ox.QuerySolution]:
    result = store.query(query, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    yield from result


def from_store(store: ox.Store) -> Corpus:
    supers: dict[str, set[str]] = {}
    for sol in _select(store, f"SELECT ?c ?super WHERE {{ ?c <{RDFS.subClassOf.value}>+ "
                              f"?super FILTER(isIRI(?c) && isIRI(?super)) }}"):
        supers.setdefault(sol["c"].value, set()).add(sol["super"].value)
    docs: dict[tuple[str, str, str, str | None, str | None], Doc] = {}
    classes: dict[str, set[str]] = {}
    # Each value read from the store is a new string: one copy per IRI, not per literal
    # (with a thousand frameworks, 500 MB less at the load's peak).
    strings: dict[str, str] = {}

    def shared(text: str) -> str:
        return strings.setdefault(text, text)

    names: list[tuple[Doc, str]] = []
    for source in SOURCES:
        via = f"OPTIONAL {{ ?s <{source.via.value}> ?target }}" if source.via else ""
        for prop in source.properties:
            # One property at a time, typed subject first: oxigraph then starts from the
            # class (ms) rather than from every value of the property (seconds). DISTINCT:
            # the same triple is in each release's graph.
            rows = _select(store, f"SELECT DISTINCT ?s ?o ?target WHERE {{ "
                                  f"?s a <{source.cls.value}> . ?s <{prop.value}> ?o . {via} }}")
            prop_iri = prop.value
            for sol in rows:
                subject, obj = sol["s"], sol["o"]
                if not isinstance(subject, ox.NamedNode) or not isinstance(obj, ox.Literal):
                    continue
                lang = obj.language
                datatype = None if lang else shared(obj.datatype.value)
                resource = shared(subject.value)
                key = (resource, prop_iri, obj.value, lang, datatype)
                doc = docs.get(key)
                if doc is None:
                    doc = docs[key] = Doc(resource, prop_iri, key[2], lang, datatype,
                                          source.kind)
                    classes.setdefault(resource, set()).add(source.cls.value)
                target = sol["target"]
                if source.named and prop in LABEL and (source.via is None
                                                       or target is not None):
                    names.append((doc, target.value if target is not None
                                  else subject.value))
    # The classes of an indexed resource: its source's class, the subclasses of it the
    # ontology declares that the resource is an instance of (an O*NET skill is an element),
    # and their superclasses; a search restricted to a class finds its subclasses' instances.
    # (Asking for every rdf:type of every resource instead walks millions of triples.)
    for source in SOURCES:
        for sub in sorted(c for c, ups in supers.items() if source.cls.value in ups):
            for sol in _select(store, f"SELECT DISTINCT ?s WHERE {{ ?s a <{sub}> , "
                                      f"<{source.cls.value}> }}"):
                found = classes.get(sol["s"].value)
                if found is not None:
                    found.add(sub)
    for found in classes.values():
        for cls in list(found):
            found |= supers.get(cls, set())
    return Corpus(sorted(docs.values(), key=_order), classes, names)


def _order(doc: Doc) -> tuple[str, str, str, str, str]:
    return (doc.resource, doc.property, doc.text, doc.lang or "", doc.datatype or "")


def kind_of(kind: str, classes: set[str]) -> str:
    for cls, specific in KIND_OF_CLASS.items():
        if cls in classes:
            return specific
    return kind


def fill(db: sqlite3.Connection, corpus: Corpus, *, top_from: int | None = TOP_FROM) -> None:
    """Write the index into an empty database (rows in a fixed order: same build, same
    file contents). Words in ``top_from`` literals or more get their best matches ranked
    (None: not now; :func:`rank_frequent` does it later)."""
    db.executescript(SCHEMA)
    ids: dict[str, int] = {}

    def intern(iri: str) -> int:
        found = ids.get(iri)
        if found is None:
            found = ids[iri] = len(ids) + 1
        return found

    # Rows are handed to SQLite as they are made: with a thousand frameworks, lists of them
    # added about 240 MB to the load's peak.
    named = {doc for doc, _ in corpus.names}
    doc_ids: dict[Doc, int] = {}

    def doc_rows() -> Iterator[tuple[object, ...]]:
        for number, doc in enumerate(corpus.docs, start=1):
            if doc in named:
                doc_ids[doc] = number
            kind = kind_of(doc.kind, corpus.classes.get(doc.resource, set()))
            yield (number, intern(doc.resource), intern(doc.property), doc.text,
                   doc.lang.lower() if doc.lang else None,
                   intern(doc.datatype) if doc.datatype else None, kind)

    db.executemany("INSERT INTO doc VALUES (?, ?, ?, ?, ?, ?, ?)", doc_rows())
    db.executemany("INSERT INTO fts (rowid, exact, stem) VALUES (?, ?, ?)",
                   ((number, doc.text, stem_text(doc.text))
                    for number, doc in enumerate(corpus.docs, start=1)))
    class_rows = sorted({(intern(c), intern(r)) for r, cs in corpus.classes.items() for c in cs})
    display: dict[int, str] = {}
    name_rows: dict[tuple[str, int], tuple[int, int, str, str, int, int]] = {}
    for doc in corpus.docs:  # a resource's display name: its first label, in LABEL order
        if doc.property in (SKOS.prefLabel.value, RDFS.label.value) \
                and not doc.text[:1].isdigit():
            display.setdefault(ids[doc.resource], doc.text)
    for doc, target in sorted(corpus.names, key=lambda n: (_order(n[0]), n[1])):
        found = words(doc.text)
        folded = " ".join(found)
        key = (folded, intern(target))
        if key in name_rows or not found:
            continue
        kind = "title" if target != doc.resource or doc.property == SKOS.altLabel.value \
            else kind_of(doc.kind, corpus.classes.get(doc.resource, set()))
        name_rows[key] = (doc_ids[doc], intern(target), kind, folded, len(found),
                          KIND_RANK.get(kind, 9))
    db.executemany("INSERT INTO iri VALUES (?, ?)", [(i, iri) for iri, i in ids.items()])
    db.executemany("INSERT INTO resource_class VALUES (?, ?)", class_rows)
    db.executemany("INSERT INTO name VALUES (?, ?, ?, ?, ?, ?)", sorted(name_rows.values()))
    db.executemany("INSERT INTO display VALUES (?, ?)", sorted(display.items()))
    db.executemany("INSERT INTO name_fts (rowid, exact) VALUES (?, ?)",
                   sorted((doc, corpus.docs[doc - 1].text) for doc, *_ in name_rows.values()))
    db.execute("INSERT INTO fts (fts) VALUES ('optimize')")
    db.execute("INSERT INTO name_fts (name_fts) VALUES ('optimize')")
    db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
    db.commit()
    if top_from is not None:
        _rank_frequent(db, top_from)


def rank_frequent(path: Path, top_from: int = TOP_FROM) -> None:
    """Rank the best matches of the frequent words of an index written without them (the
    load does it in another process while it counts the VoID partitions). Until then, or
    without them, a search ranks its matches itself and gets the same answer."""
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        _rank_frequent(db, top_from)
    finally:
        db.close()


def _rank_frequent(db: sqlite3.Connection, top_from: int) -> None:
    db.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, fts, 'col')")
    frequent = [str(term) for (term,) in db.execute(
        "SELECT term FROM temp.vocab WHERE col = 'stem' AND doc >= ? ORDER BY term",
        (top_from,))]
    db.execute("DROP TABLE temp.vocab")
    for term in frequent:
        match = stem_match(term)
        db.execute("INSERT INTO top SELECT :match, row_number() OVER (ORDER BY score DESC, id), "
                   "id, score FROM ("
                   + _TOP + ")", {"match": match, "limit": TOP_KEPT})
    db.commit()


def write(corpus: Corpus, directory: Path, *, rank: bool = True) -> Path:
    path = directory / TEXT_FILE
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode = OFF")  # written once, in a staging directory
        db.execute("PRAGMA synchronous = OFF")  # the load flushes and renames the directory
        fill(db, corpus, top_from=TOP_FROM if rank else None)
    finally:
        db.close()
    return path


# -- reading ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Search:
    """One search: the text, and what it is restricted to (IRIs as strings)."""

    text: str
    properties: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    language: str | None = None
    resource: str | None = None
    limit: int | None = None  # the best ``limit`` matches; None: all of them


@dataclass(frozen=True)
class Match:
    resource: str
    property: str
    text: str
    lang: str | None
    datatype: str | None
    kind: str
    score: float  # BM25, higher is better

    def literal(self) -> ox.Literal:
        if self.lang:
            return ox.Literal(self.text, language=self.lang)
        return ox.Literal(self.text, datatype=ox.NamedNode(self.datatype)) if self.datatype \
            else ox.Literal(self.text)


@dataclass(frozen=True)
class Name:
    """An autocomplete entry: a name, the resource it leads to and that resource's name."""

    label: str
    iri: str
    kind: str
    name: str


class TooManyMatches(Exception):
    def __init__(self, limit: int):
        self.limit = limit
        super().__init__(f"the text search matches more than {limit:,} literals")


_SEARCH = """
SELECT d.id, r.iri, p.iri, d.text, d.lang, t.iri, d.kind, -bm25(fts) AS score
FROM fts JOIN doc d ON d.id = fts.rowid
     JOIN iri r ON r.id = d.resource JOIN iri p ON p.id = d.property
     LEFT JOIN iri t ON t.id = d.datatype
WHERE fts MATCH :match {where}
ORDER BY score DESC, d.id LIMIT :limit
"""

# Unrestricted, the best matches are picked inside the full-text index before any join: a
# common word matches hundreds of thousands of literals, and joining each to its resource,
# property and datatype only to keep the first few cost most of the time.
_TOP = """SELECT rowid AS id, -bm25(fts) AS score FROM fts WHERE fts MATCH :match
             ORDER BY score DESC, rowid LIMIT :limit"""
_SEARCH_ALL = """
WITH best AS ({best})
SELECT d.id, r.iri, p.iri, d.text, d.lang, t.iri, d.kind, best.score
FROM best JOIN doc d ON d.id = best.id
     JOIN iri r ON r.id = d.resource JOIN iri p ON p.id = d.property
     LEFT JOIN iri t ON t.id = d.datatype
ORDER BY best.score DESC, d.id
"""
# A frequent word's matches as ranked at load (the rows are in _TOP's order).
_RANKED = """SELECT doc AS id, score FROM top WHERE match = :match AND rank <= :limit"""

# The best name per resource: exact phrase, then phrase prefix, then any order; then by
# kind, fewer words, alphabetically.
_NAMES = """
WITH hit AS (
    SELECT n.*, d.text AS label,
           CASE WHEN folded = :phrase THEN 0
                WHEN substr(folded, 1, :length) = :phrase THEN 1 ELSE 2 END AS exact
    FROM name_fts JOIN name n ON n.doc = name_fts.rowid JOIN doc d ON d.id = n.doc
    WHERE name_fts MATCH :match {where}),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY target
                                 ORDER BY exact, kind_rank, nwords, folded, doc) AS best
    FROM hit)
SELECT label, t.iri, kind, coalesce(s.name, label) FROM ranked
JOIN iri t ON t.id = ranked.target LEFT JOIN display s ON s.resource = ranked.target
WHERE best = 1
ORDER BY exact, kind_rank, nwords, folded, doc LIMIT :limit
"""


class TextIndex:
    """The index of one build, opened read-only; safe to share between threads."""

    def __init__(self, db: sqlite3.Connection):
        self._db = db
        self._lock = threading.Lock()  # one connection, one statement at a time

    @classmethod
    def open(cls, path: Path) -> TextIndex | None:
        """The index file of a loaded build (it never changes, so no locking is needed); None
        when there is none, or it was written by an nsxkg that laid it out otherwise."""
        db = open_kept(path, "schema", str(SCHEMA_VERSION),
                       f"not a text index of this nsxkg's layout (version {SCHEMA_VERSION}); "
                       f"load the build again to make one")
        return None if db is None else cls(db)

    @classmethod
    def of_corpus(cls, corpus: Corpus, *, top_from: int | None = TOP_FROM) -> TextIndex:
        """An index held in memory (tests, and builds loaded before the index existed)."""
        db = sqlite3.connect(":memory:", check_same_thread=False)
        fill(db, corpus, top_from=top_from)
        return cls(db)

    @classmethod
    def for_build(cls, store: ox.Store, build_path: Path) -> TextIndex:
        """From the file ``nsxkg load`` kept beside the build; made in memory when absent."""
        return cls.open(build_path / TEXT_FILE) or cls.of_corpus(from_store(store))

    def close(self) -> None:
        self._db.close()

    def __len__(self) -> int:
        return int(str(self._one("SELECT count(*) FROM doc")))

    def _one(self, sql: str, *params: object) -> object:
        with self._lock:
            row = self._db.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def _id(self, iri: str) -> int | None:
        found = self._one("SELECT id FROM iri WHERE iri = ?", iri)
        return None if found is None else int(str(found))

    def search(self, search: Search, *, most: int) -> tuple[Node, list[Match]]:
        """The matches, best first, and the parsed search (for snippets).

        Without a limit every match is returned, up to ``most``; past it TooManyMatches is
        raised rather than an answer silently cut short. Raises SearchSyntaxError for a
        search that cannot be read.
        """
        tree = parse(search.text)
        where: list[str] = []
        params: dict[str, object] = {"match": to_fts(tree)}
        for name, iris, column in (("p", search.properties, "d.property"),
                                   ("c", search.classes, None)):
            if not iris:
                continue
            found = [i for i in (self._id(iri) for iri in iris) if i is not None]
            if not found:
                return tree, []
            for n, value in enumerate(found):
                params[f"{name}{n}"] = value
            listed = ", ".join(f":{name}{n}" for n in range(len(found)))
            where.append(f"{column} IN ({listed})" if column else
                         f"d.resource IN (SELECT resource FROM resource_class "
                         f"WHERE class IN ({listed}))")
        if search.resource is not None:
            resource = self._id(search.resource)
            if resource is None:
                return tree, []
            where.append("d.resource = :resource")
            params["resource"] = resource
        if search.language is not None:
            where.append("(d.lang = :lang OR d.lang LIKE :lang_prefix)")
            lang = search.language.lower()
            params["lang"], params["lang_prefix"] = lang, lang.replace("%", "") + "-%"
        wanted = search.limit if search.limit is not None else most + 1
        params["limit"] = wanted
        with self._lock:
            if where:
                sql = _SEARCH.format(where="".join(f" AND {w}" for w in where))
            else:
                ranked = wanted <= TOP_KEPT and self._db.execute(
                    "SELECT 1 FROM top WHERE match = ? LIMIT 1", (params["match"],)).fetchone()
                sql = _SEARCH_ALL.format(best=_RANKED if ranked else _TOP)
            rows = self._db.execute(sql, params).fetchall()
        if search.limit is None and len(rows) > most:
            raise TooManyMatches(most)
        return tree, [Match(r[1], r[2], r[3], r[4], r[5], r[6], round(float(r[7]), 4))
                      for r in rows]

    @staticmethod
    def snippet(tree: Node, match: Match) -> str:
        return snippet(match.text, positive_terms(tree))

    def names(self, text: str, limit: int = 10, kinds: Iterable[str] = ()) -> list[Name]:
        """Autocomplete: resources one of whose names has a word starting with each word
        typed ("sales man" finds Sales Managers), best first, one line per resource."""
        typed = words(text)
        if not typed:
            return []
        phrase = " ".join(typed)
        match = " AND ".join('exact : "' + w + '" *' for w in sorted(set(typed)))
        params: dict[str, object] = {"phrase": phrase, "length": len(phrase), "limit": limit,
                                     "match": match}
        wanted = list(kinds)
        where = ""
        if wanted:
            for n, kind in enumerate(wanted):
                params[f"k{n}"] = kind
            where = " AND n.kind IN (" + ", ".join(f":k{n}" for n in range(len(wanted))) + ")"
        with self._lock:
            rows = self._db.execute(_NAMES.format(where=where), params).fetchall()
        return [Name(*row) for row in rows]

    def named(self, kind: str) -> set[str]:
        """The resources of one kind that have autocomplete entries (terms of the ontology:
        "class", "property")."""
        with self._lock:
            rows = self._db.execute("SELECT DISTINCT i.iri FROM name n JOIN iri i "
                                    "ON i.id = n.target WHERE n.kind = ?", (kind,)).fetchall()
        return {str(r[0]) for r in rows}

    def names_of(self, iris: Iterable[str]) -> dict[str, str]:
        """:meth:`name_of` for several resources at once (those without a name left out)."""
        wanted = sorted(set(iris))
        if not wanted:
            return {}
        marks = ", ".join("?" * len(wanted))
        with self._lock:
            rows = self._db.execute(f"SELECT i.iri, s.name FROM iri i JOIN display s "
                                    f"ON s.resource = i.id WHERE i.iri IN ({marks})",
                                    wanted).fetchall()
        return {str(iri): str(name) for iri, name in rows}

    def name_of(self, iri: str) -> str | None:
        return self.names_of([iri]).get(iri)
