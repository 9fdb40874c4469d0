"""docs/: generated files are up to date, and what the pages state is true of the code and
of a running server."""

from __future__ import annotations

import ast
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import click
import httpx
import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from nsxkg.cli import main
from nsxkg.config import DEFAULT_BASE_IRI, PROJECT_ROOT
from nsxkg.docgen.cite import bibtex, csl_json, release_works
from nsxkg.docgen.clidoc import cli_reference
from nsxkg.docgen.diagram import render_svg
from nsxkg.docgen.model import read_model
from nsxkg.iris import Iris
from nsxkg.query import run
from web.web_helpers import serve

DOCS = PROJECT_ROOT / "docs"
SVG = "{http://www.w3.org/2000/svg}"


def _stale(path: Path, command: str) -> str:
    return f"{path.relative_to(PROJECT_ROOT)} is out of date: run `{command}` and commit it"


# -- the diagram ----------------------------------------------------------------------------

def test_diagram_is_up_to_date() -> None:
    fresh = render_svg(read_model(PROJECT_ROOT / "ontology"), "nsxkg data model")
    committed = (DOCS / "data-model.svg").read_text(encoding="utf-8")
    assert committed == fresh, _stale(DOCS / "data-model.svg",
                                      "nsxkg docs diagram --output docs/data-model.svg")


def _ontology_terms(query: str) -> set[str]:
    store = ox.Store()
    for path in (PROJECT_ROOT / "ontology").glob("*.ttl"):
        store.bulk_load(path=path, format=ox.RdfFormat.TURTLE)
    result = store.query("PREFIX owl: <http://www.w3.org/2002/07/owl#>\n"
                         "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n" + query)
    assert isinstance(result, ox.QuerySolutions)
    nsx = "https://w3id.org/nsxkg/def#"
    return {s[0].value.removeprefix(nsx) for s in result if s[0].value.startswith(nsx)}


def test_diagram_is_svg_naming_every_class_and_property() -> None:
    root = ET.parse(DOCS / "data-model.svg").getroot()  # raises on malformed XML
    assert root.tag == f"{SVG}svg"
    assert float(root.attrib["width"]) > 0 and float(root.attrib["height"]) > 0
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    boxes = {t for t in texts if " " not in t}
    classes = _ontology_terms("SELECT ?c WHERE { ?c a owl:Class }")
    assert len(classes) > 30
    assert classes <= boxes, f"classes missing from the diagram: {sorted(classes - boxes)}"
    words = {w for t in texts for w in re.findall(r"[A-Za-z0-9]+", t)}
    properties = _ontology_terms("SELECT ?p WHERE { VALUES ?k { owl:ObjectProperty "
                                 "owl:DatatypeProperty } ?p a ?k }")
    assert properties <= words, f"properties missing: {sorted(properties - words)}"


def test_diagram_draws_subclass_and_domain_range_links() -> None:
    root = ET.parse(DOCS / "data-model.svg").getroot()
    paths = list(root.iter(f"{SVG}path"))
    subclass = [p for p in paths if p.get("class") == "subclass"]
    properties = [p for p in paths if p.get("class") == "property"]
    model = read_model(PROJECT_ROOT / "ontology")
    assert len(subclass) == sum(link.subclass for link in model.links) > 10
    assert len(properties) == sum(not link.subclass for link in model.links) > 20
    labels = {t.text for t in root.iter(f"{SVG}text") if t.get("font-style") == "italic"}
    assert "levelRole" in labels and "anchorSkill" in labels


# -- the CLI reference -----------------------------------------------------------------------

def test_cli_reference_is_up_to_date() -> None:
    committed = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert committed == cli_reference(main), _stale(DOCS / "cli.md",
                                                    "nsxkg docs cli --output docs/cli.md")


def _commands(group: click.Command, path: str) -> list[tuple[str, click.Command]]:
    found = [(path, group)]
    if isinstance(group, click.Group):
        for name, sub in group.commands.items():
            found += _commands(sub, f"{path} {name}")
    return found


def test_cli_reference_documents_every_command_and_option() -> None:
    text = cli_reference(main)
    for path, command in _commands(main, "nsxkg"):
        assert f"`{path}`\n" in text, path
        section = text.split(f"`{path}`\n", 1)[1]
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert param.opts[0] in section.split("\n#", 1)[0], (path, param.opts[0])
    assert "`NSXKG_BUILD_DIR`" in text and "`NSXKG_STORE_DIR`" in text
    assert "/work/" not in text and str(PROJECT_ROOT) not in text  # same page on any machine


def test_docs_cli_command_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "cli.md"
    result = CliRunner().invoke(main, ["docs", "cli", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == cli_reference(main)


# -- the URI scheme --------------------------------------------------------------------------

def uri_rows() -> list[dict[str, str]]:
    """The rows of the table in docs/uris.md whose last column names an Iris method."""
    rows = []
    header: list[str] | None = None
    for line in (DOCS / "uris.md").read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if header is None:
            header = cells
        elif not set(cells[0]) <= {"-", " "} and "minted by" in header:
            rows.append(dict(zip(header, cells, strict=True)))
    return rows


def _code(cell: str) -> str:
    match = re.fullmatch(r"`([^`]+)`", cell)
    assert match, f"expected one `code` span, got {cell!r}"
    return match.group(1)


def test_uri_table_examples_are_what_iris_mints() -> None:
    rows = uri_rows()
    assert len(rows) >= 25
    iris = Iris(DEFAULT_BASE_IRI)
    for row in rows:
        call = ast.parse(_code(row["minted by"]), mode="eval").body
        assert isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
        args = [ast.literal_eval(a) for a in call.args]
        minted = getattr(iris, call.func.id)(*args).value
        example = _code(row["example"])
        assert minted == example, row
        # The pattern, with {placeholders} as one or more segments, matches the example.
        pattern = _code(row["pattern"]).replace("{base}", DEFAULT_BASE_IRI)
        regex = re.escape(pattern)
        regex = re.sub(r"\\\[(.*?)\\\]", r"(?:\1)?", regex)
        regex = re.sub(r"\\\{[^}]*\\\}", "[^/]+", regex)
        assert re.fullmatch(regex, example), (pattern, example)


def test_documented_iris_dereference(loaded: Any) -> None:
    """Every documented example the framework graph holds answers 303 to a 200 page."""
    examples = [_code(row["example"]) for row in uri_rows()]
    held = [e for e in examples
            if next(loaded.store.quads_for_pattern(ox.NamedNode(e), None, None, None), None)]
    assert len(held) >= 8, held
    with serve(loaded.settings) as server, httpx.Client(base_url=server.url) as client:
        for iri in held:
            path = iri.removeprefix(DEFAULT_BASE_IRI)
            first = client.get(f"/{path}", headers={"Accept": "text/turtle"})
            assert first.status_code == 303, (iri, first.status_code)
            assert first.headers["location"] == "/" + path.replace("id/", "doc/", 1)
            page = client.get(first.headers["location"], headers={"Accept": "text/turtle"})
            assert page.status_code == 200 and f"<{iri}>" in ox.serialize(
                ox.parse(page.content, format=ox.RdfFormat.TURTLE),
                format=ox.RdfFormat.N_TRIPLES).decode(), iri
        for path, target in (("def", "/def.ttl"), ("graph/ontology", "/dumps/ontology.ttl")):
            answer = client.get(f"/{path}", headers={"Accept": "text/turtle"})
            assert (answer.status_code, answer.headers["location"]) == (303, target)


# -- citations --------------------------------------------------------------------------------

def _normalised(text: str) -> str:
    """Without what changes from build to build: digests, dates, counts."""
    text = re.sub(r"\b[0-9a-f]{8,64}\b", "<digest>", text)
    text = re.sub(r"\b\d{4}-\d{2}-\d{2}\b", "<date>", text)
    text = re.sub(r"year = \{\d{4}\}", "year = {<year>}", text)
    text = re.sub(r"made with nsxkg [^ ]+?\.\}", "made with nsxkg <version>.}", text)
    return re.sub(r"\b\d[\d,]*(?= quads in \d+ named graphs)", "<n>", text)


def test_citing_example_is_what_the_command_prints(loaded: Any) -> None:
    works = release_works(loaded.store, loaded.build, loaded.settings.dataset_license)
    produced = bibtex(works)
    page = (DOCS / "citing.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bibtex\n(.*?)```", page, flags=re.S)
    assert blocks, "citing.md shows no ```bibtex example"
    assert _normalised(blocks[0]) == _normalised(produced)


def test_citation_formats_carry_version_date_and_licence(loaded: Any) -> None:
    works = release_works(loaded.store, loaded.build, loaded.settings.dataset_license)
    release = works[0]
    assert release.version == loaded.build.digest[:16]
    assert release.licence == "https://creativecommons.org/licenses/by/4.0/"
    items = json.loads(csl_json(works))
    assert items[0]["id"] == release.key and items[0]["type"] == "dataset"
    assert len(items[0]["issued"]["date-parts"][0]) == 3
    onet = [i for i in items if "O*NET" in i["title"]]
    assert onet and all("CC BY 4.0" in i["note"] for i in onet)
    text = bibtex(works)
    assert text.count("@") == len(works) and text.count("{") == text.count("}")


def test_docs_cite_without_a_store_is_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["docs", "cite", "--store-dir", str(tmp_path / "none")])
    assert result.exit_code == 2 and "no loaded store" in result.output


# -- the queries the pages show -------------------------------------------------------------

def doc_queries() -> list[tuple[str, str]]:
    found = []
    for page in sorted(DOCS.glob("*.md")):
        for i, text in enumerate(re.findall(r"```sparql\n(.*?)```", page.read_text("utf-8"),
                                            flags=re.S)):
            found.append((f"{page.stem}-{i + 1}", text))
    return found


DOC_QUERIES = doc_queries()


def _local(query: str) -> bool:
    """Whether nsxkg answers the query alone (no SERVICE but its own text search)."""
    return "SERVICE" not in query.replace("SERVICE nsx:textSearch", "")


def test_pages_show_queries() -> None:
    assert len(DOC_QUERIES) >= 8


@pytest.mark.parametrize(("name", "query"), DOC_QUERIES, ids=[n for n, _ in DOC_QUERIES])
def test_doc_query_parses_and_runs(name: str, query: str, loaded: Any) -> None:
    if "nsx:textSearch" in query:  # evaluated by nsxkg itself, against the text index
        result = run(loaded.store, query, text=loaded.text)
        assert isinstance(result, ox.QuerySolutions)
        list(result)
        return
    if "SERVICE" in query:  # needs a second endpoint; only its syntax is checked here
        from rdflib.plugins.sparql import prepareQuery

        prepareQuery(query)
        return
    result = loaded.store.query(query, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    list(result)


@pytest.mark.sources
@pytest.mark.parametrize(("name", "query"), [q for q in DOC_QUERIES if _local(q[1])],
                         ids=[n for n, q in DOC_QUERIES if _local(q)])
def test_doc_query_answers_on_the_full_build(name: str, query: str, full_build: Any) -> None:
    """Each query a page shows answers something on the data it was written for."""
    result = run(full_build.store, query, text=full_build.text)
    assert isinstance(result, ox.QuerySolutions)
    assert list(result), f"{name} returns no rows on the full build"


# -- the index links every page --------------------------------------------------------------

@pytest.mark.parametrize("page", ["data-model.md", "uris.md", "graphs.md", "citing.md",
                                  "joining.md", "cli.md", "tutorial.md", "text-search.md",
                                  "deployment.md", "publishing.md",
                                  "frameworks-in-and-out.md"])
def test_index_links_page(page: str) -> None:
    assert (DOCS / page).is_file()
    assert f"]({page})" in (DOCS / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)",
                             (DOCS / page).read_text(encoding="utf-8")):
        assert (DOCS / target).resolve().exists(), f"{page} links to missing {target}"


# -- the deployment and publishing pages hold only tested recipes ------------------------------

@pytest.mark.parametrize("page", ["deployment.md", "publishing.md",
                                  "frameworks-in-and-out.md"])
def test_every_test_a_page_cites_exists(page: str) -> None:
    """These pages say which test runs each recipe; a renamed or removed test must not leave
    a page claiming it."""
    text = (DOCS / page).read_text(encoding="utf-8")
    tests = PROJECT_ROOT / "tests"
    for path in re.findall(r"`(tests/[\w/]+\.py)`", text):
        assert (PROJECT_ROOT / path).is_file(), f"{page} cites missing {path}"
    defined = {m for f in tests.rglob("test_*.py")
               for m in re.findall(r"^def (test_\w+)", f.read_text(encoding="utf-8"), re.M)}
    cited = set(re.findall(r"`(test_\w+)`", text))
    assert cited, f"{page} cites no test"
    assert cited <= defined, f"{page} cites tests that do not exist: {sorted(cited - defined)}"
