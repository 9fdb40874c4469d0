"""Many frameworks, several releases each: shared resources described once, release facts on
release resources, releases side by side, identity kept by keys, checks across frameworks."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from nsxkg.build import build
from nsxkg.frameworks import diff as fdiff
from nsxkg.frameworks.loader import load_framework
from nsxkg.iris import Iris
from nsxkg.validate import validate_build
from support import DATA, PREFIXES, make_settings

RELEASES = DATA / "frameworks" / "releases"
SPEAKING = "anchors:\n  skills:\n  - id: 2.A.1.d\n    name: Speaking\n  tasks:"
CODES = ("15-1252.00", "15-1253.00", "15-1254.00", "15-1255.00")


def corpus(root: Path, codes: tuple[str, ...] = CODES) -> Path:
    """Two releases of a framework for each code, each anchoring Speaking, each occupation
    naming its roles its own way."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(RELEASES / "reference.yaml", root / "reference.yaml")
    for n, code in enumerate(codes):
        for release in sorted((RELEASES / "15-1252.00").glob("*.yaml")):
            text = release.read_text(encoding="utf-8").replace("15-1252.00", code)
            text = text.replace("anchors:\n  tasks:", SPEAKING)
            # A task ID is one occupation's (O*NET's): each copy anchors its own.
            text = text.replace("id: 16987", f"id: {16987 + n}")
            text = text.replace("  role: Senior\n", f"  role: Senior {n}\n")
            (root / code).mkdir(exist_ok=True)
            (root / code / release.name).write_text(text, encoding="utf-8")
    return root


def store_of(settings_build: Path) -> ox.Store:
    store = ox.Store()
    for path in sorted((settings_build / "graphs").glob("*.nq")):
        store.bulk_load(path=path, format=ox.RdfFormat.N_QUADS)
    return store


def rows(store: ox.Store, query: str) -> list[tuple[str, ...]]:
    result = store.query(PREFIXES + query, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    return [tuple(t.value for t in sol if t is not None) for sol in result]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ox.Store]:
    tmp = tmp_path_factory.mktemp("many")
    settings = make_settings(tmp, frameworks=corpus(tmp / "frameworks"))
    build(settings)
    report = validate_build(settings.build_dir, settings.shapes)
    assert report.conforms, "\n".join(v.render() for v in report.violations)
    return settings.build_dir, store_of(settings.build_dir)


@pytest.mark.parametrize("query", [
    "SELECT ?s ?l WHERE { ?s a nsx:ONetSkill ; skos:prefLabel ?l }",
    "SELECT ?s ?l ?r WHERE { ?s a nsx:MasteryLevel ; skos:prefLabel ?l ; nsx:rank ?r }",
    "SELECT ?s ?l WHERE { ?s a nsx:Source ; skos:prefLabel ?l }",
    "SELECT ?s ?l ?n WHERE { ?s a nsx:DurableSkillDomain ; skos:prefLabel ?l ; skos:notation ?n }",
    "SELECT ?s ?l WHERE { ?s a nsx:Occupation ; skos:prefLabel ?l }",
    "SELECT ?s ?z WHERE { ?s a nsx:Occupation ; nsx:jobZone ?z }",
])
def test_union_queries_over_shared_resources_return_each_row_once(
        built: tuple[Path, ox.Store], query: str) -> None:
    found = rows(built[1], query)
    assert found, query
    repeated = {row: n for row, n in Counter(found).items() if n > 1}
    assert not repeated, f"rows repeated once per graph: {repeated}"


def test_shared_resources_do_not_grow_with_frameworks(tmp_path: Path,
                                                      built: tuple[Path, ox.Store]) -> None:
    one = make_settings(tmp_path, frameworks=corpus(tmp_path / "one", CODES[:1]))
    build(one)
    query = "SELECT ?s ?l WHERE { ?s a nsx:ONetSkill ; skos:prefLabel ?l }"
    assert len(rows(store_of(one.build_dir), query)) == len(rows(built[1], query)) == 1


def test_roles_belong_to_releases(built: tuple[Path, ox.Store]) -> None:
    """Four frameworks naming the proficient role four ways: four roles, one shared level."""
    found = rows(built[1], """SELECT ?release ?role WHERE {
        ?release nsx:levelRole ?r . ?r nsx:level id:level\\/mastery\\/proficient ;
        nsx:roleLabel ?role } ORDER BY ?release""")
    assert len(found) == 8  # two releases of four frameworks
    assert {role for _, role in found} == {f"Senior {n}" for n in range(4)}
    assert rows(built[1], "SELECT ?x WHERE { id:level\\/mastery\\/proficient nsx:roleLabel ?x }"
                ) == []


def test_releases_side_by_side_and_linked(built: tuple[Path, ox.Store]) -> None:
    store = built[1]
    graphs = {g.value for g in store.named_graphs()}  # type: ignore[union-attr]
    base = "https://w3id.org/nsxkg/graph/framework/15-1253.00"
    assert {f"{base}/v.0.1", f"{base}/v.0.2", base} <= graphs
    linked = rows(store, """SELECT ?current ?previous ?revises WHERE {
        id:framework\\/15-1253.00 dcat:hasCurrentVersion ?current .
        ?current dcat:previousVersion ?previous ; prov:wasRevisionOf ?revises ;
                 dcterms:isVersionOf id:framework\\/15-1253.00 }""")
    release = "https://w3id.org/nsxkg/id/framework/15-1253.00/"
    assert linked == [(release + "v.0.2", release + "v.0.1", release + "v.0.1")]
    # The statement dropped in v.0.2 is still in v.0.1, and its lineage has no current version.
    dropped = rows(store, """SELECT ?v ?current WHERE {
        id:statement\\/15-1253.00\\/ai-use\\/code-completion dcterms:hasVersion ?v .
        OPTIONAL { id:statement\\/15-1253.00\\/ai-use\\/code-completion
                   dcat:hasCurrentVersion ?current } }""")
    assert [d[0] for d in dropped] == [release + "v.0.1/statement/ai-use/code-completion"]
    assert all(len(d) == 1 for d in dropped), "a dropped statement has no current version"
    reworded = rows(store, """SELECT ?new ?old WHERE {
        ?new prov:wasRevisionOf ?old ;
             dcterms:isVersionOf id:statement\\/15-1253.00\\/mastery\\/unit-tests }""")
    assert reworded == [(release + "v.0.2/statement/mastery/unit-tests",
                         release + "v.0.1/statement/mastery/unit-tests")]


def test_reordered_file_keeps_statement_iris(tmp_path: Path) -> None:
    """Positions follow the file; IRIs follow the keys."""
    iris = Iris("https://w3id.org/nsxkg/")
    shutil.copytree(RELEASES, tmp_path / "fw")
    path = tmp_path / "fw" / "15-1252.00" / "v.0.2.yaml"
    text = path.read_text(encoding="utf-8")
    system, strategy = text.index("  - key: system-design"), text.index("  - key: engineering-")
    end = text.index("ai_use:") if "ai_use:" in text else text.index("durable_skills:")
    swapped = text[:system] + text[strategy:end] + text[system:strategy] + text[end:]
    path.write_text(swapped, encoding="utf-8")
    before = {(v.key, v.level): v.position
              for v in fdiff.from_framework(load_framework(RELEASES / "15-1252.00" / "v.0.2.yaml"))}
    after = {(v.key, v.level): v.position for v in fdiff.from_framework(load_framework(path))}
    assert before.keys() == after.keys()
    assert before[("system-design", "advanced")] == 1 and after[("system-design", "advanced")] == 2
    assert iris.release_statement("15-1252.00", "v.0.2", "mastery", "system-design").value == (
        "https://w3id.org/nsxkg/id/framework/15-1252.00/v.0.2/statement/mastery/system-design")
    assert fdiff.diff(fdiff.from_framework(load_framework(RELEASES / "15-1252.00" /
                                                          "v.0.2.yaml")),
                      fdiff.from_framework(load_framework(path))) == []


@pytest.mark.parametrize(("case", "sources", "shape", "focus", "where"), [
    ("shared-value-conflict", None, "https://w3id.org/nsxkg/shapes#Concept-prefLabel",
     "https://w3id.org/nsxkg/id/element/2.A.1.d",
     ['15-1252.00/v.0.1.yaml, line 61 (anchors.skills.0) says "Speaking"@en',
      '15-1253.00/v.0.1.yaml, line 61 (anchors.skills.0) says "Oral speaking"@en']),
    ("key-reused", None, "statement-key-reused-violation",
     "https://w3id.org/nsxkg/id/framework/15-1252.00/v.0.2/statement/ai-use/unit-tests",
     ["15-1252.00/v.0.2.yaml, line 46 (ai_use.0.statements.0)"]),
    ("rekeyed", None, "statement-rekeyed-violation",
     "https://w3id.org/nsxkg/id/framework/15-1252.00/v.0.2/statement/mastery/service-design",
     ["15-1252.00/v.0.2.yaml, line 34 (mastery.2.statements.0)"]),
    ("unknown-occupation", "onet_excerpt", "framework-occupation-unknown-violation",
     "https://w3id.org/nsxkg/id/framework/99-9999.00",
     ["99-9999.00/v.0.1.yaml, line 4 (occupation.code)"]),
])
def test_checks_across_frameworks_name_file_and_line(
        tmp_path: Path, case: str, sources: str | None, shape: str, focus: str,
        where: list[str]) -> None:
    frameworks = DATA / "frameworks" / "cross" / case
    settings = make_settings(tmp_path, frameworks=frameworks,
                             sources=DATA / "sources" / sources if sources else None)
    build(settings)
    report = validate_build(settings.build_dir, settings.shapes)
    assert not report.conforms
    assert [(v.shape, v.focus) for v in report.violations] == [(shape, focus)], \
        "\n".join(v.render() for v in report.violations)
    for place in where:
        assert place in report.violations[0].origin, report.violations[0].origin


def test_without_onet_the_occupation_check_says_it_did_not_run(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, frameworks=DATA / "frameworks" / "cross" /
                             "unknown-occupation")
    build(settings)
    report = validate_build(settings.build_dir, settings.shapes)
    assert report.conforms
    assert any("not checked against O*NET" in note for note in report.notes)
