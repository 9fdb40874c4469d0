"""What researchers get over SPARQL for the Sales Managers framework (11-2022.00)."""

from __future__ import annotations

from decimal import Decimal

import pyoxigraph as ox
import pytest

from support import Loaded

OCC = "id:occupation\\/11-2022.00"


def counts(loaded: Loaded, query: str) -> dict[str, int]:
    return {str(_text(r["k"])): int(_text(r["n"])) for r in loaded.select(query)}


def _text(value: object) -> str:
    return value.value if isinstance(value, ox.Literal) else str(value)


def test_mastery_statements_ten_per_level(loaded: Loaded) -> None:
    got = counts(loaded, f"""
        SELECT ?k (COUNT(?s) AS ?n) WHERE {{
          ?s a nsx:MasteryStatement ; nsx:occupation {OCC} ; nsx:level ?l .
          ?l skos:prefLabel ?k }} GROUP BY ?k""")
    assert got == {"Emerging": 10, "Developing": 10, "Proficient": 10, "Advanced": 10}


def test_levels_in_rank_order_with_role_labels(loaded: Loaded) -> None:
    """Levels are shared; the roles are the release's own (nsx:LevelRole)."""
    rows = loaded.select("""
        SELECT ?label ?rank ?role WHERE {
          ?l nsx:scale id:scale\\/mastery ; skos:prefLabel ?label ; nsx:rank ?rank .
          <https://w3id.org/nsxkg/id/framework/11-2022.00/v.26.05> nsx:levelRole ?r .
          ?r nsx:level ?l ; nsx:roleLabel ?role } ORDER BY ?rank""")
    assert [(_text(r["label"]), int(_text(r["rank"])), _text(r["role"])) for r in rows] == [
        ("Emerging", 1, "Entry / Apprentice"),
        ("Developing", 2, "Mid-level / Established"),
        ("Proficient", 3, "Senior / Expert IC"),
        ("Advanced", 4, "Lead / Principal / Executive"),
    ]


def test_focus_phrase_split_from_statement(loaded: Loaded) -> None:
    rows = loaded.select(f"""
        SELECT ?focus ?text WHERE {{
          ?s a nsx:MasteryStatement ; nsx:occupation {OCC} ; nsx:position 1 ;
             nsx:level id:level\\/mastery\\/emerging ; dcterms:title ?focus ;
             nsx:statementText ?text }}""")
    assert len(rows) == 1
    assert _text(rows[0]["focus"]) == "Customer complaint records"
    assert _text(rows[0]["text"]) == ("document and escalate under supervisor guidance within a "
                                     "structured sales service environment.")


def test_ai_use_statements_and_their_citations(loaded: Loaded) -> None:
    assert loaded.value(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s a nsx:AIUseStatement ; "
                        f"nsx:occupation {OCC} }}").value == "11"  # type: ignore[attr-defined]
    got = counts(loaded, f"""
        SELECT ?k (COUNT(*) AS ?n) WHERE {{
          ?s a nsx:AIUseStatement ; nsx:occupation {OCC} ; nsx:cites ?src ; nsx:framework ?r .
          ?r nsx:sourceEdition ?e . ?e dcterms:isVersionOf ?src ; skos:prefLabel ?k }}
        GROUP BY ?k""")
    assert got == {"Anthropic Economic Index": 7, "SAFI (Jadhav & Danve, 2026)": 5,
                   "WEF Skills Taxonomy 2021": 4}


def test_durable_skill_statements_by_level_domain_and_source(loaded: Loaded) -> None:
    base = f"?s a nsx:DurableSkillStatement ; nsx:occupation {OCC} "
    by_level = counts(loaded, f"SELECT ?k (COUNT(*) AS ?n) WHERE {{ {base} ; nsx:level ?l . "
                              f"?l skos:prefLabel ?k }} GROUP BY ?k")
    assert by_level == {"Emerging": 20, "Developing": 24, "Applying": 34, "Exceeding": 30}
    by_domain = counts(loaded, f"SELECT ?k (COUNT(*) AS ?n) WHERE {{ {base} ; nsx:domain ?d . "
                               f"?d skos:prefLabel ?k }} GROUP BY ?k")
    twelve = {"Communication", "Leadership", "Critical Thinking", "Collaboration"}
    assert sum(by_domain.values()) == 108
    assert len(by_domain) == 10
    assert {k for k, n in by_domain.items() if n == 12} == twelve
    assert all(n == 10 for k, n in by_domain.items() if k not in twelve)
    by_source = counts(loaded, f"SELECT ?k (COUNT(*) AS ?n) WHERE {{ {base} ; nsx:cites ?c ; "
                               f"nsx:framework ?r . ?r nsx:sourceEdition ?e . "
                               f"?e dcterms:isVersionOf ?c ; skos:prefLabel ?k }} GROUP BY ?k")
    assert by_source == {"Pathsmith Durable Skills Framework": 76, "O*NET v30.2": 72}


def test_anchors(loaded: Loaded) -> None:
    got = counts(loaded, f"""
        SELECT ?k (COUNT(DISTINCT ?a) AS ?n) WHERE {{
          ?f nsx:occupation {OCC} ; a nsx:FrameworkRelease ; ?p ?a .
          VALUES (?p ?k) {{ (nsx:anchorTask "tasks") (nsx:anchorSkill "skills")
            (nsx:anchorKnowledge "knowledge") (nsx:anchorAbility "abilities")
            (nsx:anchorWorkStyle "work styles") (nsx:anchorTechnology "technology")
            (nsx:relatedTitle "related titles") (nsx:educationProgram "cip") }} }}
        GROUP BY ?k""")
    assert got == {"tasks": 8, "skills": 22, "knowledge": 9, "abilities": 10, "work styles": 6,
                   "technology": 10, "related titles": 12, "cip": 5}
    cips = loaded.select(f"SELECT ?c WHERE {{ ?f nsx:occupation {OCC} ; nsx:educationProgram ?p ."
                         f" ?p skos:notation ?c }} ORDER BY ?c")
    assert [_text(r["c"]) for r in cips] == ["19.0203", "51.2011", "52.0101", "52.0201",
                                             "52.1401"]
    assert int(_text(loaded.value(f"SELECT ?n WHERE {{ ?f nsx:occupation {OCC} ; "
                                  f"nsx:sourceAnchorCount ?n }}"))) == 65


def test_occupation_identity(loaded: Loaded) -> None:
    row = loaded.select(f"""
        SELECT ?code ?title ?zone ?zlabel ?version WHERE {{
          {OCC} skos:notation ?code ; skos:prefLabel ?title ; nsx:jobZone ?z .
          ?z nsx:rank ?zone ; skos:prefLabel ?zlabel .
          ?f nsx:occupation {OCC} ; a nsx:FrameworkRelease ; owl:versionInfo ?version }}""")
    # Described once however many releases state it: one row, not one per graph.
    assert [{k: _text(v) for k, v in r.items()} for r in row] == [{
        "code": "11-2022.00", "title": "Sales Managers", "zone": "4",
        "zlabel": "Considerable Preparation", "version": "v.26.05"}]


XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.mark.parametrize(("prop", "value", "datatype"), [
    ("nsx:aiUsage/nsx:taskObservations", "607", "integer"),
    ("nsx:aiUsage/nsx:augmentSharePercent", "60.7", "decimal"),
    ("nsx:aiUsage/nsx:timeSavedPercent", "82.1", "decimal"),
    ("nsx:aiUsage/nsx:aiAutonomy", "2.96", "decimal"),
    ("nsx:automationFeasibility/nsx:feasibilityScore", "48.5", "decimal"),
    ("nsx:automationFeasibility/nsx:feasibilityScoreMax", "100", "decimal"),
    ("nsx:automationFeasibility/nsx:feasibilityQuadrant", "Q2_ai_augmented", "string"),
    ("nsx:automationFeasibility/nsx:matchPrecision", "exact", "string"),
    ("nsx:automationFeasibility/nsx:topSkill/skos:prefLabel", "Speaking", None),
    ("nsx:skillsClusterEvidence/nsx:skillsCluster/skos:prefLabel",
     "Human-Technology Interaction", None),
    ("nsx:skillsClusterEvidence/nsx:skillsCluster/skos:notation",
     "human_technology_interaction", "string"),
])
def test_evidence_pack_typed(loaded: Loaded, prop: str, value: str, datatype: str | None) -> None:
    got = loaded.value(f"SELECT ?v WHERE {{ ?f nsx:occupation {OCC} ; nsx:evidence/{prop} ?v }}")
    assert isinstance(got, ox.Literal)
    if datatype in ("integer", "decimal"):
        assert got.datatype.value == XSD + datatype
        assert Decimal(got.value) == Decimal(value)
    else:
        assert got.value == value
        if datatype:
            assert got.datatype.value == XSD + datatype


def test_sources_with_licence(loaded: Loaded) -> None:
    """Sources are works, described once; the release says which edition it cites."""
    rows = loaded.select("""SELECT ?name ?label ?title ?version ?lic WHERE {
        ?s a nsx:Source ; skos:prefLabel ?name .
        OPTIONAL { ?s dcterms:license ?lic }
        OPTIONAL { ?e a nsx:SourceEdition ; dcterms:isVersionOf ?s ; skos:prefLabel ?label .
                   OPTIONAL { ?e dcterms:title ?title } OPTIONAL { ?e owl:versionInfo ?version } }
        }""")
    assert len(rows) == 7
    onet = next(r for r in rows if _text(r["name"]) == "O*NET")
    assert onet["lic"] == "https://creativecommons.org/licenses/by/4.0/"
    assert _text(onet["label"]) == "O*NET v30.2" and _text(onet["version"]) == "v30.2"
    assert _text(onet["title"]).startswith("O*NET Resource Center")


def test_tasks_join_onet_task_ids(loaded: Loaded) -> None:
    rows = loaded.select(f"SELECT ?id ?text WHERE {{ ?t a nsx:Task ; nsx:occupation {OCC} ; "
                         f"skos:notation ?id ; skos:prefLabel ?text }}")
    assert len(rows) == 8
    by_id = {_text(r["id"]): _text(r["text"]) for r in rows}
    assert by_id["14"] == "Oversee regional and local sales managers and their staffs."


def test_framework_across_releases(loaded: Loaded) -> None:
    framework = "id:framework\\/11-2022.00"
    rows = loaded.select(f"""SELECT ?release ?current WHERE {{
        {framework} a nsx:Framework ; dcat:hasVersion ?release ;
                    dcat:hasCurrentVersion ?current ; nsx:occupation {OCC} }}""")
    release = "https://w3id.org/nsxkg/id/framework/11-2022.00/v.26.05"
    assert rows == [{"release": release, "current": release}]
    assert int(_text(loaded.value(f"""SELECT (COUNT(*) AS ?n) WHERE {{
        ?l a nsx:StatementLineage ; nsx:occupation {OCC} ; dcterms:hasVersion ?v ;
           dcat:hasCurrentVersion ?v }}"""))) == 159


def test_each_graph_holds_its_own_part(loaded: Loaded) -> None:
    """Release facts in the release's graph, series facts in the framework's, shared
    resources in the reference graph: no resource is described in two graphs."""
    rows = loaded.select("""SELECT ?s (COUNT(DISTINCT ?g) AS ?n) WHERE {
        GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), "https://w3id.org/nsxkg/graph/framework"))
        } GROUP BY ?s HAVING (COUNT(DISTINCT ?g) > 1)""")
    # A release is described in its own graph and linked into the series by the framework
    # graph (previousVersion needs two releases; with one it is only dcat:hasVersion's object).
    assert rows == []
