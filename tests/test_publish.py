"""`nsxkg publish`: the framework build pushed to a real `oxigraph serve` on 127.0.0.1 through
the Graph Store Protocol, graph by graph, and the counts checked there."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bench.servers import oxigraph_serve
from click.testing import CliRunner

from nsxkg.cli import main
from nsxkg.publish import CountMismatch, Login, PublishError, graph_store_for, publish, target
from nsxkg.validate import REPORT
from support import Loaded
from web.web_helpers import free_port


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with oxigraph_serve(tmp_path_factory.mktemp("oxigraph")) as url:
        yield url


def _counts(url: str) -> dict[str, int]:
    response = httpx.post(f"{url}/query", headers={"Accept": "application/sparql-results+json"},
                          data={"query": "SELECT ?g (COUNT(*) AS ?n) "
                                         "WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"})
    response.raise_for_status()
    return {b["g"]["value"]: int(b["n"]["value"])
            for b in response.json()["results"]["bindings"]}


def _expected(loaded: Loaded) -> dict[str, int]:
    return {g.iri: g.triples for g in loaded.manifest.graphs}


def test_every_graph_arrives_with_its_count_and_a_second_publish_replaces(
        loaded: Loaded, server: str) -> None:
    expected = _expected(loaded)
    assert len(expected) >= 3
    published = publish(loaded.settings.build_dir, target(f"{server}/query"))
    assert {p.iri: p.on_server for p in published} == expected
    assert _counts(server) == expected

    # A triple that is not in the build must be gone after the next publish: replace, not
    # append (appending the same triples again would not show, RDF graphs being sets).
    framework = next(g.iri for g in loaded.manifest.graphs if g.kind == "framework")
    httpx.post(f"{server}/update", data={"update": f"INSERT DATA {{ GRAPH <{framework}> "
               "{ <urn:x:stray> <urn:x:p> \"left over\" } }"}).raise_for_status()
    assert _counts(server)[framework] == expected[framework] + 1
    publish(loaded.settings.build_dir, target(f"{server}/query"))
    assert _counts(server) == expected


def test_a_first_load_takes_the_bulk_loader_and_an_update_the_graph_store(
        loaded: Loaded, tmp_path: Path) -> None:
    expected = _expected(loaded)
    with oxigraph_serve(tmp_path / "fresh") as fresh:
        first = publish(loaded.settings.build_dir, target(f"{fresh}/query"))
        assert {p.method for p in first} == {"bulk"}  # nothing there yet: Oxigraph's loader
        assert _counts(fresh) == expected
        again = publish(loaded.settings.build_dir, target(f"{fresh}/query"))
        assert {p.method for p in again} == {"gsp"}  # there: replaced atomically
        assert _counts(fresh) == expected
        # Asked for, the bulk loader replaces too (it drops the graph first).
        framework = next(g.iri for g in loaded.manifest.graphs if g.kind == "framework")
        httpx.post(f"{fresh}/update", data={"update": f"INSERT DATA {{ GRAPH <{framework}> "
                   "{ <urn:x:stray> <urn:x:p> \"left over\" } }"}).raise_for_status()
        forced = publish(loaded.settings.build_dir, target(f"{fresh}/query"), loader="bulk")
        assert {p.method for p in forced} == {"bulk"}
        assert _counts(fresh) == expected


def test_bulk_needs_a_server_with_a_known_bulk_loader(loaded: Loaded, tmp_path: Path) -> None:
    with oxigraph_serve(tmp_path / "x") as url, pytest.raises(PublishError, match="--isql"):
        # An Oxigraph endpoint taken for Virtuoso's would need the SQL port; here the engine
        # is told by the Server header, so a Virtuoso path without --isql is refused.
        from nsxkg import publish as module

        module._choose(httpx.Client(), target(f"{url}/query"), "virtuoso", [], "bulk")


def test_the_command_publishes_and_prints_each_graph(loaded: Loaded, server: str) -> None:
    result = CliRunner().invoke(main, ["publish", "--endpoint", f"{server}/query",
                                       "--build-dir", str(loaded.settings.build_dir)])
    assert result.exit_code == 0, result.output
    for graph in loaded.manifest.graphs:
        assert graph.iri in result.output
    assert "(gsp, " in result.output  # the graphs were there from the first test
    assert f"published to {server}/store" in result.output


def test_a_count_that_differs_on_the_server_fails_with_exit_1_naming_the_graph(
        loaded: Loaded, server: str) -> None:
    # Graphs stored on one server, counted on another, empty one: every count differs.
    with oxigraph_serve(None) as elsewhere:
        with pytest.raises(CountMismatch) as caught:
            publish(loaded.settings.build_dir,
                    target(f"{elsewhere}/query", graph_store=f"{server}/store"))
        assert caught.value.exit_code == 1
        framework = next(g for g in loaded.manifest.graphs if g.kind == "framework")
        assert f"<{framework.iri}>: 0 on the server, {framework.triples:,} in the build" \
            in str(caught.value)
        result = CliRunner().invoke(main, ["publish", "--endpoint", f"{elsewhere}/query",
                                           "--graph-store", f"{server}/store",
                                           "--build-dir", str(loaded.settings.build_dir)])
        assert result.exit_code == 1, result.output


@pytest.mark.parametrize(("loader", "method"), [("gsp", "PUT"), ("bulk", "POST")])
def test_a_graph_store_error_is_a_clear_error(loaded: Loaded, server: str, loader: str,
                                              method: str) -> None:
    with pytest.raises(PublishError, match=rf"{method} <https://w3id\.org/nsxkg/graph/.*> to "
                                           r".*/no-such-store: HTTP 404"):
        publish(loaded.settings.build_dir,
                target(f"{server}/query", graph_store=f"{server}/no-such-store"),
                loader=loader)


def test_an_unreachable_server_is_a_clear_error(loaded: Loaded) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(PublishError, match=r"http://127\.0\.0\.1:\d+/query: ConnectError"):
        publish(loaded.settings.build_dir, target(f"{closed}/query", timeout=5))


def test_an_unvalidated_build_is_refused_before_any_request(loaded: Loaded,
                                                            tmp_path: Path) -> None:
    build = shutil.copytree(loaded.settings.build_dir, tmp_path / "build")
    (build / REPORT).unlink()
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens: a request would fail
    with pytest.raises(PublishError, match="has not been validated"):
        publish(build, target(f"{closed}/query"))
    result = CliRunner().invoke(main, ["publish", "--endpoint", f"{closed}/query",
                                       "--build-dir", str(build)])
    assert result.exit_code == 2 and "nsxkg validate" in result.output


@pytest.mark.parametrize(("endpoint", "graph_store"), [
    ("http://h:7878/query", "http://h:7878/store"),  # Oxigraph
    ("http://h:3030/ds/sparql", "http://h:3030/ds/data"),  # Fuseki
    ("http://h:3030/ds/query", "http://h:3030/ds/data"),
    ("http://h:7200/repositories/nsxkg", "http://h:7200/repositories/nsxkg/rdf-graphs/service"),
    ("http://h:8890/sparql", "http://h:8890/sparql-graph-crud"),  # Virtuoso
])
def test_the_graph_store_is_derived_where_servers_agree(endpoint: str, graph_store: str) -> None:
    assert graph_store_for(endpoint) == graph_store
    assert target(endpoint).graph_store == graph_store


def test_virtuoso_with_a_login_uses_its_authenticated_graph_store() -> None:
    assert target("http://h:8890/sparql", user="dba", password="x").graph_store == \
        "http://h:8890/sparql-graph-crud-auth"


def test_an_endpoint_without_a_convention_needs_the_graph_store_given() -> None:
    with pytest.raises(PublishError, match="--graph-store"):
        target("http://qlever:7001/")
    assert target("http://qlever:7001/", "http://qlever:7001/").graph_store == \
        "http://qlever:7001/"
    with pytest.raises(PublishError, match="--endpoint: expected an http"):
        target("qlever:7001")


def test_credentials_are_sent_as_the_server_asks_or_as_a_bearer_token() -> None:
    login = target("http://h/query", user="nsx", password="secret").auth
    assert isinstance(login, Login)
    request = httpx.Request("HEAD", "http://h/store")
    flow = login.sync_auth_flow(request)
    assert "Authorization" not in next(flow).headers  # first, ask without
    challenge = httpx.Response(401, headers={"WWW-Authenticate": 'Basic realm="x"'},
                               request=request)
    assert flow.send(challenge).headers["Authorization"] == "Basic bnN4OnNlY3JldA=="
    # Once learnt, sent at once (a streamed upload cannot be sent twice).
    assert next(login.sync_auth_flow(httpx.Request("PUT", "http://h/store"))) \
        .headers["Authorization"] == "Basic bnN4OnNlY3JldA=="
    digest = target("http://h:8890/sparql", user="dba", password="dba").auth
    assert isinstance(digest, Login)
    flow = digest.sync_auth_flow(httpx.Request("HEAD", "http://h:8890/sparql-graph-crud-auth"))
    next(flow)
    offered = httpx.Response(401, request=request, headers={
        "WWW-Authenticate": 'Digest realm="SPARQL", nonce="abc", qop="auth"'})
    assert flow.send(offered).headers["Authorization"].startswith("Digest username=\"dba\"")
    with target("http://h/query", token="t0k").client() as client:
        assert client.headers["Authorization"] == "Bearer t0k"


def test_a_build_file_with_a_foreign_quad_stops_the_upload_and_leaves_the_graph(
        loaded: Loaded, server: str, tmp_path: Path) -> None:
    publish(loaded.settings.build_dir, target(f"{server}/query"))
    build = shutil.copytree(loaded.settings.build_dir, tmp_path / "build")
    framework = next(g for g in loaded.manifest.graphs if g.kind == "framework")
    lines = (build / framework.file).read_text(encoding="utf-8").splitlines(keepends=True)
    lines[5] = lines[5].replace(f"<{framework.iri}> .", "<https://example.org/other> .")
    (build / framework.file).write_text("".join(lines), encoding="utf-8")
    with pytest.raises(PublishError, match=rf"{framework.file}: line 6: not a quad of graph"):
        publish(build, target(f"{server}/query"))
    assert _counts(server)[framework.iri] == framework.triples
