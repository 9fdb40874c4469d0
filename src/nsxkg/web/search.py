"""Label search over occupations, skills and titles, for the search box and its autocomplete.

Search never builds SPARQL from what a user typed: the labels are read once per build into
memory, and matching is plain Python over normalised words. Every word typed must be the
start of some word of a label, so "sales man" finds "Sales Managers".
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass

import pyoxigraph as ox

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# (kind shown to people, SPARQL pattern binding ?iri ?label [?target ?targetLabel])
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
_KIND_RANK = {"occupation": 0, "title": 1, "skill": 2, "knowledge": 3, "ability": 4,
              "work style": 5, "technology": 6}

PREFIXES = """PREFIX nsx: <https://w3id.org/nsxkg/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


def words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(text)]


@dataclass(frozen=True)
class Hit:
    label: str
    iri: str
    kind: str
    name: str  # the resource's own label (for a title: its occupation's)


@dataclass(frozen=True)
class _Entry:
    hit: Hit
    words: tuple[str, ...]
    folded: str


class LabelIndex:
    def __init__(self, entries: list[Hit]):
        seen: set[tuple[str, str, str]] = set()
        self._entries: list[_Entry] = []
        postings: dict[str, set[int]] = defaultdict(set)
        for hit in entries:
            key = (hit.label.casefold(), hit.iri, hit.kind)
            if key not in seen:
                seen.add(key)
                label_words = words(hit.label)
                for word in label_words:
                    postings[word].add(len(self._entries))
                self._entries.append(_Entry(hit, tuple(label_words), " ".join(label_words)))
        # Sorted words, so the words starting with a typed prefix are one bisect away.
        self._words = sorted(postings)
        self._postings = [postings[w] for w in self._words]

    def _starting_with(self, prefix: str) -> set[int]:
        found: set[int] = set()
        start = bisect.bisect_left(self._words, prefix)
        for index in range(start, len(self._words)):
            if not self._words[index].startswith(prefix):
                break
            found |= self._postings[index]
        return found

    def __len__(self) -> int:
        return len(self._entries)

    @classmethod
    def from_store(cls, store: ox.Store) -> LabelIndex:
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
        return cls([Hit(label, iri, kind, names.get(iri, label)) for kind, iri, label in rows])

    def search(self, query: str, limit: int = 10) -> list[Hit]:
        wanted = words(query)
        if not wanted:
            return []
        phrase = " ".join(wanted)
        # Every typed word must start some word of the label: intersect the postings.
        candidates: set[int] | None = None
        for prefix in sorted(set(wanted), key=len, reverse=True):
            matching = self._starting_with(prefix)
            candidates = matching if candidates is None else candidates & matching
            if not candidates:
                return []
        scored: list[tuple[tuple[int, int, int, str], Hit]] = []
        for index in candidates or ():
            entry = self._entries[index]
            exactness = 0 if entry.folded == phrase else 1 if entry.folded.startswith(phrase) \
                else 2
            scored.append(((exactness, _KIND_RANK.get(entry.hit.kind, 9), len(entry.words),
                            entry.folded), entry.hit))
        scored.sort(key=lambda pair: pair[0])
        hits: list[Hit] = []
        seen: set[str] = set()
        for _, hit in scored:
            # One line per resource: the best-matching label wins.
            if hit.iri not in seen:
                seen.add(hit.iri)
                hits.append(hit)
            if len(hits) >= limit:
                break
        return hits
