"""The label index behind the search box: every typed word starts a word of the label."""

from __future__ import annotations

import pytest

from nsxkg.web.search import Hit, LabelIndex

OCC = "https://w3id.org/nsxkg/id/occupation/"
INDEX = LabelIndex([
    Hit("Sales Managers", OCC + "11-2022.00", "occupation", "Sales Managers"),
    Hit("Sales Representatives", OCC + "41-4012.00", "occupation", "Sales Representatives"),
    Hit("Channel Manager", OCC + "11-2022.00", "title", "Sales Managers"),
    Hit("Speaking", "https://w3id.org/nsxkg/id/element/2.A.1.d", "skill", "Speaking"),
    Hit("Marketing Managers", OCC + "11-2021.00", "occupation", "Marketing Managers"),
])


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
])
def test_search(query: str, names: list[str]) -> None:
    assert [h.name for h in INDEX.search(query)] == names


def test_one_line_per_resource_and_limit() -> None:
    hits = INDEX.search("man", limit=10)
    assert len({h.iri for h in hits}) == len(hits)
    assert len(INDEX.search("s", limit=2)) == 2
