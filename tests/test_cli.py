"""The command line, end to end, through click's CliRunner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from nsxkg.cli import main
from nsxkg.config import DEFAULT_BASE_IRI as DEFAULT_BASE
from nsxkg.web.prerender import Prerendered
from support import DATA, FRAMEWORKS, PROJECT_ROOT

INVALID = sorted((DATA / "frameworks" / "invalid").iterdir())
REFERENCE = DATA / "frameworks" / "valid" / "reference.yaml"


def frameworks_dir(case: Path, tmp_path: Path) -> Path:
    """An invalid case as a frameworks directory: its release file beside the test
    reference data."""
    target = tmp_path / "frameworks" / case.name
    shutil.copytree(case, target)
    shutil.copyfile(REFERENCE, target / "reference.yaml")
    return target


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "NSXKG_FRAMEWORKS": str(FRAMEWORKS),
        "NSXKG_ONTOLOGY": str(PROJECT_ROOT / "ontology"),
        "NSXKG_SHAPES": str(PROJECT_ROOT / "shapes"),
        "NSXKG_BUILD_DIR": str(tmp_path / "build"),
        "NSXKG_STORE_DIR": str(tmp_path / "store"),
        "NSXKG_SOURCES": "",
    }


def run(env: dict[str, str], *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, input=input)


def test_build_validate_load_query(env: dict[str, str], tmp_path: Path) -> None:
    built = run(env, "build")
    assert built.exit_code == 0, built.output
    assert "graph/framework/11-2022.00" in built.output
    validated = run(env, "validate")
    assert validated.exit_code == 0, validated.output
    assert "conforms" in validated.output
    loaded = run(env, "load")
    assert loaded.exit_code == 0, loaded.output
    assert (tmp_path / "store" / "current").is_symlink()
    # The release pages are rendered by the load, for this nsxkg's templates and base IRI.
    kept = Prerendered.open(tmp_path / "store" / "current", DEFAULT_BASE)
    assert kept and kept.get(DEFAULT_BASE + "id/framework/11-2022.00/v.26.05",
                             "/doc/framework/11-2022.00/v.26.05")

    query = ("PREFIX nsx: <https://w3id.org/nsxkg/def#> SELECT (COUNT(*) AS ?n) "
             "WHERE { ?s a nsx:MasteryStatement }")
    table = run(env, "query", "-", input=query)
    assert table.exit_code == 0, table.output
    assert table.output.splitlines()[2].strip() == "40"
    as_json = run(env, "query", "--format", "json", "-", input=query)
    assert json.loads(as_json.output)["results"]["bindings"][0]["n"]["value"] == "40"
    as_csv = run(env, "query", "--format", "csv", "-", input=query)
    assert as_csv.output.splitlines() == ["n", "40"]

    query_file = tmp_path / "q.rq"
    query_file.write_text("ASK { ?s ?p ?o }", encoding="utf-8")
    assert run(env, "query", str(query_file)).output == "true\n"


def test_query_syntax_error_names_position(env: dict[str, str]) -> None:
    assert run(env, "build").exit_code == 0
    assert run(env, "validate").exit_code == 0
    assert run(env, "load").exit_code == 0
    bad = run(env, "query", "-", input="SELECT * WHERE { ?s ?p }")
    assert bad.exit_code == 2
    assert "SPARQL syntax error: at 1:" in bad.output
    # Nesting that overflows a thread's usual stack (and killed the command) is answered.
    deep = "ASK " + "{ " * 20_000 + "?s ?p ?o " + "} " * 20_000
    answered = run(env, "query", "-", input=deep)
    assert answered.exit_code == 0 and answered.output == "true\n", answered.output[-300:]


@pytest.mark.parametrize("case", INVALID, ids=lambda p: p.name)
def test_bad_input_is_an_error_and_writes_nothing(env: dict[str, str], case: Path,
                                                  tmp_path: Path) -> None:
    env = {**env, "NSXKG_FRAMEWORKS": str(frameworks_dir(case, tmp_path))}
    result = run(env, "build")
    assert result.exit_code == 2
    assert "15-1252.00/v.0.1.yaml" in result.output and "line " in result.output
    assert not (tmp_path / "build").exists()
    assert not (tmp_path / "store").exists()


def test_failed_build_keeps_the_previous_one(env: dict[str, str], tmp_path: Path) -> None:
    assert run(env, "build").exit_code == 0
    before = (tmp_path / "build" / "manifest.json").read_text()
    result = run({**env, "NSXKG_FRAMEWORKS": str(frameworks_dir(INVALID[0], tmp_path))},
                 "build")
    assert result.exit_code == 2
    assert (tmp_path / "build" / "manifest.json").read_text() == before
    assert not any(p.name.startswith(".build-") for p in tmp_path.iterdir())


def test_build_summarises_many_framework_graphs(env: dict[str, str], tmp_path: Path) -> None:
    """Past a dozen framework graphs the build lists a summary line, not every graph."""
    many = tmp_path / "many"
    shutil.copytree(DATA / "frameworks" / "releases", many)
    release = (many / "15-1252.00" / "v.0.1.yaml").read_text(encoding="utf-8")
    for n in range(10):
        code = f"15-12{60 + n}.00"
        (many / code).mkdir()
        (many / code / "v.0.1.yaml").write_text(release.replace("15-1252.00", code),
                                                encoding="utf-8")
    built = run({**env, "NSXKG_FRAMEWORKS": str(many)}, "build")
    assert built.exit_code == 0, built.output
    assert "11 frameworks in 12 releases (24 graphs" in built.output
    assert "graph/framework/15-1260.00/v.0.1" not in built.output
    verbose = run({**env, "NSXKG_FRAMEWORKS": str(many)}, "build", "-v")
    assert "graph/framework/15-1260.00/v.0.1" in verbose.output


def test_validate_reports_violations_with_origin(env: dict[str, str], tmp_path: Path) -> None:
    assert run(env, "build").exit_code == 0
    graph = tmp_path / "build" / "graphs" / "framework-11-2022.00-v.26.05.nq"
    lines = graph.read_text(encoding="utf-8").splitlines(keepends=True)
    # Drop the level of one mastery statement: the shapes require exactly one.
    target = ("<https://w3id.org/nsxkg/id/framework/11-2022.00/v.26.05/statement/mastery/"
              "sales-representative-performance> <https://w3id.org/nsxkg/def#level>")
    kept = [line for line in lines if not line.startswith(target)]
    assert len(kept) == len(lines) - 1
    graph.write_text("".join(kept), encoding="utf-8")

    result = run(env, "validate")
    assert result.exit_code == 1, result.output
    assert "mastery/sales-representative-performance" in result.output
    assert "def#level" in result.output
    assert "11-2022.00/v.26.05.yaml, line " in result.output
    assert "(mastery.1.statements.5)" in result.output
    # A non-conforming build is never loaded.
    refused = run(env, "load")
    assert refused.exit_code == 2
    assert "does not conform" in refused.output
    assert not (tmp_path / "store" / "current").exists()


def test_load_requires_validation(env: dict[str, str], tmp_path: Path) -> None:
    assert run(env, "build").exit_code == 0
    refused = run(env, "load")
    assert refused.exit_code == 2
    assert "nsxkg validate" in refused.output


def test_query_without_store(env: dict[str, str]) -> None:
    result = run(env, "query", "-", input="ASK {}")
    assert result.exit_code == 2
    assert "no loaded store" in result.output


def test_schema_command(env: dict[str, str]) -> None:
    result = run(env, "schema")
    assert result.exit_code == 0
    assert json.loads(result.output)["title"] == "NSX occupation skills framework release"
    reference = run(env, "schema", "--kind", "reference")
    assert "durable_domains" in json.loads(reference.output)["properties"]


DIFF = """\
15-1252.00: v.0.1 → v.0.2: 1 added, 1 removed, 1 reworded, 1 moved

added              mastery                      pair-programming  [proficient]
                     + Pair programming — lead sessions with less experienced colleagues.
reworded           mastery                      unit-tests  [developing]
                     - Unit tests — write them for routine changes.
                     + Unit tests — write them for every change, routine or not.
moved              mastery                      system-design  [proficient → advanced]
removed            ai-use                       code-completion  [emerging]
                     - Code completion — accepts suggestions after reading them.
"""


def test_diff_of_two_releases_from_the_store_and_from_files(env: dict[str, str]) -> None:
    env = {**env, "NSXKG_FRAMEWORKS": str(DATA / "frameworks" / "releases")}
    for step in ("build", "validate", "load"):
        assert run(env, step).exit_code == 0, step
    from_store = run(env, "diff", "15-1252.00", "v.0.1", "v.0.2")
    assert from_store.exit_code == 0, from_store.output
    assert from_store.output == DIFF
    assert run(env, "diff", "--files", "15-1252.00", "v.0.1", "v.0.2").output == DIFF
    as_json = json.loads(run(env, "diff", "--format", "json", "15-1252.00", "v.0.1",
                             "v.0.2").output)
    assert [c["change"] for c in as_json] == ["added", "reworded", "moved", "removed"]
    same = run(env, "diff", "15-1252.00", "v.0.2", "v.0.2")
    assert same.output == "15-1252.00: no statement changed from v.0.2 to v.0.2\n"
    missing = run(env, "diff", "15-1252.00", "v.0.1", "v.9")
    assert missing.exit_code == 2
    assert "no release v.9 of the framework for 15-1252.00" in missing.output


def test_synthetic_corpus_is_reproducible_and_refused_by_default(
        env: dict[str, str], tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    shutil.copytree(DATA / "sources" / "onet_excerpt", sources)
    out = tmp_path / "corpus"
    made = run(env, "synth", "frameworks", "--out", str(out), "--sources", str(sources),
               "--seed", "3")
    assert made.exit_code == 0, made.output
    # The seed occupation keeps its authored framework, copied unchanged; only the other
    # occupation is synthesised.
    assert "2 synthetic releases of 1 frameworks" in made.output
    assert "and 1 authored frameworks as they are" in made.output
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.yaml"))
    assert files == ["11-2022.00/v.26.05.yaml", "15-1252.00/synthetic.1.yaml",
                     "15-1252.00/synthetic.2.yaml", "reference.yaml"]
    assert (out / "11-2022.00/v.26.05.yaml").read_bytes() == \
        (FRAMEWORKS / "11-2022.00/v.26.05.yaml").read_bytes()
    first = {f: (out / f).read_bytes() for f in files}
    assert run(env, "synth", "frameworks", "--out", str(out), "--sources", str(sources),
               "--seed", "3").exit_code == 0
    assert {f: (out / f).read_bytes() for f in files} == first
    text = first["15-1252.00/synthetic.1.yaml"].decode()
    assert text.startswith("# SYNTHETIC") and "synthetic: true" in text
    assert "[synthetic] Software Developers: document and escalate" in text
    assert (out / "SYNTHETIC.md").exists()

    env = {**env, "NSXKG_FRAMEWORKS": str(out)}
    refused = run(env, "build")
    assert refused.exit_code == 2
    assert "synthetic benchmark data" in refused.output and "--allow-synthetic" in refused.output
    assert run(env, "build", "--allow-synthetic").exit_code == 0
    assert run(env, "validate").exit_code == 0
    assert run(env, "load").exit_code == 0
    changed = run(env, "diff", "15-1252.00", "synthetic.1", "synthetic.2")
    assert changed.exit_code == 0 and "synthetic.1 → synthetic.2" in changed.output

    not_ours = tmp_path / "not-a-corpus"
    not_ours.mkdir()
    (not_ours / "notes.txt").write_text("keep me", encoding="utf-8")
    kept = run(env, "synth", "frameworks", "--out", str(not_ours), "--sources", str(sources))
    assert kept.exit_code == 2 and "not a synthetic corpus" in kept.output
    assert (not_ours / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_bad_setting_is_a_usage_error(env: dict[str, str]) -> None:
    result = run({**env, "NSXKG_BASE_IRI": "not-an-iri"}, "build")
    assert result.exit_code == 2
    assert "base_iri" in result.output and "http(s) IRI" in result.output
