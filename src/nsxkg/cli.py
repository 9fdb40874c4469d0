"""The `nsxkg` command line: thin wrappers over the library.

Exit codes: 0 success (or the graph conforms), 1 the graph does not conform to the shapes,
2 error (bad input, bad query, missing store). Errors are mapped to codes in one place,
``NsxkgGroup.invoke``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from pydantic import ValidationError

from nsxkg import __version__
from nsxkg.config import Settings
from nsxkg.errors import EXIT_ERROR, EXIT_NONCONFORMANT, NsxkgError

F = TypeVar("F", bound=Callable[..., Any])


class NsxkgGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NsxkgError as err:
            click.echo(f"error: {err}", err=True)
            ctx.exit(err.exit_code)


def _path_option(name: str, help: str) -> Callable[[F], F]:
    return click.option(name, type=click.Path(path_type=Path), default=None, help=help)


build_dir_option = _path_option("--build-dir", "Build output directory [env NSXKG_BUILD_DIR; "
                                "default build]")
store_dir_option = _path_option("--store-dir", "Oxigraph store directory [env NSXKG_STORE_DIR; "
                                "default store]")


def settings(**overrides: object) -> Settings:
    try:
        return Settings().with_overrides(**overrides)
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}"
                             for e in err.errors())
        raise click.UsageError(f"bad setting (option or NSXKG_* variable): {problems}") from err


@click.group(cls=NsxkgGroup)
@click.version_option(__version__, prog_name="nsxkg")
def main() -> None:
    """nsxkg: the NSX Skills Knowledge Graph.

    Typical use: build → validate → load → serve (or query).
    Every option can also be set with an NSXKG_* environment variable.
    """


@main.command()
@_path_option("--frameworks", "Directory of framework files [env NSXKG_FRAMEWORKS]")
@_path_option("--sources", "Directory of source releases (O*NET, ESCO, …) [env NSXKG_SOURCES]")
@build_dir_option
@click.option("--base-iri", default=None, help="Base of minted IRIs [env NSXKG_BASE_IRI]")
@click.option("--allow-synthetic", is_flag=True, default=None,
              help="Build framework releases marked synthetic (benchmark corpora) "
                   "[env NSXKG_ALLOW_SYNTHETIC].")
@click.option("--verbose", "-v", is_flag=True, help="List every graph, not a summary of the "
                                                    "framework graphs.")
def build(frameworks: Path | None, sources: Path | None, build_dir: Path | None,
          base_iri: str | None, allow_synthetic: bool | None, verbose: bool) -> None:
    """Convert the framework files (and source releases) into N-Quads under the build dir."""
    from nsxkg.build import FRAMEWORK_KINDS
    from nsxkg.build import build as run_build
    from nsxkg.progress import terminal_progress

    cfg = settings(frameworks=frameworks, sources=sources, build_dir=build_dir, base_iri=base_iri,
                   allow_synthetic=allow_synthetic)
    with terminal_progress() as progress:
        manifest = run_build(cfg, progress=progress)
    if manifest.rows:
        click.echo("rows read:")
        for name, rows in manifest.rows.items():
            click.echo(f"{rows:>10,}  {name}")
    for absent in manifest.absent:
        click.echo(f"    absent  {absent}")
    click.echo("triples per graph:")
    total = 0
    framework_graphs = [g for g in manifest.graphs if g.kind in FRAMEWORK_KINDS]
    listed = manifest.graphs if verbose or len(framework_graphs) <= 12 else \
        [g for g in manifest.graphs if g.kind not in FRAMEWORK_KINDS]
    for graph in listed:
        click.echo(f"{graph.triples:>10,}  {graph.iri}  ({graph.origin})")
    if listed is not manifest.graphs:
        releases = sum(g.kind == "release" for g in framework_graphs)
        frameworks_n = sum(g.kind == "framework" for g in framework_graphs)
        click.echo(f"{sum(g.triples for g in framework_graphs):>10,}  {frameworks_n:,} "
                   f"frameworks in {releases:,} releases ({len(framework_graphs):,} graphs "
                   f"under {manifest.base_iri}graph/framework…; -v lists them)")
    total = sum(g.triples for g in manifest.graphs)
    click.echo(f"{total:>10,}  triples in {len(manifest.graphs):,} graphs → {cfg.build_dir}")


@main.command()
@build_dir_option
@_path_option("--shapes", "Directory of SHACL shapes [env NSXKG_SHAPES]")
@click.option("--engine", type=click.Choice(["turbo", "pyshacl"]), default="turbo",
              show_default=True, help="SHACL engine: pyshacl-turbo on Oxigraph, or pySHACL.")
def validate(build_dir: Path | None, shapes: Path | None, engine: str) -> None:
    """Validate the build against the SHACL shapes. Exit 0 conforms, 1 violations, 2 error."""
    from nsxkg.progress import terminal_progress
    from nsxkg.validate import validate_build

    cfg = settings(build_dir=build_dir, shapes=shapes)
    with terminal_progress() as progress:
        report = validate_build(cfg.build_dir, cfg.shapes, engine, progress=progress)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    if report.conforms:
        click.echo(f"conforms: {report.graphs} graphs validated, 0 violations")
        return
    for violation in report.violations:
        click.echo(violation.render())
        click.echo()
    click.echo(f"does not conform: {len(report.violations)} violations in {report.graphs} graphs",
               err=True)
    sys.exit(EXIT_NONCONFORMANT)


@main.command()
@build_dir_option
@store_dir_option
@click.option("--force", is_flag=True, help="Load even if the build was not validated.")
def load(build_dir: Path | None, store_dir: Path | None, force: bool) -> None:
    """Load the validated build into a new store directory and swap it in."""
    from nsxkg.progress import terminal_progress
    from nsxkg.store import load as run_load
    from nsxkg.web import prerender

    cfg = settings(build_dir=build_dir, store_dir=store_dir)
    with terminal_progress() as progress:
        loaded = run_load(cfg.build_dir, cfg.store_dir, require_valid=not force,
                          progress=progress, pages=prerender.write)
    click.echo(f"loaded {loaded.quads:,} quads into {loaded.path} (now {cfg.store_dir}/current)")
    if loaded.indexing_seconds is not None:
        click.echo(f"text index: {loaded.manifest.get('text_literals', 0):,} literals in "
                   f"{loaded.indexing_seconds:.1f} s")


@main.command()
@click.option("--endpoint", default=None, help="SPARQL query endpoint of the server "
              "[env NSXKG_PUBLISH_ENDPOINT]")
@click.option("--graph-store", default=None, help="Its Graph Store Protocol address [env "
              "NSXKG_PUBLISH_GRAPH_STORE; derived for Oxigraph, Fuseki, GraphDB, Virtuoso]")
@build_dir_option
@click.option("--user", default=None, help="Login (HTTP Basic or Digest, and Virtuoso's SQL "
              "port); the password comes from env NSXKG_PUBLISH_PASSWORD (a bearer token "
              "from NSXKG_PUBLISH_TOKEN) [env NSXKG_PUBLISH_USER]")
@click.option("--loader", type=click.Choice(["auto", "gsp", "bulk"]), default=None,
              help="gsp: Graph Store Protocol PUT per graph (atomic per graph); bulk: the "
              "server's bulk loader (Oxigraph, Virtuoso; not atomic); auto: bulk for graphs "
              "the server does not hold yet, gsp for the others [env NSXKG_PUBLISH_LOADER; "
              "auto]")
@click.option("--isql", default=None, help="Virtuoso's SQL port, HOST:PORT, for its bulk "
              "loader (needs the isql-vt client) [env NSXKG_PUBLISH_ISQL]")
@click.option("--server-build-dir", type=click.Path(path_type=Path), default=None,
              help="The build directory as the Virtuoso server sees it, when it is mounted "
              "elsewhere there [env NSXKG_PUBLISH_SERVER_BUILD_DIR; the local path]")
@click.option("--timeout", type=float, default=None,
              help="Seconds to wait on each request [env NSXKG_PUBLISH_TIMEOUT; 300]")
def publish(endpoint: str | None, graph_store: str | None, build_dir: Path | None,
            user: str | None, loader: str | None, isql: str | None,
            server_build_dir: Path | None, timeout: float | None) -> None:
    """Put every named graph of the validated build on another SPARQL server (Virtuoso,
    Oxigraph, Fuseki, GraphDB, QLever), then check each graph's triple count there.
    Exit 1 when a count differs, 2 on any other error."""
    from nsxkg.progress import terminal_progress
    from nsxkg.publish import publish as run_publish
    from nsxkg.publish import target

    cfg = settings(build_dir=build_dir, publish_endpoint=endpoint,
                   publish_graph_store=graph_store, publish_user=user, publish_timeout=timeout,
                   publish_loader=loader, publish_isql=isql,
                   publish_server_build_dir=server_build_dir)
    if not cfg.publish_endpoint:
        raise click.UsageError("give the server's SPARQL endpoint: --endpoint URL")
    secret = cfg.publish_password.get_secret_value() if cfg.publish_password else None
    token = cfg.publish_token.get_secret_value() if cfg.publish_token else None
    to = target(cfg.publish_endpoint, cfg.publish_graph_store, user=cfg.publish_user,
                password=secret, token=token, timeout=cfg.publish_timeout,
                isql=cfg.publish_isql, server_build_dir=cfg.publish_server_build_dir)
    with terminal_progress() as progress:
        published = run_publish(cfg.build_dir, to, progress=progress,
                                loader=cfg.publish_loader)
    for done in published:
        click.echo(f"{done.on_server:>10,}  {done.iri}  ({done.method}, {done.seconds:.1f} s)")
    click.echo(f"published to {to.graph_store}; counts checked at {to.endpoint}")


@main.command()
@click.argument("code")
@click.argument("old")
@click.argument("new")
@store_dir_option
@click.option("--files", is_flag=True,
              help="Compare the framework files (--frameworks) instead of the loaded store.")
@_path_option("--frameworks", "Directory of framework files [env NSXKG_FRAMEWORKS]")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def diff(code: str, old: str, new: str, store_dir: Path | None, files: bool,
         frameworks: Path | None, fmt: str) -> None:
    """Statements added, removed, reworded and moved between two releases of a framework.

    CODE is the occupation's O*NET-SOC code, OLD and NEW are versions (e.g. v.26.05).
    Exit 0 whether or not anything changed, 2 when a release is not there.
    """
    from dataclasses import asdict

    from nsxkg.errors import InputError
    from nsxkg.frameworks import diff as fdiff

    cfg = settings(store_dir=store_dir, frameworks=frameworks)
    if files:
        from nsxkg.frameworks.loader import load_framework

        def versions_of(version: str) -> list[fdiff.Version]:
            path = cfg.frameworks / code / f"{version}.yaml"
            if not path.exists():
                raise InputError.at(path, f"no release {version} of {code} here")
            return fdiff.from_framework(load_framework(path))
    else:
        from nsxkg.iris import Iris
        from nsxkg.store import open_store

        store, loaded = open_store(cfg.store_dir)
        iris = Iris(str(loaded.manifest.get("base_iri") or cfg.base_iri))

        def versions_of(version: str) -> list[fdiff.Version]:
            found = fdiff.from_store(store, iris, code, version)
            if not found:
                raise InputError.at(cfg.store_dir, f"the loaded build has no release {version} "
                                                   f"of the framework for {code}")
            return found
    changes = fdiff.diff(versions_of(old), versions_of(new))
    if fmt == "json":
        click.echo(json.dumps([asdict(c) for c in changes], indent=2, ensure_ascii=False))
    else:
        click.echo(fdiff.render(changes, code, old, new), nl=False)


@main.group("import", cls=NsxkgGroup)
def import_() -> None:
    """Bring frameworks in from the forms their publishers use."""


@import_.command("nsx-page")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--output", "-o", "output", type=click.Path(path_type=Path), default=None,
              help="Frameworks directory to write <code>/<version>.yaml into (it holds "
                   "reference.yaml) [env NSXKG_FRAMEWORKS]")
@_path_option("--sources", "Source directory with the O*NET releases the anchors' names are "
                           "looked up in [env NSXKG_SOURCES]")
@click.option("--force", is_flag=True,
              help="Replace a release file that is already there with other content.")
def import_nsx_page(source: Path, output: Path | None, sources: Path | None,
                    force: bool) -> None:
    """Import NSX framework pages (SOURCE: a page's text, or a folder of *.txt pages).

    Every page is checked before anything is written; one bad page, or a release file
    already there with other content (without --force), writes nothing. Exit 0 when all
    pages are imported, 2 otherwise (each problem names its file and line).
    """
    from nsxkg.errors import InputError
    from nsxkg.importers.batch import import_pages, pages_in
    from nsxkg.importers.onet_names import load

    cfg = settings(frameworks=output, sources=sources)
    if cfg.sources is None:
        raise InputError.at("--sources", "importing a page looks its anchors up in O*NET: "
                                         "set --sources or NSXKG_SOURCES")
    pages = pages_in(source)
    for outcome in import_pages(pages, cfg.frameworks, load(cfg.sources), force=force):
        state = "written" if outcome.written else "unchanged"
        click.echo(f"{state:>9}  {outcome.target}  (from {outcome.page.name})")


@main.command("export")
@click.argument("release")
@click.option("--format", "fmt", type=click.Choice(["case", "ctdl-asn", "csv"]),
              required=True, help="CASE 1.1 CFPackage JSON, CTDL-ASN JSON-LD, or CSV.")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="Write to this file instead of standard output (CSV: its CSVW metadata "
                   "goes beside it, as FILE-metadata.json).")
@_path_option("--frameworks", "Directory of framework files [env NSXKG_FRAMEWORKS]")
@click.option("--base-iri", default=None, help="Base of the IRIs [env NSXKG_BASE_IRI]")
def export_(release: str, fmt: str, output: Path | None, frameworks: Path | None,
            base_iri: str | None) -> None:
    """Export a framework release for other tools: RELEASE is CODE or CODE@VERSION
    (without a version, the latest release), read from the framework files.

    The same release exports the same bytes every time (identifiers are UUID v5 of the
    nsxkg IRIs), so a registry re-importing it, or the next release, updates what it holds.
    """
    from nsxkg.export import formats
    from nsxkg.export.release import from_files, parse_spec

    cfg = settings(frameworks=frameworks, base_iri=base_iri)
    code, version = parse_spec(release)
    found = from_files(cfg.frameworks, code, version, cfg.base_iri)
    body = formats.FORMATS[fmt].render(found)
    if output is None:
        sys.stdout.buffer.write(body)
        return
    files = [(output, body)]
    if fmt == "csv":
        files.append((output.with_name(output.name + "-metadata.json"),
                      formats.csv_metadata(found, output.name)))
    for path, data in files:
        path.write_bytes(data)
        click.echo(f"wrote {path}", err=True)


@main.group(cls=NsxkgGroup)
def synth() -> None:
    """Synthetic data for benchmarks (never committed, never served by default)."""


@synth.command("frameworks")
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="Scratch directory to write the corpus into (replaced if it holds one).")
@_path_option("--sources", "Directory of source releases; occupations come from its O*NET "
                           "release [env NSXKG_SOURCES]")
@_path_option("--frameworks", "Directory holding the seed framework and reference.yaml "
                              "[env NSXKG_FRAMEWORKS]")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed.")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Only the first N occupations.")
def synth_frameworks(out: Path, sources: Path | None, frameworks: Path | None, seed: int,
                     limit: int | None) -> None:
    """Two releases of a framework for every O*NET occupation, marked synthetic.

    Occupations with an authored framework keep it: it is copied into the corpus unchanged.
    """
    from nsxkg.frameworks.synthetic import generate

    cfg = settings(sources=sources, frameworks=frameworks)
    if cfg.sources is None:
        raise click.UsageError("give --sources (or NSXKG_SOURCES): the occupations come from "
                               "an O*NET release")
    corpus = generate(out, cfg.sources, cfg.frameworks, seed=seed, limit=limit)
    click.echo(f"{corpus.releases:,} synthetic releases of {corpus.occupations:,} frameworks "
               f"(occupations of O*NET {corpus.release}) and {corpus.authored} authored "
               f"frameworks as they are → {corpus.directory}")
    click.echo(f"build them with: nsxkg build --frameworks {corpus.directory} --allow-synthetic")


@main.command()
@click.option("--endpoint", required=True, help="SPARQL query endpoint of the other server, "
              "holding the same build (nsxkg publish)")
@store_dir_option
@click.option("--engine", default=None, help="Its engine, as query headers name it "
              "(# differs: ENGINE | why) [default: from its Server header: virtuoso, "
              "oxigraph, …]")
@click.option("--query", "only", multiple=True, help="Only this example (repeatable).")
@click.option("--dataset/--no-dataset", default=True, show_default=True,
              help="Send the build's graphs as default-graph-uri and named-graph-uri, so the "
              "other server answers over exactly them (its own graphs left out).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--timeout", type=float, default=60.0, show_default=True,
              help="Seconds to wait for each answer from the other server (a query that "
              "takes longer there counts as an error).")
def portability(endpoint: str, store_dir: Path | None, engine: str | None,
                only: tuple[str, ...], dataset: bool, fmt: str, timeout: float) -> None:
    """Run every example query here and on another server, and print, per query, the rows
    each gave and whether the answers are equal (as RDF terms, after the normalisation of
    docs/publishing.md). Exit 1 when an answer differs and the query's header does not
    explain it (# differs: ENGINE | why), 2 on any other error."""
    import httpx

    from nsxkg.catalogue import load_catalogue
    from nsxkg.endpoints import EndpointError, identify
    from nsxkg.portability import PortabilityError, as_json, build_graphs, compare, table
    from nsxkg.store import open_store

    cfg = settings(store_dir=store_dir)
    store, build = open_store(cfg.store_dir)
    catalogue = load_catalogue(cfg.queries)
    unknown = sorted(set(only) - {q.name for q in catalogue.examples})
    if unknown:
        raise click.UsageError(f"no example query named {', '.join(unknown)}")
    graphs = build_graphs(build.manifest) if dataset else []
    with httpx.Client(timeout=httpx.Timeout(timeout, connect=10.0)) as client:
        try:
            name = engine or identify(client, endpoint)
        except EndpointError as err:
            raise PortabilityError(str(err)) from err
        rows = compare(store, client, endpoint, catalogue, name, graphs, only)
    click.echo(table(rows, name) if fmt == "table" else as_json(rows, name, endpoint), nl=False)
    if any(r.failed for r in rows):
        sys.exit(EXIT_NONCONFORMANT)


QUERY_FORMATS = ["table", "csv", "tsv", "json", "xml", "turtle", "ntriples", "jsonld", "nquads"]


@main.command()
@click.argument("source", type=click.File("r", encoding="utf-8"))
@store_dir_option
@click.option("--format", "fmt", type=click.Choice(QUERY_FORMATS), default="table",
              show_default=True, help="Output format (CONSTRUCT/DESCRIBE: turtle, ntriples, …).")
def query(source: Any, store_dir: Path | None, fmt: str) -> None:
    """Run the SPARQL query in SOURCE (a file, or - for standard input)."""
    from nsxkg.formats import by_name
    from nsxkg.query import kind_of, on_query_stack, render_table, run, serialize
    from nsxkg.store import open_store
    from nsxkg.textsearch import Expander

    cfg = settings(store_dir=store_dir)
    store, loaded = open_store(cfg.store_dir)
    text = source.read()

    def answer() -> str | bytes:
        result = run(store, text, text=Expander(loaded.path).index,
                     most=cfg.result_limit)
        if fmt == "table":
            return render_table(result)
        kind = kind_of(result)
        chosen = by_name(fmt, kind)  # type: ignore[arg-type]
        if chosen is None:
            raise click.UsageError(f"--format {fmt} does not fit a {kind} result")
        return serialize(result, chosen)

    # On a large stack: no query shape may crash the command (nsxkg.query).
    out = on_query_stack(answer)
    if isinstance(out, str):
        click.echo(out, nl=False)
        return
    sys.stdout.buffer.write(out)
    sys.stdout.flush()


@main.command()
@store_dir_option
@click.option("--host", default=None, help="Interface to listen on [env NSXKG_HOST; 127.0.0.1]")
@click.option("--port", type=int, default=None, help="Port [env NSXKG_PORT; 8000]")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Server processes sharing the port, each opening the store read-only.")
def serve(store_dir: Path | None, host: str | None, port: int | None, workers: int) -> None:
    """Serve the loaded store: SPARQL at /sparql, linked data at /id/… and /doc/…, pages at /.

    `kill -HUP` (or `nsxkg reload`) makes a running server serve the build loaded since.
    """
    cfg = settings(store_dir=store_dir, host=host, port=port)
    if workers == 1:
        from nsxkg.web.workers import warm_up

        warm_up()  # the query workers' fork server boots while the web stack imports
    import uvicorn

    click.echo(f"nsxkg serving {cfg.store_dir} at http://{cfg.host}:{cfg.port}/sparql")
    if workers == 1:
        from nsxkg.web.app import create_app

        uvicorn.run(create_app(cfg), host=cfg.host, port=cfg.port, log_level="info",
                    access_log=cfg.access_log)
        return
    # Each process builds its own app from the environment (uvicorn starts them afresh).
    os.environ["NSXKG_STORE_DIR"] = str(cfg.store_dir.resolve())
    uvicorn.run("nsxkg.web.app:app_from_environment", factory=True, host=cfg.host,
                port=cfg.port, workers=workers, log_level="info", access_log=cfg.access_log)


@main.command()
@click.option("--port", type=int, default=None, help="Port of the server on this machine "
              "[env NSXKG_PORT; 8000]")
def reload(port: int | None) -> None:
    """Make the server on this machine serve the build `nsxkg load` swapped in since it started.

    Asks 127.0.0.1 (POST /admin/reload); requests being answered are not interrupted.
    """
    import urllib.error
    import urllib.request

    from nsxkg.errors import StoreError

    url = f"http://127.0.0.1:{settings(port=port).port}/admin/reload"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=b"", method="POST"),
                                    timeout=300) as response:
            click.echo(json.loads(response.read())["message"])
    except urllib.error.HTTPError as err:
        raise StoreError(f"{url}: {err.code} {err.read().decode('utf-8', 'replace').strip()}") \
            from err
    except OSError as err:
        raise StoreError(f"{url}: no server answered ({err})") from err


@main.command()
@click.argument("source", type=click.Choice(["onet"]))
@click.option("--release", required=True, help="Release number, e.g. 29.0.")
@click.option("--format", "kind", type=click.Choice(["text", "excel"]), default="text",
              show_default=True, help="Which edition of the release zip to download.")
@_path_option("--sources", "Directory of source releases; the zip goes to its onet/ folder "
              "[env NSXKG_SOURCES]")
@click.option("--base-url", default=None, help="Download address of the release zips "
              "[env NSXKG_ONET_DOWNLOAD_URL; default the O*NET Resource Center]")
def fetch(source: str, release: str, kind: str, sources: Path | None,
          base_url: str | None) -> None:
    """Download a source release (the O*NET database zip) into the sources directory.

    Resumes an interrupted download, verifies checksums and the zip, and skips a zip already
    present that matches its .sha256 file.
    """
    from nsxkg.fetch import fetch_onet
    from nsxkg.progress import terminal_progress

    cfg = settings(sources=sources, onet_download_url=base_url)
    with terminal_progress() as progress:
        fetched = fetch_onet(release, kind, cfg.sources, cfg.onet_download_url,
                             progress=progress, notify=lambda m: click.echo(m, err=True))
    click.echo(fetched.summary())


@main.command()
@click.option("--kind", type=click.Choice(["framework", "reference"]), default="framework",
              show_default=True, help="A release file (<code>/<version>.yaml) or reference.yaml.")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="Write to this file instead of standard output.")
def schema(kind: str, output: Path | None) -> None:
    """Print the JSON Schema of framework release files or of reference.yaml."""
    from nsxkg.frameworks.schema import json_schema

    text = json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@main.group(cls=NsxkgGroup)
def crosswalk() -> None:
    """Crosswalk mapping sets (ESCO, O*NET-SOC, SOC, ISCO, CIP) of a build."""


@crosswalk.command("export")
@click.option("--set", "set_key", required=True,
              help="Mapping set, e.g. nesta-2020, bls-isco08-soc2010, onet-soc2019-soc2018, "
                   "cip2020-onet-soc2019.")
@click.option("--format", "fmt", type=click.Choice(["sssom", "csv", "jsonld"]),
              default="sssom", show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="Write to this file instead of standard output.")
@build_dir_option
def crosswalk_export(set_key: str, fmt: str, output: Path | None,
                     build_dir: Path | None) -> None:
    """Write one mapping set as SSSOM TSV, CSV or JSON-LD."""
    from nsxkg.crosswalk import build_store, export

    s = settings(build_dir=build_dir)
    store, manifest = build_store(s.build_dir)
    text = export(store, set_key, fmt, manifest.base_iri)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@main.group(cls=NsxkgGroup)
def docs() -> None:
    """Generated documentation: the data-model diagram, this CLI reference, citations."""


def _emit(text: str, output: Path | None) -> None:
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@docs.command("diagram")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="Write the SVG to this file (e.g. docs/data-model.svg) instead of stdout.")
@_path_option("--ontology", "Directory of the ontology's Turtle files [env NSXKG_ONTOLOGY]")
def docs_diagram(output: Path | None, ontology: Path | None) -> None:
    """Draw the ontology's classes, subclass axioms and domain/range links as SVG."""
    from nsxkg.docgen.diagram import render_svg
    from nsxkg.docgen.model import read_model

    _emit(render_svg(read_model(settings(ontology=ontology).ontology), "nsxkg data model"),
          output)


@docs.command("cli")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="Write the Markdown to this file (e.g. docs/cli.md) instead of stdout.")
def docs_cli(output: Path | None) -> None:
    """Write the command-line reference, generated from these commands, as Markdown."""
    from nsxkg.docgen.clidoc import cli_reference

    _emit(cli_reference(main), output)


@docs.command("cite")
@store_dir_option
@click.option("--format", "fmt", type=click.Choice(["bibtex", "csl", "text"]),
              default="bibtex", show_default=True,
              help="BibTeX, CSL-JSON, or plain attribution lines.")
def docs_cite(store_dir: Path | None, fmt: str) -> None:
    """Cite the loaded release and every source release and work it includes."""
    from nsxkg.docgen.cite import FORMATS, release_works
    from nsxkg.store import open_store

    cfg = settings(store_dir=store_dir)
    store, build = open_store(cfg.store_dir)
    click.echo(FORMATS[fmt](release_works(store, build, cfg.dataset_license)), nl=False)


__all__ = ["main", "EXIT_ERROR"]
