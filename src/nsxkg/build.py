"""Build: framework files (and, when configured, source releases) → one N-Quads file per
named graph, sorted so rebuilds diff cleanly, plus a manifest and the origins table.

The output is assembled in a fresh directory and swapped in only when complete, so a failed
build leaves the previous one untouched. Framework files are converted by worker processes
(build_frameworks.py), and so are the large source releases (``SourceJob``), while this process
converts the others.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

from nsxkg import origins
from nsxkg.build_frameworks import ORIGIN_PARTS, FrameworkJob
from nsxkg.catalogue import catalogue_quads, load_catalogue
from nsxkg.config import Settings
from nsxkg.convert.classifications import cip_dataset, cip_link, soc_dataset, soc_group
from nsxkg.convert.esco import esco_quads
from nsxkg.convert.mappings import mapping_outputs
from nsxkg.convert.onet import HasRow, SourceReport, onet_quads
from nsxkg.convert.terms import Triple, quads
from nsxkg.errors import InputError
from nsxkg.iris import Iris
from nsxkg.locking import exclusive
from nsxkg.nquads import build_digest, lines_of, write_sorted
from nsxkg.processes import spawned_pool, stop
from nsxkg.progress import Progress, Task
from nsxkg.sources.cip import read_cip_to_onet_soc
from nsxkg.sources.discover import discover
from nsxkg.sources.soc import read_definitions

R = TypeVar("R", bound=HasRow)

MANIFEST = "manifest.json"
ORIGINS = origins.ORIGINS
# Kinds of graph. Framework data: one "release" graph per release file, one "framework" graph
# per occupation (its releases and statements across releases), one "reference" graph.
FRAMEWORK_KINDS = ("release", "framework", "reference")


@dataclass
class GraphInfo:
    iri: str
    file: str
    triples: int
    origin: str
    kind: str
    sha256: str = ""


@dataclass
class Manifest:
    base_iri: str
    graphs: list[GraphInfo] = field(default_factory=list)
    digest: str = ""
    absent: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)  # crosswalk rows without a target

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def read(cls, build_dir: Path) -> Manifest:
        path = build_dir / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as err:
            raise InputError.at(path, "no build here; run `nsxkg build` first") from err
        data["graphs"] = [GraphInfo(**g) for g in data["graphs"]]
        return cls(**data)

    def graph_files(self, build_dir: Path) -> list[Path]:
        return [build_dir / g.file for g in self.graphs]


@dataclass
class GraphOutput:
    """One named graph's content, ready to write."""

    iri: ox.NamedNode
    name: str
    origin: str
    kind: str
    quads: Iterable[ox.Quad]


def source_outputs(root: Path, iris: Iris, report: SourceReport) -> list[GraphOutput]:
    """One lazily converted named graph per source release; rows are read while writing."""
    found = discover(root)
    report.absent += found.absent
    outputs = []
    for release in found.onet:
        graph = iris.graph("onet", release.release)
        outputs.append(GraphOutput(graph, f"onet-{release.release}", _display(release.location),
                                   "source", onet_quads(release, iris, graph, report)))
    for esco in found.esco:
        graph = iris.graph("esco", esco.version)
        outputs.append(GraphOutput(graph, f"esco-{esco.version}", _display(esco.directory),
                                   "source", esco_quads(esco, graph, report)))
    if found.soc_definitions:
        graph = iris.graph("soc", "2018")
        outputs.append(GraphOutput(graph, "soc-2018", _display(found.soc_definitions), "source",
                                   _rows_to_quads(graph, soc_dataset(graph),
                                                  read_definitions(found.soc_definitions),
                                                  partial(soc_group, iris), report,
                                                  "SOC 2018: definitions",
                                                  found.soc_definitions)))
    if found.cip_crosswalk:
        graph = iris.graph("cip", "2020")
        outputs.append(GraphOutput(graph, "cip-2020", _display(found.cip_crosswalk), "source",
                                   _rows_to_quads(graph, cip_dataset(graph),
                                                  read_cip_to_onet_soc(found.cip_crosswalk),
                                                  partial(cip_link, iris), report,
                                                  "CIP 2020 crosswalk", found.cip_crosswalk)))
    outputs += [GraphOutput(m.graph, f"mapping-{m.key}", _display(m.origin), "mapping", m.quads)
                for m in mapping_outputs(found, iris, report)]
    return outputs


def _rows_to_quads(graph: ox.NamedNode, head: list[Triple], rows: Iterable[R],
                   convert: Callable[[R], list[Triple]], report: SourceReport,
                   name: str, file: Path) -> Iterator[ox.Quad]:
    yield from quads(graph, head)
    yield from report.quads(graph, ((row.row, convert(row)) for row in rows), name, str(file))


# Source releases at least this large are converted in worker processes (O*NET's Excel
# release takes about a minute, its text release about 20 s); smaller ones (test excerpts)
# here, as starting a worker costs about a second of imports.
PARALLEL_FROM_BYTES = 8 * 2**20


@dataclass(frozen=True)
class _SourceResult:
    info: GraphInfo
    rows: dict[str, int]
    unmapped: list[str]
    absent: list[str]


def _write_source_graph(root: Path, base_iri: str, staging: Path, name: str) -> _SourceResult:
    """In a worker: convert one source release's graph (found again by name: a converter is
    a generator, which cannot be sent to a process), its origins into a part of the table."""
    report = SourceReport()
    [output] = [o for o in source_outputs(root, Iris(base_iri), report) if o.name == name]
    with (staging / ORIGIN_PARTS / _part(name)).open("w", encoding="utf-8") as table:
        report.origins = table
        [info] = write_graphs([output], staging)
    return _SourceResult(info, report.rows, report.unmapped, report.absent)


class SourceJob:
    """The large source releases (the O*NET releases), each converted in a worker process
    while this one writes the others: on two cores a full build takes the time of its
    largest release rather than of all of them."""

    def __init__(self, root: Path, base_iri: str, staging: Path,
                 outputs: list[GraphOutput], progress: Progress | None):
        sizes = {o.name: _size(Path(o.origin)) for o in outputs if o.name.startswith("onet-")}
        large = [o for o in sorted(outputs, key=lambda o: o.iri.value)
                 if o.name in sizes and sizes[o.name] >= PARALLEL_FROM_BYTES]
        self.names = [o.name for o in large]
        self._pool: ProcessPoolExecutor | None = None
        self._futures: list[tuple[str, Future[_SourceResult]]] = []
        self._bar: Task | None = None
        if not large:
            return
        workers = min(os.cpu_count() or 1, 2, len(large))
        self._pool = spawned_pool(workers)
        # Largest first, so that the longest conversion starts at once.
        for output in sorted(large, key=lambda o: -sizes[o.name]):
            self._futures.append((output.name, self._pool.submit(
                _write_source_graph, root, base_iri, staging, output.name)))
        if progress is not None:
            self._bar = progress.task(f"build: {len(large)} source releases in worker "
                                      f"processes ({', '.join(self.names)})", len(large),
                                      unit="releases")

    @property
    def parts(self) -> list[str]:
        """The origins table's parts the workers write, in graph order."""
        return [_part(name) for name in self.names]

    def finish(self, report: SourceReport) -> list[GraphInfo]:
        """Wait for the workers; their row counts join ``report``. Re-raises a worker's
        InputError (naming file, row and column)."""
        results: dict[str, _SourceResult] = {}
        try:
            for done, (name, future) in enumerate(self._futures, start=1):
                results[name] = future.result()
                if self._bar is not None:
                    self._bar.update(done)
        finally:
            if self._pool is not None:
                self._pool.shutdown(cancel_futures=True)
        if self._bar is not None:
            self._bar.finish()
        infos = []
        for name in self.names:  # graph order, as if written here
            result = results[name]
            report.rows.update(result.rows)
            report.unmapped += result.unmapped
            report.absent += [a for a in result.absent if a not in report.absent]
            infos.append(result.info)
        return infos

    def cancel(self) -> None:
        """Stop converting (the build failed elsewhere): the workers are killed, as a
        conversion of O*NET 29.3 would otherwise hold the failed build's exit for a minute."""
        if self._pool is not None:
            stop(self._pool)


def _part(name: str) -> str:
    return f"source-{name}.tsv"


def _size(path: Path) -> int:
    """Bytes of a release: a file (a zip) or the files of a directory."""
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir() else 0


def build(settings: Settings, progress: Progress | None = None) -> Manifest:
    target = settings.build_dir
    target.parent.mkdir(parents=True, exist_ok=True)
    with exclusive(target.parent / f".{target.name}.lock",
                   f"{target}: another `nsxkg build` is writing this build directory"):
        _recover(target)
        iris = Iris(settings.base_iri)
        outputs = [_ontology_graph(settings, iris), _catalogue_graph(settings, iris)]
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        job: FrameworkJob | None = None
        sources: SourceJob | None = None
        try:
            (staging / "graphs").mkdir()
            (staging / ORIGIN_PARTS).mkdir()
            job = FrameworkJob(settings.frameworks, settings.base_iri, staging,
                               allow_synthetic=settings.allow_synthetic)
            job.watch(progress)
            report = SourceReport(progress=progress)
            if settings.sources is not None and not job.failed():
                converted = source_outputs(settings.sources, iris, report)
                sources = SourceJob(settings.sources, settings.base_iri, staging, converted,
                                    progress)
                outputs += [o for o in converted if o.name not in sources.names]
            with (staging / ORIGINS).open("w", encoding="utf-8") as table:
                report.origins = table
                infos = write_graphs(outputs, staging, stop=job.failed)
            if sources is not None and not job.failed():
                infos += sources.finish(report)
            frameworks, _ = job.finish()  # raises InputError for bad framework files
            _join_origins(staging, first=sources.parts if sources is not None else [])
            infos += [GraphInfo(w.iri, f"graphs/{w.name}.nq", w.triples, w.origin, w.kind,
                                w.sha256) for w in frameworks]
            manifest = Manifest(base_iri=settings.base_iri,
                                graphs=sorted(infos, key=lambda g: g.iri),
                                absent=sorted(report.absent),
                                rows=dict(sorted(report.rows.items())),
                                unmapped=list(report.unmapped))
            manifest.digest = build_digest((g.iri, g.sha256) for g in manifest.graphs)
            (staging / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
            _swap_in(staging, target)
        except BaseException:
            if job is not None:
                job.cancel()
            if sources is not None:
                sources.cancel()
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return manifest


def write_graphs(outputs: list[GraphOutput], directory: Path,
                 stop: Callable[[], bool] | None = None) -> list[GraphInfo]:
    """Write each output to its sorted graph file. ``stop`` is asked between graphs: a build
    whose framework files turned out bad stops instead of converting sources for nothing."""
    (directory / "graphs").mkdir(parents=True, exist_ok=True)
    infos = []
    for out in sorted(outputs, key=lambda o: o.iri.value):
        if stop is not None and stop():
            break
        relative = f"graphs/{out.name}.nq"
        # Only parsed Turtle (the ontology) has blank nodes; converters mint IRIs for all.
        content = _stable_blank_nodes(out.quads) if out.kind == "ontology" else out.quads
        count, sha = write_sorted(lines_of(content), directory / relative, out.iri.value)
        infos.append(GraphInfo(out.iri.value, relative, count, out.origin, out.kind, sha))
    return infos


def _join_origins(staging: Path, first: list[str]) -> None:
    """Append the parts written by worker processes to the origins table: the source
    releases' (``first``, in graph order, as if written here), then the framework batches'."""
    parts = staging / ORIGIN_PARTS
    rest = sorted(p.name for p in parts.iterdir() if p.name not in first)
    with (staging / ORIGINS).open("a", encoding="utf-8") as table:
        for name in [*first, *rest]:
            with (parts / name).open(encoding="utf-8") as lines:
                shutil.copyfileobj(lines, table)
    shutil.rmtree(parts)


def _stable_blank_nodes(quads: Iterable[ox.Quad]) -> Iterable[ox.Quad]:
    """Parsers label blank nodes at random; canonical labels keep the output reproducible."""
    quads = list(quads)
    if not any(isinstance(t, ox.BlankNode) for q in quads for t in (q.subject, q.object)):
        return quads
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return list(dataset)


def _ontology_graph(settings: Settings, iris: Iris) -> GraphOutput:
    graph = iris.graph("ontology")
    files = sorted(settings.ontology.glob("*.ttl"))
    if not files:
        raise InputError.at(settings.ontology, "no ontology files (*.ttl) found")
    quads: list[ox.Quad] = []
    for path in files:
        try:
            quads += [ox.Quad(q.subject, q.predicate, q.object, graph)
                      for q in ox.parse(path=path, format=ox.RdfFormat.TURTLE)]
        except SyntaxError as err:
            raise InputError.at(path, f"malformed Turtle: {err}") from err
    return GraphOutput(graph, "ontology", _display(settings.ontology), "ontology", quads)


def _catalogue_graph(settings: Settings, iris: Iris) -> GraphOutput:
    """The query catalogue (queries/) as RDF; like the ontology, not instance data."""
    graph = iris.graph("queries")
    quads = catalogue_quads(load_catalogue(settings.queries), iris.base, graph)
    return GraphOutput(graph, "queries", _display(settings.queries), "catalogue", quads)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _recover(target: Path) -> None:
    """Undo what a build killed midway left (under the lock, so no build is running): its
    staging directory, and, if it died between the two renames of ``_swap_in``, the previous
    build put back in place."""
    old = target.with_name(f".{target.name}-old")
    if not target.exists() and old.is_dir():
        old.rename(target)
    for child in target.parent.glob(f".{target.name}-*"):
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)


def _swap_in(staging: Path, target: Path) -> None:
    """Replace ``target`` with ``staging``; the old build survives until the new one is in."""
    if target.exists():
        old = target.with_name(f".{target.name}-old")
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
        staging.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(target)
