"""SHACL validation and quality checks of a build, spread over worker processes.

Source and mapping graphs are validated one graph at a time, so memory stays bounded by the
largest graph. Framework graphs are validated together, occupation by occupation, in chunks:
a chunk holds the reference graph every framework shares (scales, levels, sources, the O*NET
elements releases anchor to), then whole occupations (an occupation's framework graph and all
its releases), so the shapes see what a statement points to and the quality checks see every
release of a framework at once (a statement key reused with another meaning, a re-keyed
statement). A chunk's checks also see which occupations the build's O*NET releases know.
What the reference graph itself breaks is reported once, by its own task, not by each chunk.

Each violation names its graph and where it came from: the framework file and line, or the
source file and row, from the build's origins table (nsxkg.origins).

Two engines give the same report (tests/test_validate_engines.py checks it): pyshacl-turbo,
a Rust engine with pySHACL's API that reads the graph files' N-Quads directly (the default:
the O*NET graphs hold millions of triples, which rdflib needs minutes to parse), and pySHACL
itself on an rdflib graph, the reference.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from pyshacl_turbo import validate as turbo_validate
from pyshacl_turbo.rdf import Input as TurboInput
from rdflib import Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from nsxkg import origins, qc
from nsxkg.build import FRAMEWORK_KINDS, GraphInfo, Manifest
from nsxkg.config import Settings
from nsxkg.conformance import REPORT
from nsxkg.errors import InputError
from nsxkg.namespaces import NSX, RDF
from nsxkg.nquads import read_ascii
from nsxkg.progress import Progress, Quiet


@dataclass(frozen=True)
class Violation:
    graph: str
    origin: str
    focus: str
    path: str | None
    value: str | None
    message: str
    severity: str
    shape: str
    component: str

    def render(self) -> str:
        lines = [f"{self.severity}: {self.message}",
                 f"  focus:     {self.focus}"]
        if self.path:
            lines.append(f"  path:      {self.path}")
        if self.value:
            lines.append(f"  value:     {self.value}")
        lines += [f"  shape:     {self.shape} ({self.component})",
                  f"  from:      {self.origin}"]
        return "\n".join(lines)


@dataclass
class Report:
    digest: str
    conforms: bool
    graphs: int
    violations: list[Violation]
    notes: list[str] = field(default_factory=list)

    def write(self, build_dir: Path) -> None:
        data = {"digest": self.digest, "conforms": self.conforms, "graphs": self.graphs,
                "notes": self.notes, "violations": [asdict(v) for v in self.violations]}
        (build_dir / REPORT).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def load_shapes(shapes_dir: Path) -> Graph:
    files = sorted(shapes_dir.glob("*.ttl"))
    if not files:
        raise InputError.at(shapes_dir, "no SHACL shapes (*.ttl) found")
    shapes = Graph()
    for path in files:
        try:
            shapes.parse(path, format="turtle")
        except Exception as err:  # rdflib raises several unrelated parser exception types
            raise InputError.at(path, f"malformed Turtle: {err}") from err
    return shapes


ENGINES = ("turbo", "pyshacl")
MAX_JOBS = 2  # each worker holds one graph in memory; the largest takes ~3 GB
PARALLEL_ABOVE = 200_000  # triples of work; below this, starting processes costs more
CHUNK_TRIPLES = 250_000  # framework triples per chunk: ~0.5 GB beside the largest O*NET task

# With pyshacl-turbo, SHACL and the QC queries of one graph are separate tasks: the engine
# reads the graph file's text itself (no Oxigraph store to load and dump again), and the QC
# store loads in another worker meanwhile, so the largest graph's SHACL run is the whole
# critical path. pySHACL needs the rdflib graph anyway and does both in one task.
Part = Literal["shacl", "qc", "both"]
PARTS: dict[str, tuple[Part, ...]] = {"turbo": ("shacl", "qc"), "pyshacl": ("both",)}
# Relative seconds per triple, measured on the O*NET graphs; only the order matters.
COST: dict[tuple[str, Part], float] = {("turbo", "shacl"): 1.0, ("turbo", "qc"): 0.3,
                                       ("pyshacl", "both"): 1.0}
ONET_LANDING = "https://www.onetcenter.org/database.html"


@dataclass(frozen=True)
class Unit:
    """What one task checks: graph files, and context files read with them whose own
    resources are checked by another task (a chunk's copy of the reference graph)."""

    name: str
    files: tuple[Path, ...]
    context: tuple[Path, ...] = ()
    triples: int = 0


@dataclass(frozen=True)
class Task:
    """One unit to check, as a worker process receives it."""

    unit: Unit
    shapes_dir: Path
    engine: str
    ontology_file: Path | None
    queries_dir: Path
    part: Part
    extra: tuple[Path, ...] = ()  # loaded for the quality checks only

    @property
    def cost(self) -> float:
        return self.unit.triples * COST[self.engine, self.part]


def validate_build(build_dir: Path, shapes_dir: Path, engine: str = "turbo",
                   jobs: int | None = None, queries_dir: Path | None = None,
                   progress: Progress | None = None) -> Report:
    """Validate every data graph of a build against the shapes and the quality-control
    queries (queries/qc/*-violation.rq), spread over worker processes."""
    manifest = Manifest.read(build_dir)
    load_shapes(shapes_dir)  # fail early, in this process, on malformed shapes
    queries = queries_dir or Settings().queries
    ontology = next((build_dir / g.file for g in manifest.graphs if g.kind == "ontology"), None)
    data = [g for g in manifest.graphs if g.kind not in ("ontology", "catalogue")]
    units = plan(manifest, build_dir)
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="nsxkg-validate-") as tmp:
        extra: tuple[Path, ...] = ()
        if any(u.context for u in units):
            known = onet_occupations(manifest, build_dir, Path(tmp) / "onet-occupations.nq")
            if known is None:
                notes.append("framework occupation codes were not checked against O*NET: the "
                             "build has no O*NET release")
            else:
                extra = (known,)
        tasks = [Task(u, shapes_dir, engine, ontology, queries, part,
                      extra if u.context else ())
                 for u in units for part in PARTS[engine]]
        found = [v for batch in _run(tasks, jobs, progress or Quiet()) for v in batch]
    violations = _located(build_dir, manifest, found)
    report = Report(manifest.digest, not violations, len(data), violations, notes)
    report.write(build_dir)
    return report


def plan(manifest: Manifest, build_dir: Path) -> list[Unit]:
    """One unit per source or mapping graph, one for the framework reference graph, and
    chunks of whole occupations for the framework and release graphs."""
    units: list[Unit] = []
    reference = next((g for g in manifest.graphs if g.kind == "reference"), None)
    occupations: dict[str, list[GraphInfo]] = {}
    prefix = manifest.base_iri + "graph/framework/"
    for g in manifest.graphs:
        if g.kind in ("ontology", "catalogue", "reference"):
            continue
        if g.kind in FRAMEWORK_KINDS:
            code = g.iri.removeprefix(prefix).split("/", 1)[0]
            occupations.setdefault(code, []).append(g)
        else:
            units.append(Unit(g.iri, (build_dir / g.file,), (), g.triples))
    if reference is not None:
        units.append(Unit(reference.iri, (build_dir / reference.file,), (), reference.triples))
    context = (build_dir / reference.file,) if reference is not None else ()
    extra = reference.triples if reference is not None else 0
    chunk: list[GraphInfo] = []
    for code in sorted(occupations):
        graphs = occupations[code]
        if chunk and sum(g.triples for g in chunk) + sum(g.triples for g in graphs) \
                > CHUNK_TRIPLES:
            units.append(_chunk(chunk, build_dir, context, extra))
            chunk = []
        chunk += graphs
    if chunk:
        units.append(_chunk(chunk, build_dir, context, extra))
    return units


def _chunk(graphs: list[GraphInfo], build_dir: Path, context: tuple[Path, ...],
           extra: int) -> Unit:
    first, last = graphs[0].iri, graphs[-1].iri
    name = f"frameworks {first} … {last}" if first != last else first
    return Unit(name, tuple(build_dir / g.file for g in graphs), context,
                sum(g.triples for g in graphs) + extra)


def onet_occupations(manifest: Manifest, build_dir: Path, out: Path) -> Path | None:
    """The occupations each O*NET release of the build knows, and the releases' dataset
    descriptions, as N-Quads: what the check for framework occupations unknown to O*NET
    needs, without loading millions of O*NET triples. None when there is no O*NET release."""
    subject = f"<{manifest.base_iri}id/occupation/".encode()
    typed = f" {RDF.type} {NSX.Occupation} ".encode()
    found = False
    with out.open("wb") as sink:
        for g in manifest.graphs:
            if not (g.kind == "source" and g.iri.startswith(manifest.base_iri + "graph/onet/")):
                continue
            found = True
            own = f"<{g.iri}> ".encode()
            with (build_dir / g.file).open("rb") as lines:
                for line in lines:
                    if (line.startswith(subject) and typed in line) or line.startswith(own):
                        sink.write(line)
    return out if found else None


def _run(tasks: list[Task], jobs: int | None, progress: Progress) -> list[list[Violation]]:
    """Each task's violations, in the order given; costliest tasks start first so the two
    workers finish together (longest-processing-time-first)."""
    workers = min(jobs or os.cpu_count() or 1, len(tasks), MAX_JOBS)
    # A worker reports nothing until its task is done: one bar over all the work, moved by
    # each task's share of the estimated cost as it ends.
    bar = progress.task(f"validate: {len(tasks)} checks ({engine_of(tasks)})",
                        sum(t.cost for t in tasks))
    done = 0.0

    def finished(task: Task) -> None:
        nonlocal done
        done += task.cost
        bar.update(done)

    if workers <= 1 or sum(t.cost for t in tasks) <= PARALLEL_ABOVE:
        results = []
        for task in tasks:
            results.append(_check(task))
            finished(task)
        bar.finish()
        return results
    order = sorted(range(len(tasks)), key=lambda i: -tasks[i].cost)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {i: pool.submit(_check, tasks[i]) for i in order}
        index = {future: i for i, future in futures.items()}
        for future in as_completed(index):
            future.result()  # a worker's error surfaces here, as soon as it happens
            finished(tasks[index[future]])
        bar.finish()
        return [futures[i].result() for i in range(len(tasks))]


def engine_of(tasks: list[Task]) -> str:
    return ", ".join(sorted({t.engine for t in tasks})) or "nothing to check"


def _check(task: Task) -> list[Violation]:
    unit = task.unit
    if task.part == "qc":
        store = _read_store(*unit.context, *unit.files, *task.extra)
        found = quality_checks(store, task.ontology_file, task.queries_dir)
    else:
        shapes = load_shapes(task.shapes_dir)
        if task.part == "shacl":
            found = validate_text(read_ascii(*unit.context, *unit.files), shapes)
        else:
            found = validate_graph(_read_graph(*unit.context, *unit.files), shapes)
            found += quality_checks(_read_store(*unit.context, *unit.files, *task.extra),
                                    task.ontology_file, task.queries_dir)
    if not found:
        return []
    # What context and extra data describe is reported by their own tasks, unless this
    # unit describes it too (a framework's occupation, which O*NET releases also describe).
    shared = _subjects((*unit.context, *task.extra)) - _subjects(unit.files) \
        if unit.context or task.extra else set()
    graphs = _graph_of({v.focus for v in found}, unit.files)
    return [Violation(graphs.get(v.focus, unit.name), v.origin, v.focus, v.path, v.value,
                      v.message, v.severity, v.shape, v.component)
            for v in found if v.focus not in shared]


def _subjects(files: tuple[Path, ...]) -> set[str]:
    out: set[str] = set()
    for path in files:
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                if line.startswith("<"):
                    out.add(line[1:line.index(">")])
    return out


def _graph_of(focus: set[str], files: tuple[Path, ...]) -> dict[str, str]:
    """The graph that describes each focus node (its first such graph)."""
    found: dict[str, str] = {}
    for path in files:
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                if line.startswith("<"):
                    subject = line[1:line.index(">")]
                    if subject in focus and subject not in found:
                        found[subject] = line.rstrip().removesuffix(" .").rsplit(" ", 1)[-1] \
                            .strip("<>")
    return found


def quality_checks(store: ox.Store, ontology_file: Path | None,
                   queries_dir: Path) -> list[Violation]:
    """The QC queries over the data, with the ontology beside it (checks such as
    undeclared-class compare the data with the ontology's declarations)."""
    if not qc.checks(queries_dir):
        return []
    if ontology_file is not None:
        store.bulk_load(path=ontology_file, format=ox.RdfFormat.N_QUADS)
    return [Violation(graph="", origin=f.source, focus=f.focus, path=None, value=f.value,
                      message=f.message, severity="Violation", shape=f.check,
                      component="SPARQLQualityCheck") for f in qc.run_checks(store, queries_dir)]


def _located(build_dir: Path, manifest: Manifest, found: list[Violation]) -> list[Violation]:
    """Each violation with the file and line, or row, it came from."""
    recorded = origins.read(build_dir, {v.focus for v in found})
    by_graph = {g.iri: g for g in manifest.graphs}
    out = []
    for v in found:
        graph = by_graph.get(v.graph)
        fallback = graph.origin if graph is not None else v.origin
        where = origins.describe(recorded.get(v.focus, []), v.path, v.value) or fallback
        if v.component == "SPARQLQualityCheck":
            where = f"{where} (check {v.origin})"
        out.append(Violation(v.graph, where, v.focus, v.path, v.value, v.message, v.severity,
                             v.shape, v.component))
    out.sort(key=lambda v: (v.graph, v.focus, v.shape))
    return out


def _read_graph(*paths: Path) -> Graph:
    # Oxigraph parses far faster than rdflib; rdflib only reads back its N-Triples.
    triples = {ox.Triple(q.subject, q.predicate, q.object) for path in paths
               for q in ox.parse(path=path, format=ox.RdfFormat.N_QUADS)}
    graph = Graph()
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return graph


def _read_store(*paths: Path) -> ox.Store:
    store = ox.Store()
    for path in paths:
        store.bulk_load(path=path, format=ox.RdfFormat.N_QUADS)
    return store


def validate_graph(data: Graph, shapes: Graph) -> list[Violation]:
    """pySHACL, the reference engine, on an rdflib graph."""
    conforms, results, _ = shacl_validate(data, shacl_graph=shapes, inference="none",
                                          advanced=True, allow_warnings=False)
    return [] if conforms else sorted(_results(results), key=lambda v: (v.focus, v.shape))


def validate_store(data: ox.Store, shapes: Graph) -> list[Violation]:
    """pyshacl-turbo on an Oxigraph store; same arguments and report as pySHACL."""
    return _turbo(data, shapes)


def validate_text(nquads: str, shapes: Graph) -> list[Violation]:
    """pyshacl-turbo on N-Quads text (the union of its graphs). Given a store, the engine
    dumps it to exactly this input; handing it the build's files skips loading a store only
    to dump it again."""
    return _turbo(TurboInput(nquads, "oxigraph-nquads", None, {}, preserve_ids=True), shapes)


def _turbo(data: ox.Store | TurboInput, shapes: Graph) -> list[Violation]:
    conforms, results, _ = turbo_validate(data, shacl_graph=shapes, inference="none",
                                          advanced=True, allow_warnings=False)
    return [] if conforms else sorted(_results(results), key=lambda v: (v.focus, v.shape))


def _results(results: Graph) -> Iterator[Violation]:
    for result in results.subjects(SH.resultSeverity, None):
        def one(prop: URIRef, node: Node = result) -> str | None:
            value = results.value(node, prop)
            return None if value is None else str(value)

        yield Violation(graph="", origin="", focus=one(SH.focusNode) or "",
                        path=one(SH.resultPath), value=one(SH.value),
                        message=one(SH.resultMessage) or "",
                        severity=(one(SH.resultSeverity) or "").rsplit("#", 1)[-1],
                        shape=one(SH.sourceShape) or "",
                        component=(one(SH.sourceConstraintComponent) or "").rsplit("#", 1)[-1])
