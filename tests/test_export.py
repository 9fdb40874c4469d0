"""Exports of a framework release: CASE 1.1, CTDL-ASN JSON-LD, CSV with CSVW metadata.

Each is checked against what the tool importing it requires (the CASE CFPackage rules of the
1EdTech specification, the CTDL-ASN terms and required properties), for order and hierarchy,
for byte-for-byte determinism, and the CASE package is read back into the statements."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import uuid
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import rdflib
from click.testing import CliRunner

from nsxkg.cli import main
from nsxkg.export import case, csvw, ctdl
from nsxkg.export.release import Release, from_files, last_changed
from nsxkg.frameworks.loader import load_framework
from nsxkg.frameworks.model import Kind, statements
from support import DATA, FRAMEWORKS

BASE = "https://w3id.org/nsxkg/"
CODE = "11-2022.00"
FILE = FRAMEWORKS / CODE / "v.26.05.yaml"
SCHEMA = json.loads((DATA / "exports" / "case-1.1-cfpackage.schema.json").read_text())
CONTEXT = json.loads((DATA / "exports" / "ctdl-asn-context.json").read_text())["@context"]
RELEASES = DATA / "frameworks" / "releases"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
CEASN = rdflib.Namespace("https://purl.org/ctdlasn/terms/")
CETERMS = rdflib.Namespace("https://purl.org/ctdl/terms/")
ASN = rdflib.Namespace("http://purl.org/ASN/schema/core/")


@pytest.fixture(scope="module")
def release() -> Release:
    return from_files(FRAMEWORKS, CODE, None, BASE)


@pytest.fixture(scope="module")
def package(release: Release) -> dict[str, Any]:
    return json.loads(case.render(release))


def expected_statements() -> list[tuple[str, str | None, str, int, str, str]]:
    """(kind, domain, level, position, focus, text) of the release file, in file order."""
    return [(st.kind.value, st.domain, st.level, st.position, st.title, st.text)
            for st in statements(load_framework(FILE))]


# -- CASE ---------------------------------------------------------------------------------------


def test_case_package_meets_the_cfpackage_schema(package: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(
        SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in validator.iter_errors(package)]
    assert problems == []


def test_case_schema_rejects_what_the_specification_forbids(package: dict[str, Any]) -> None:
    """The schema the package is held to can fail: an uppercase identifier, an unknown
    association type, a missing lastChangeDateTime and a date that is not a date-time."""
    validator = jsonschema.Draft202012Validator(
        SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    broken = json.loads(json.dumps(package))
    broken["CFDocument"]["identifier"] = broken["CFDocument"]["identifier"].upper()
    broken["CFAssociations"][0]["associationType"] = "isParentOf"
    del broken["CFItems"][0]["lastChangeDateTime"]
    broken["CFItems"][1]["lastChangeDateTime"] = "2026-05-01"
    messages = " ".join(e.message for e in validator.iter_errors(broken))
    assert "does not match" in messages and "isParentOf" in messages
    assert "'lastChangeDateTime' is a required property" in messages
    assert "is not a 'date-time'" in messages


def test_case_identifiers_are_lowercase_uuid_v5_of_the_iris(package: dict[str, Any]) -> None:
    identifiers = [package["CFDocument"]["identifier"]]
    identifiers += [i["identifier"] for i in package["CFItems"]]
    identifiers += [a["identifier"] for a in package["CFAssociations"]]
    identifiers += [t["identifier"] for t in package["CFDefinitions"]["CFItemTypes"]]
    for identifier in identifiers:
        assert UUID.fullmatch(identifier) and uuid.UUID(identifier).version == 5
    assert len(set(identifiers)) == len(identifiers)
    doc = package["CFDocument"]
    assert doc["identifier"] == str(uuid.uuid5(uuid.NAMESPACE_URL, f"{BASE}id/framework/{CODE}"))
    statement = next(i for i in package["CFItems"] if i["CFItemType"] == "Mastery statement")
    assert statement["uri"] == f"{BASE}id/statement/{CODE}/mastery/customer-complaint-records"
    assert statement["identifier"] == str(uuid.uuid5(uuid.NAMESPACE_URL, statement["uri"]))
    uris = [i["uri"] for i in package["CFItems"]]
    assert len(set(uris)) == len(uris)  # a CASE server keys items by URI too


def test_case_item_types_are_defined_and_used(package: dict[str, Any]) -> None:
    defined = {t["title"]: t["identifier"] for t in package["CFDefinitions"]["CFItemTypes"]}
    for item in package["CFItems"]:
        assert defined[item["CFItemType"]] == item["CFItemTypeURI"]["identifier"]
    used = {i["CFItemType"] for i in package["CFItems"]}
    assert used == set(defined)


def tree(package: dict[str, Any]) -> dict[str, list[tuple[int, str]]]:
    children: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for a in package["CFAssociations"]:
        if a["associationType"] == "isChildOf":
            children[a["destinationNodeURI"]["identifier"]].append(
                (a["sequenceNumber"], a["originNodeURI"]["identifier"]))
    return {parent: sorted(kids) for parent, kids in children.items()}


def test_case_hierarchy_reaches_every_item_in_order(package: dict[str, Any]) -> None:
    children = tree(package)
    items = {i["identifier"]: i for i in package["CFItems"]}
    seen: list[str] = []

    def walk(node: str) -> None:
        kids = children.get(node, [])
        assert [n for n, _ in kids] == list(range(1, len(kids) + 1))  # 1..n, no gaps
        for _, child in kids:
            seen.append(child)
            walk(child)

    walk(package["CFDocument"]["identifier"])
    assert sorted(seen) == sorted(items)  # every item once, under the document
    top = [items[c]["fullStatement"] for _, c in children[package["CFDocument"]["identifier"]]]
    assert top[:4] == ["Emerging: Entry / Apprentice", "Developing: Mid-level / Established",
                       "Proficient: Senior / Expert IC", "Advanced: Lead / Principal / Executive"]
    assert top[4:8] == [f"AI use — {lv}" for lv in ("Emerging", "Developing", "Proficient",
                                                     "Advanced")]
    assert top[8] == "Communication" and top[-1] == "Fortitude"


def read_back(package: dict[str, Any]) -> list[tuple[str, str | None, str, int, str, str]]:
    """A CASE package → (kind, domain, level, position, focus, text), as a CASE consumer would
    read it: walking isChildOf in sequenceNumber order from the document."""
    items = {i["identifier"]: i for i in package["CFItems"]}
    children = tree(package)
    kinds = {"Mastery statement": "mastery", "AI-use statement": "ai-use",
             "Durable-skill statement": "durable"}
    domain_keys = {"Communication": "communication", "Leadership": "leadership",
                   "Metacognition": "metacognition", "Critical Thinking": "critical-thinking",
                   "Collaboration": "collaboration", "Character": "character",
                   "Creativity": "creativity", "Growth Mindset": "growth-mindset",
                   "Mindfulness": "mindfulness", "Fortitude": "fortitude"}
    out = []

    def walk(node: str, domain: str | None, level: str | None) -> None:
        for position, child in children.get(node, []):
            item = items[child]
            kind = kinds.get(item.get("CFItemType", ""))
            if kind is None:
                name = item.get("abbreviatedStatement") or item["fullStatement"]
                if item["CFItemType"] == "Durable-skill domain":
                    walk(child, domain_keys[name], None)
                else:
                    walk(child, domain, name.lower())
                continue
            focus = item["abbreviatedStatement"]
            text = item["fullStatement"].removeprefix(focus + " — ")
            assert level is not None
            out.append((kind, domain, level, position, focus, text))

    walk(package["CFDocument"]["identifier"], None, None)
    order = {Kind.mastery.value: 0, Kind.ai_use.value: 1, Kind.durable.value: 2}
    return sorted(out, key=lambda s: order[s[0]])  # the file lists kinds in this order


def test_case_round_trip_gives_the_statements_levels_and_order(
        package: dict[str, Any]) -> None:
    assert read_back(package) == expected_statements()


def test_case_keeps_citations_and_anchors(package: dict[str, Any]) -> None:
    groups = {g["identifier"]: g["title"] for g in
              package["CFDefinitions"]["CFAssociationGroupings"]}
    related = [(groups[a["CFAssociationGroupingURI"]["identifier"]],
                a["originNodeURI"]["identifier"], a["destinationNodeURI"]["uri"])
               for a in package["CFAssociations"] if a["associationType"] == "isRelatedTo"]
    doc = package["CFDocument"]["identifier"]
    anchors = {uri for group, origin, uri in related if group == "O*NET anchors"
               and origin == doc}
    assert f"{BASE}id/element/2.A.1.d" in anchors and f"{BASE}id/task/14" in anchors
    assert f"{BASE}id/cip/52.0201" in anchors and f"{BASE}id/technology/43232303" in anchors
    fw = load_framework(FILE)
    cited = sum(len(st.cites) for st in statements(fw))
    assert sum(group == "Citations" for group, _, _ in related) == cited
    item = next(i for i in package["CFItems"]
                if i.get("abbreviatedStatement") == "Pipeline forecasting support")
    assert "Anthropic Economic Index" in item["notes"] and "Jadhav & Danve, 2026" in item["notes"]


def test_case_export_is_the_same_bytes_every_time(release: Release, tmp_path: Path) -> None:
    copy = tmp_path / "frameworks"
    shutil.copytree(FRAMEWORKS, copy)
    again = from_files(copy, CODE, "v.26.05", BASE)
    assert case.render(release) == case.render(again)
    assert ctdl.render(release) == ctdl.render(again)
    assert csvw.render(release) == csvw.render(again)


def test_next_release_updates_the_same_document_and_items() -> None:
    """A registry re-importing the next release finds the same document and, for a statement
    the release keeps (same key), the same item; the release is told apart by version."""
    old = json.loads(case.render(from_files(RELEASES, "15-1252.00", "v.0.1", BASE)))
    new = json.loads(case.render(from_files(RELEASES, "15-1252.00", "v.0.2", BASE)))
    assert old["CFDocument"]["identifier"] == new["CFDocument"]["identifier"]
    assert (old["CFDocument"]["version"], new["CFDocument"]["version"]) == ("v.0.1", "v.0.2")

    def by_uri(p: dict[str, Any]) -> dict[str, str]:
        return {i["uri"]: i["identifier"] for i in p["CFItems"] if "statement/" in i["uri"]}

    kept = by_uri(old).keys() & by_uri(new).keys()
    assert kept and all(by_uri(old)[u] == by_uri(new)[u] for u in kept)
    assert f"{BASE}id/statement/15-1252.00/mastery/unit-tests" in kept  # reworded, same key


@pytest.mark.parametrize(("issued", "version", "stamp"), [
    ("2026-05-12", "v.26.05", "2026-05-12T00:00:00+00:00"),
    ("2026", "v.1", "2026-01-01T00:00:00+00:00"),
    (None, "v.26.05", "2026-05-01T00:00:00+00:00"),
    (None, "v.0.2", "1970-01-01T00:00:00+00:00"),
])
def test_last_change_comes_from_the_release_never_the_clock(
        issued: str | None, version: str, stamp: str) -> None:
    assert last_changed({"release": {"issued": issued}, "version": version}) == stamp
    datetime.fromisoformat(stamp)


# -- CTDL-ASN -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ctdl_graph(release: Release) -> rdflib.Graph:
    document = json.loads(ctdl.render(release))
    assert document["@context"] == ctdl.CONTEXT
    document["@context"] = CONTEXT  # the published terms, offline
    graph = rdflib.Graph()
    graph.parse(data=json.dumps(document), format="json-ld")
    return graph


def test_ctdl_framework_has_its_required_properties(ctdl_graph: rdflib.Graph) -> None:
    frameworks = list(ctdl_graph.subjects(rdflib.RDF.type, CEASN.CompetencyFramework))
    assert frameworks == [rdflib.URIRef(f"{BASE}id/framework/{CODE}")]
    fw = frameworks[0]
    for prop in (CEASN.name, CEASN.description, CEASN.inLanguage, CETERMS.ctid,
                 CEASN.publisherName, CEASN.hasTopChild):
        assert ctdl_graph.value(fw, prop) is not None, prop
    assert ctdl_graph.value(fw, CEASN.name) == rdflib.Literal("Sales Managers skills framework",
                                                              lang="en")


def test_ctdl_competencies_have_their_required_properties(ctdl_graph: rdflib.Graph) -> None:
    fw = rdflib.URIRef(f"{BASE}id/framework/{CODE}")
    competencies = list(ctdl_graph.subjects(rdflib.RDF.type, CEASN.Competency))
    sections = 1 + 1 + 10  # mastery, AI use, ten domains
    assert len(competencies) == len(expected_statements()) + sections
    for node in competencies:
        text = ctdl_graph.value(node, CEASN.competencyText)
        assert isinstance(text, rdflib.Literal) and text.language == "en" and str(text)
        assert ctdl_graph.value(node, CEASN.isPartOf) == fw
        assert ctdl_graph.value(node, CEASN.inLanguage) is not None
        ctid_value = str(ctdl_graph.value(node, CETERMS.ctid))
        assert ctid_value == "ce-" + str(uuid.uuid5(uuid.NAMESPACE_URL, str(node)))


def test_ctdl_hierarchy_and_progression_levels(ctdl_graph: rdflib.Graph) -> None:
    fw = rdflib.URIRef(f"{BASE}id/framework/{CODE}")
    tops = set(ctdl_graph.objects(fw, CEASN.hasTopChild))
    assert len(tops) == 12
    assert tops == set(ctdl_graph.subjects(CEASN.isTopChildOf, fw))
    statement = rdflib.URIRef(f"{BASE}id/statement/{CODE}/durable/team-awareness")
    parent = ctdl_graph.value(statement, CEASN.isChildOf)
    assert parent in tops and (parent, CEASN.hasChild, statement) in ctdl_graph
    assert ctdl_graph.value(statement, CEASN.competencyLabel) == rdflib.Literal(
        "Team awareness", lang="en")
    level = ctdl_graph.value(statement, ASN.hasProgressionLevel)
    assert level == rdflib.URIRef(f"{BASE}id/level/durable/emerging")
    assert (level, rdflib.RDF.type, ASN.ProgressionLevel) in ctdl_graph
    model = ctdl_graph.value(level, rdflib.SKOS.inScheme)
    assert (model, rdflib.RDF.type, ASN.ProgressionModel) in ctdl_graph
    assert len(set(ctdl_graph.subjects(rdflib.RDF.type, ASN.ProgressionLevel))) == 8


def test_ctdl_children_keep_the_page_order(release: Release) -> None:
    """JSON-LD arrays are unordered in RDF, but registries keep hasChild in document order:
    it must be the page's."""
    document = ctdl.document(release)
    nodes = {n["@id"]: n for n in document["@graph"]}
    mastery = nodes[document["@graph"][0]["ceasn:hasTopChild"][0]]
    focus = [nodes[c]["ceasn:competencyLabel"]["en"] for c in mastery["ceasn:hasChild"]]
    assert focus == [s[4] for s in expected_statements() if s[0] == "mastery"]


# -- CSV ----------------------------------------------------------------------------------------


def test_csv_has_a_row_per_statement_and_columns_csvw_describes(release: Release) -> None:
    body = csvw.render(release).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(body, newline="")))
    expected = expected_statements()
    assert [(r["kind"], r["level"].lower(), int(r["position"]), r["focus"], r["text"])
            for r in rows] == [(k, lv, p, f, t) for k, _, lv, p, f, t in expected]
    assert {r["occupation"] for r in rows} == {CODE} and {r["release"] for r in rows} == {
        "v.26.05"}
    meta = csvw.metadata(release, "x.csv")
    assert meta["url"] == "x.csv" and meta["@context"] == "http://www.w3.org/ns/csvw"
    columns = meta["tableSchema"]["columns"]
    assert [c["name"] for c in columns] == list(rows[0].keys())
    for column in columns:
        if column["required"]:
            assert all(r[column["name"]] for r in rows), column["name"]
    pipeline = next(r for r in rows if r["focus"] == "Pipeline forecasting support")
    assert pipeline["citations"] == "Anthropic Economic Index | Jadhav & Danve, 2026"


# -- the command -------------------------------------------------------------------------------


def test_cli_export_writes_the_same_bytes_and_the_csvw_beside(release: Release,
                                                               tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"NSXKG_FRAMEWORKS": str(FRAMEWORKS), "NSXKG_BASE_IRI": BASE}
    out = runner.invoke(main, ["export", "--format", "case", CODE], env=env)
    assert out.exit_code == 0 and out.stdout_bytes == case.render(release)
    target = tmp_path / "sales.csv"
    out = runner.invoke(main, ["export", "--format", "csv", f"{CODE}@v.26.05", "-o",
                               str(target)], env=env)
    assert out.exit_code == 0, out.output
    assert target.read_bytes() == csvw.render(release)
    meta = json.loads((tmp_path / "sales.csv-metadata.json").read_text())
    assert meta["url"] == "sales.csv"


@pytest.mark.parametrize(("spec", "message"), [
    (f"{CODE}@v.9", "no release 'v.9' of 11-2022.00"),
    ("11-2022", "expected CODE or CODE@VERSION"),
    ("99-9999.00", "no framework for occupation 99-9999.00"),
])
def test_cli_export_names_what_is_missing(spec: str, message: str) -> None:
    out = CliRunner().invoke(main, ["export", "--format", "ctdl-asn", spec],
                             env={"NSXKG_FRAMEWORKS": str(FRAMEWORKS)})
    assert out.exit_code == 2 and message in out.output
