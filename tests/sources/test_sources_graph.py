"""The whole build from the real releases: counts by SPARQL equal the raw files."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from nsxkg.build import Manifest
from support import PREFIXES, FullBuild

pytestmark = pytest.mark.sources

G = "https://w3id.org/nsxkg/graph/"
SALES = "<https://w3id.org/nsxkg/id/occupation/11-2022.00>"
NEGOTIATION = "<https://w3id.org/nsxkg/id/element/2.B.1.d>"
IMPORTANCE = "<https://w3id.org/nsxkg/id/onet-scale/IM>"


@pytest.fixture(scope="module")
def full(full_build: FullBuild) -> tuple[Manifest, ox.Store]:
    return full_build.manifest, full_build.store


def count(store: ox.Store, pattern: str, graph: str | None = None) -> int:
    where = f"GRAPH <{G}{graph}> {{ {pattern} }}" if graph else pattern
    result = store.query(f"{PREFIXES} SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}",
                         use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    value = next(iter(result))["n"]
    assert isinstance(value, ox.Literal)
    return int(value.value)


@pytest.mark.parametrize(("pattern", "graph", "expected"), [
    ("?o a nsx:Occupation", "onet/29.0", 1016),
    ("?t a nsx:Task", "onet/29.0", 18796),
    ("?t a nsx:AlternateTitle", "onet/29.0", 55120),
    ("?t a nsx:AlternateTitle", "onet/29.3", 56560),
    ("?r a nsx:Rating ; nsx:element/a nsx:ONetSkill", "onet/29.3", 61530),
    ("?r a nsx:Rating ; nsx:element/a nsx:Knowledge", "onet/29.3", 58014),
    ("?o a <http://data.europa.eu/esco/model#Occupation>", "esco/1.2.0", 3039),
    ("?g skos:inScheme <http://data.europa.eu/esco/concept-scheme/isco>", "esco/1.2.0", 619),
    (f"?t a nsx:Task ; nsx:occupation {SALES}", "onet/29.0", 17),
    (f"?r a nsx:Rating ; nsx:occupation {SALES} ; nsx:element/a nsx:ONetSkill", "onet/29.3", 70),
    (f"?r a nsx:Rating ; nsx:occupation {SALES} ; nsx:element/a nsx:Knowledge", "onet/29.3", 66),
    (f"?t a nsx:TechnologySkill ; nsx:occupation {SALES}", "onet/29.0", 103),
    (f"?t a nsx:AlternateTitle ; nsx:occupation {SALES}", "onet/29.0", 46),
])
def test_counts_equal_raw_files(full: tuple[Manifest, ox.Store], pattern: str, graph: str,
                                expected: int) -> None:
    assert count(full[1], pattern, graph) == expected


def test_negotiation_importance_equals_raw_value(full: tuple[Manifest, ox.Store],
                                                 mirror: object) -> None:
    from openpyxl import load_workbook

    path = Path(str(mirror("onet/29.3_excel/Skills.xlsx")))  # type: ignore[operator]
    sheet = load_workbook(path, read_only=True).active
    rows = sheet.iter_rows(values_only=True)
    header = list(next(rows))
    col = {name: header.index(name) for name in ("O*NET-SOC Code", "Element ID", "Scale ID",
                                                 "Data Value")}
    raw = next(r[col["Data Value"]] for r in rows
               if r[col["O*NET-SOC Code"]] == "11-2022.00" and r[col["Element ID"]] == "2.B.1.d"
               and r[col["Scale ID"]] == "IM")
    result = full[1].query(f"""{PREFIXES} SELECT ?v WHERE {{ GRAPH <{G}onet/29.3> {{
        ?r nsx:occupation {SALES} ; nsx:element {NEGOTIATION} ;
           nsx:ratingScale {IMPORTANCE} ; nsx:dataValue ?v }} }}""")
    values = [s["v"] for s in result]  # type: ignore[union-attr]
    assert len(values) == 1
    assert float(values[0].value) == pytest.approx(float(raw))  # type: ignore[union-attr]


def test_framework_and_onet_meet_on_one_occupation(full: tuple[Manifest, ox.Store]) -> None:
    """The seed framework's statements and O*NET's ratings hang off the same IRI."""
    store = full[1]
    assert count(store, f"?s a nsx:MasteryStatement ; nsx:occupation {SALES} . "
                        f"?r a nsx:Rating ; nsx:occupation {SALES} ; nsx:element {NEGOTIATION} ; "
                        f"nsx:ratingScale {IMPORTANCE} ; nsx:dataValue ?v . "
                        f"FILTER(?v >= 3.5)") == 40


def test_release_differences(full: tuple[Manifest, ox.Store]) -> None:
    manifest, store = full
    absent = set(manifest.absent)
    # Skills and Knowledge are in the 29.3 Excel release only.
    assert "O*NET 29.0 (text): Skills" in absent
    assert not any(a.startswith("O*NET 29.3 (excel): Skills") for a in absent)
    # 30.1 Work Styles use the new DR/WI scales.
    scales = store.query(f"""{PREFIXES} SELECT DISTINCT ?s WHERE {{ GRAPH <{G}onet/30.1> {{
        ?r a nsx:Rating ; nsx:ratingScale/skos:notation ?s }} }} ORDER BY ?s""")
    assert [s["s"].value for s in scales] == ["DR", "WI"]  # type: ignore[union-attr]


def test_every_graph_is_a_described_dataset(full: tuple[Manifest, ox.Store]) -> None:
    manifest, store = full
    for info in manifest.graphs:
        if info.kind != "source":
            continue
        ask = store.query(f"""{PREFIXES} ASK {{ GRAPH <{info.iri}> {{
            <{info.iri}> a <http://www.w3.org/ns/dcat#Dataset> ; dcterms:license ?l ;
                dcterms:publisher ?p ; dcterms:rights ?r }} }}""")
        assert bool(ask), info.iri
