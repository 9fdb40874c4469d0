"""The command line, end to end, through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from nsxkg.cli import main
from support import DATA, FRAMEWORKS, PROJECT_ROOT

INVALID = sorted((DATA / "frameworks" / "invalid").iterdir())


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
    env = {**env, "NSXKG_FRAMEWORKS": str(case)}
    result = run(env, "build")
    assert result.exit_code == 2
    assert "15-1252.00.yaml" in result.output and "line " in result.output
    assert not (tmp_path / "build").exists()
    assert not (tmp_path / "store").exists()


def test_failed_build_keeps_the_previous_one(env: dict[str, str], tmp_path: Path) -> None:
    assert run(env, "build").exit_code == 0
    before = (tmp_path / "build" / "manifest.json").read_text()
    result = run({**env, "NSXKG_FRAMEWORKS": str(INVALID[0])}, "build")
    assert result.exit_code == 2
    assert (tmp_path / "build" / "manifest.json").read_text() == before
    assert not any(p.name.startswith(".build-") for p in tmp_path.iterdir())


def test_validate_reports_violations_with_origin(env: dict[str, str], tmp_path: Path) -> None:
    assert run(env, "build").exit_code == 0
    graph = tmp_path / "build" / "graphs" / "framework-11-2022.00.nq"
    lines = graph.read_text(encoding="utf-8").splitlines(keepends=True)
    # Drop the level of one mastery statement: the shapes require exactly one.
    target = ("<https://w3id.org/nsxkg/id/statement/11-2022.00/mastery/developing/3> "
              "<https://w3id.org/nsxkg/def#level>")
    kept = [line for line in lines if not line.startswith(target)]
    assert len(kept) == len(lines) - 1
    graph.write_text("".join(kept), encoding="utf-8")

    result = run(env, "validate")
    assert result.exit_code == 1, result.output
    assert "mastery/developing/3" in result.output
    assert "def#level" in result.output
    assert "11-2022.00.yaml, line " in result.output
    assert "(mastery.1.statements.2)" in result.output
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
    assert json.loads(result.output)["title"] == "NSX occupation skills framework"


def test_bad_setting_is_a_usage_error(env: dict[str, str]) -> None:
    result = run({**env, "NSXKG_BASE_IRI": "not-an-iri"}, "build")
    assert result.exit_code == 2
    assert "base_iri" in result.output and "http(s) IRI" in result.output
