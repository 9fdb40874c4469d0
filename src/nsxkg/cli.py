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
def build(frameworks: Path | None, sources: Path | None, build_dir: Path | None,
          base_iri: str | None) -> None:
    """Convert the framework files (and source releases) into N-Quads under the build dir."""
    from nsxkg.build import build as run_build

    cfg = settings(frameworks=frameworks, sources=sources, build_dir=build_dir, base_iri=base_iri)
    manifest = run_build(cfg, progress=_terminal_progress())
    if manifest.rows:
        click.echo("rows read:")
        for name, rows in manifest.rows.items():
            click.echo(f"{rows:>10,}  {name}")
    for absent in manifest.absent:
        click.echo(f"    absent  {absent}")
    click.echo("triples per graph:")
    total = 0
    for graph in manifest.graphs:
        click.echo(f"{graph.triples:>10,}  {graph.iri}  ({graph.origin})")
        total += graph.triples
    click.echo(f"{total:>10,}  triples in {len(manifest.graphs)} graphs → {cfg.build_dir}")


def _terminal_progress() -> Callable[[str, int], None] | None:
    """A running count of rows per file on a terminal; nothing in CI or when piped."""
    if os.environ.get("CI") or not sys.stderr.isatty():
        return None

    def show(name: str, count: int) -> None:
        if count < 0:
            click.echo(f"\r  {name}: {-count:,} rows \u2713\033[K", err=True)
        else:
            click.echo(f"\r  {name}: {count:,} rows …\033[K", err=True, nl=False)

    return show


@main.command()
@build_dir_option
@_path_option("--shapes", "Directory of SHACL shapes [env NSXKG_SHAPES]")
@click.option("--engine", type=click.Choice(["turbo", "pyshacl"]), default="turbo",
              show_default=True, help="SHACL engine: pyshacl-turbo on Oxigraph, or pySHACL.")
def validate(build_dir: Path | None, shapes: Path | None, engine: str) -> None:
    """Validate the build against the SHACL shapes. Exit 0 conforms, 1 violations, 2 error."""
    from nsxkg.validate import validate_build

    cfg = settings(build_dir=build_dir, shapes=shapes)
    report = validate_build(cfg.build_dir, cfg.shapes, engine)
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
    from nsxkg.store import load as run_load

    cfg = settings(build_dir=build_dir, store_dir=store_dir)
    loaded = run_load(cfg.build_dir, cfg.store_dir, require_valid=not force)
    click.echo(f"loaded {loaded.quads:,} quads into {loaded.path} (now {cfg.store_dir}/current)")


QUERY_FORMATS = ["table", "csv", "tsv", "json", "xml", "turtle", "ntriples", "jsonld", "nquads"]


@main.command()
@click.argument("source", type=click.File("r", encoding="utf-8"))
@store_dir_option
@click.option("--format", "fmt", type=click.Choice(QUERY_FORMATS), default="table",
              show_default=True, help="Output format (CONSTRUCT/DESCRIBE: turtle, ntriples, …).")
def query(source: Any, store_dir: Path | None, fmt: str) -> None:
    """Run the SPARQL query in SOURCE (a file, or - for standard input)."""
    from nsxkg.formats import by_name
    from nsxkg.query import kind_of, render_table, run, serialize
    from nsxkg.store import open_store

    cfg = settings(store_dir=store_dir)
    store, _ = open_store(cfg.store_dir)
    result = run(store, source.read())
    if fmt == "table":
        click.echo(render_table(result), nl=False)
        return
    kind = kind_of(result)
    chosen = by_name(fmt, kind)  # type: ignore[arg-type]
    if chosen is None:
        raise click.UsageError(f"--format {fmt} does not fit a {kind} result")
    sys.stdout.buffer.write(serialize(result, chosen))
    sys.stdout.flush()


@main.command()
@store_dir_option
@click.option("--host", default=None, help="Interface to listen on [env NSXKG_HOST; 127.0.0.1]")
@click.option("--port", type=int, default=None, help="Port [env NSXKG_PORT; 8000]")
def serve(store_dir: Path | None, host: str | None, port: int | None) -> None:
    """Serve the loaded store: SPARQL at /sparql, linked data at /id/… and /doc/…, pages at /."""
    import uvicorn

    from nsxkg.web.app import create_app

    cfg = settings(store_dir=store_dir, host=host, port=port)
    app = create_app(cfg)
    click.echo(f"nsxkg serving {cfg.store_dir} at http://{cfg.host}:{cfg.port}/sparql")
    uvicorn.run(app, host=cfg.host, port=cfg.port, log_level="info")


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
    from nsxkg.fetch import fetch_onet, terminal_progress

    cfg = settings(sources=sources, onet_download_url=base_url)
    fetched = fetch_onet(release, kind, cfg.sources, cfg.onet_download_url,
                         progress=terminal_progress(), notify=lambda m: click.echo(m, err=True))
    click.echo(fetched.summary())


@main.command()
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="Write to this file instead of standard output.")
def schema(output: Path | None) -> None:
    """Print the JSON Schema of framework files."""
    from nsxkg.frameworks.schema import framework_json_schema

    text = json.dumps(framework_json_schema(), indent=2, ensure_ascii=False) + "\n"
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


__all__ = ["main", "EXIT_ERROR"]
