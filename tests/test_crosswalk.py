"""Crosswalk mapping sets over the real source mirror: counts, the 11-2022.00 matches,
2010-only codes, and the SSSOM export round trip through the ``sssom`` package."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from nsxkg.catalogue import load_catalogue
from nsxkg.config import PROJECT_ROOT
from nsxkg.crosswalk import export, lookup, mapping_sets, resolve
from nsxkg.errors import InputError
from support import FullBuild

NESTA = Path("crosswalks/nesta_esco_onet_2020/esco_onet_crosswalk_Nov2020.csv")
SALES = {"auction house manager", "sales account manager", "trade regional manager",
         "travel agency manager", "ICT business development manager"}
BASE = "https://w3id.org/nsxkg/"


PREFIXES = """PREFIX nsx: <https://w3id.org/nsxkg/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""


def _select(full_build: FullBuild, query: str) -> list[dict[str, str]]:
    result = full_build.store.query(PREFIXES + query, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: s[n].value for n in names if s[n] is not None} for s in result]


def _nesta_rows(full_build: FullBuild) -> list[dict[str, str]]:
    sources = full_build.settings.sources
    assert sources is not None
    with (sources / NESTA).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_counts_are_input_minus_reported_unmapped(full_build: FullBuild) -> None:
    rows = full_build.manifest.rows
    unmapped = full_build.manifest.unmapped
    for key in ("nesta-2020", "bls-isco08-soc2010", "onet-soc2019-soc2018",
                "cip2020-onet-soc2019"):
        reported = [u for u in unmapped if u.startswith(f"{key} row ")]
        assert rows[f"crosswalk {key}: unmapped rows"] == len(reported)
        assert (rows[f"crosswalk {key}: mapped rows"]
                == rows[f"crosswalk {key}: input rows"] - len(reported)), key
    assert rows["crosswalk nesta-2020: input rows"] == len(_nesta_rows(full_build)) == 1680
    sets = {s.key: s for s in mapping_sets(full_build.store)}
    nesta = rows["crosswalk nesta-2020: mapped rows"] + rows["crosswalk nesta-2020: inherited"]
    assert sets["nesta-2020"].count == nesta
    assert sets["cip2020-onet-soc2019"].count == rows["crosswalk cip2020-onet-soc2019: mapped rows"]


def test_2010_only_codes_are_carried_or_reported(full_build: FullBuild) -> None:
    raw = _nesta_rows(full_build)
    codes_2019 = {r["code"] for r in _select(full_build,
        "SELECT ?code WHERE { ?o a nsx:Occupation ; skos:notation ?code }")}
    old = [r for r in raw if r["onet_code"] not in codes_2019]
    assert len(old) == 325 and len({r["onet_code"] for r in old}) == 143
    unmapped = "\n".join(full_build.manifest.unmapped)
    carried = {r["esco"]: r for r in _select(full_build, """
        SELECT ?esco ?code ?method ?old WHERE { GRAPH ?g {
          ?m owl:annotatedSource ?esco ; owl:annotatedTarget ?o ;
             nsx:codeCarryMethod ?method ; nsx:onetSoc2010Code ?old } ?o skos:notation ?code }""")}
    for r in old:  # every 2010-only row is either carried, with its method, or reported
        if r["concept_uri"] in carried:
            assert carried[r["concept_uri"]]["method"] == "title match"
            assert carried[r["concept_uri"]]["old"] == r["onet_code"]
        else:
            assert r["concept_uri"] in unmapped, r
    # 11-3011.00 Administrative Services Managers is 11-3012.00 in O*NET-SOC 2019
    business = next(r for r in old if r["onet_code"] == "11-3011.00")
    assert carried[business["concept_uri"]]["code"] == "11-3012.00"


def test_sales_managers_lookup_and_sparql(full_build: FullBuild) -> None:
    iri = resolve("11-2022.00", None, BASE)
    direct = {m["match_label"] for m in lookup(full_build.store, iri)
              if m["mapping_set"] == "nesta-2020"
              and m["mapping_justification"].endswith("ManualMappingCuration")}
    assert direct == SALES
    query = load_catalogue(PROJECT_ROOT / "queries").example("crosswalk-esco-for-onet")
    assert query is not None
    result = full_build.store.query(query.bound_text({"code": "11-2022.00"}),
                                    use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    labels = {s["label"].value for s in result if s["label"] is not None}
    assert labels >= SALES
    # inherited matches are marked as such
    inherited = _select(full_build, """SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g {
        ?m nsx:inheritedFrom ?parent ; owl:annotatedProperty skos:broadMatch } }""")
    assert int(str(inherited[0]["n"])) == full_build.manifest.rows[
        "crosswalk nesta-2020: inherited"] > 0


def test_sssom_round_trip(full_build: FullBuild, tmp_path: Path) -> None:
    sssom_parsers = pytest.importorskip("sssom.parsers")
    from sssom.constants import SchemaValidationType
    from sssom.validators import validate

    text = export(full_build.store, "nesta-2020", "sssom", BASE)
    path = tmp_path / "nesta.sssom.tsv"
    path.write_text(text, encoding="utf-8")
    msdf = sssom_parsers.parse_sssom_table(str(path))
    report = validate(msdf, [SchemaValidationType.JsonSchema,
                             SchemaValidationType.PrefixMapCompleteness,
                             SchemaValidationType.StrictCurieFormat], fail_on_error=False)
    assert all(not r.results for r in report.values()), report
    ours = {(r["subject_id"], r["predicate_id"], r["object_id"], r["mapping_justification"])
            for r in csv.DictReader(_body(text), delimiter="\t")}
    theirs = {(r.subject_id, r.predicate_id, r.object_id, r.mapping_justification)
              for r in msdf.df.itertuples()}
    assert theirs == ours and len(ours) == mapping_sets_count(full_build, "nesta-2020")
    assert msdf.metadata["mapping_set_id"].endswith("/mapping-set/nesta-2020")
    assert msdf.metadata["license"] == "https://opensource.org/licenses/MIT"


def _body(text: str) -> io.StringIO:
    return io.StringIO("".join(line for line in text.splitlines(keepends=True)
                               if not line.startswith("#")))


def mapping_sets_count(full_build: FullBuild, key: str) -> int:
    return next(s.count for s in mapping_sets(full_build.store) if s.key == key)


def test_csv_and_jsonld_exports(full_build: FullBuild) -> None:
    rows = list(csv.DictReader(io.StringIO(export(full_build.store, "bls-isco08-soc2010",
                                                  "csv", BASE))))
    assert len(rows) == mapping_sets_count(full_build, "bls-isco08-soc2010")
    doc = json.loads(export(full_build.store, "onet-soc2019-soc2018", "jsonld", BASE))
    parsed = ox.Dataset(ox.parse(json.dumps(doc).encode(), format=ox.RdfFormat.JSON_LD))
    assert len(doc["mappings"]) == mapping_sets_count(full_build, "onet-soc2019-soc2018")
    assert len(parsed) > len(doc["mappings"]) * 4
    with pytest.raises(InputError):
        export(full_build.store, "no-such-set", "csv", BASE)
