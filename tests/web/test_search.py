"""Autocomplete over the text index: every typed word starts a word of a name, one line per
resource, best match first; names of titles lead to their occupation."""

from __future__ import annotations

import pytest

from nsxkg.namespaces import NSX, RDFS, SKOS
from nsxkg.textindex import Corpus, Doc, TextIndex

OCC = "https://w3id.org/nsxkg/id/occupation/"
SPEAKING = "https://w3id.org/nsxkg/id/element/2.A.1.d"


def _index() -> TextIndex:
    def doc(iri: str, text: str, kind: str, prop: str = SKOS.prefLabel.value) -> Doc:
        return Doc(iri, prop, text, "en", None, kind)

    sales = doc(OCC + "11-2022.00", "Sales Managers", "occupation")
    reps = doc(OCC + "41-4012.00", "Sales Representatives", "occupation")
    channel = doc(OCC + "11-2022.00", "Channel Manager", "occupation", SKOS.altLabel.value)
    speaking = doc(SPEAKING, "Speaking", "element")
    marketing = doc(OCC + "11-2021.00", "Marketing Managers", "occupation")
    term = doc(NSX.Occupation.value, "Occupation", "class", RDFS.label.value)
    docs = [sales, reps, channel, speaking, marketing, term]
    classes = {d.resource: {NSX.Occupation.value} for d in docs if "occupation" in d.resource}
    classes[SPEAKING] = {NSX.ONetSkill.value, NSX.ContentModelElement.value}
    return TextIndex.of_corpus(Corpus(docs, classes, [(d, d.resource) for d in docs]))


INDEX = _index()


@pytest.mark.parametrize(("query", "names"), [
    ("sales man", ["Sales Managers"]),
    ("man sales", ["Sales Managers"]),
    ("SALES", ["Sales Managers", "Sales Representatives"]),
    ("managers", ["Marketing Managers", "Sales Managers"]),
    ("channel", ["Sales Managers"]),  # a title finds its occupation
    ("spe", ["Speaking"]),
    ("sales xyz", []),
    ("", []),
    ("  --  ", []),
    ('"sales" (rep*', ["Sales Representatives"]),  # words only: no syntax here
])
def test_names(query: str, names: list[str]) -> None:
    assert [h.name for h in INDEX.names(query)] == names


def test_kinds_one_line_per_resource_and_limit() -> None:
    assert INDEX.names("spe")[0].kind == "skill"  # the most specific class names the kind
    assert INDEX.names("channel")[0].kind == "title"
    assert [h.iri for h in INDEX.names("occ", kinds=["class"])] == [NSX.Occupation.value]
    hits = INDEX.names("man", limit=10)
    assert len({h.iri for h in hits}) == len(hits)
    assert len(INDEX.names("s", limit=2)) == 2
