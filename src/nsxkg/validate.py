"""SHACL validation of a build, one named graph at a time.

Graphs are validated separately so memory stays bounded by the largest graph, and so each
violation can name the graph, and the file it was built from.

Two engines give the same report (tests/test_validate_engines.py checks it): pyshacl-turbo,
a Rust engine with pySHACL's API that validates an Oxigraph store directly (the default:
the O*NET graphs hold millions of triples, which rdflib needs minutes to parse), and
pySHACL itself on an rdflib graph, the reference.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import pyoxigraph as ox
import yaml
from pyshacl import validate as shacl_validate
from pyshacl_turbo import validate as turbo_validate
from pyshacl_turbo.rdf import Input as TurboInput
from rdflib import Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from nsxkg import qc
from nsxkg.build import ORIGINS, Manifest
from nsxkg.config import Settings
from nsxkg.conformance import REPORT
from nsxkg.errors import InputError
from nsxkg.frameworks.loader import line_map, load_framework
from nsxkg.frameworks.origins import origins
from nsxkg.iris import Iris
from nsxkg.progress import Progress, Quiet

Locate = Callable[[str], str]


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

    def write(self, build_dir: Path) -> None:
        data = {"digest": self.digest, "conforms": self.conforms, "graphs": self.graphs,
                "violations": [asdict(v) for v in self.violations]}
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


def validate_build(build_dir: Path, shapes_dir: Path, engine: str = "turbo",
                   jobs: int | None = None, queries_dir: Path | None = None,
                   progress: Progress | None = None) -> Report:
    """Validate every data graph of a build against the shapes and the quality-control
    queries (queries/qc/*-violation.rq), spread over worker processes."""
    manifest = Manifest.read(build_dir)
    load_shapes(shapes_dir)  # fail early, in this process, on malformed shapes
    queries = queries_dir or Settings().queries
    ontology = next((build_dir / g.file for g in manifest.graphs if g.kind == "ontology"), None)
    graphs = [g for g in manifest.graphs if g.kind not in ("ontology", "catalogue")]
    tasks = [Task(build_dir / g.file, g.iri, shapes_dir, engine, ontology, queries, part,
                  g.triples * COST[engine, part])
             for g in graphs for part in PARTS[engine]]
    found = _run(tasks, jobs, progress or Quiet())
    by_graph: dict[str, list[Violation]] = {g.iri: [] for g in graphs}
    for task, task_violations in zip(tasks, found, strict=True):
        by_graph[task.iri] += task_violations
    source_origins = _source_origins(build_dir, {v.focus for g in graphs if g.kind == "source"
                                                 for v in by_graph[g.iri]})
    violations: list[Violation] = []
    for info in graphs:
        locate = _locator(info.origin, info.kind, manifest.base_iri, source_origins)
        violations += [
            Violation(info.iri, locate(v.focus), v.focus, v.path, v.value,
                      v.message, v.severity, v.shape, v.component)
            for v in by_graph[info.iri]]
    violations.sort(key=lambda v: (v.graph, v.focus, v.shape))
    report = Report(manifest.digest, not violations, len(graphs), violations)
    report.write(build_dir)
    return report


MAX_JOBS = 2  # each worker holds one graph in memory; the largest takes ~3 GB
PARALLEL_ABOVE = 200_000  # triples of work; below this, starting processes costs more

# With pyshacl-turbo, SHACL and the QC queries of one graph are separate tasks: the engine
# reads the graph file's text itself (no Oxigraph store to load and dump again), and the QC
# store loads in another worker meanwhile, so the largest graph's SHACL run is the whole
# critical path. pySHACL needs the rdflib graph anyway and does both in one task.
Part = Literal["shacl", "qc", "both"]
PARTS: dict[str, tuple[Part, ...]] = {"turbo": ("shacl", "qc"), "pyshacl": ("both",)}
# Relative seconds per triple, measured on the O*NET graphs; only the order matters.
COST: dict[tuple[str, Part], float] = {("turbo", "shacl"): 1.0, ("turbo", "qc"): 0.3,
                                       ("pyshacl", "both"): 1.0}


@dataclass(frozen=True)
class Task:
    """One graph to check, as a worker process receives it."""

    graph_file: Path
    iri: str
    shapes_dir: Path
    engine: str
    ontology_file: Path | None
    queries_dir: Path
    part: Part
    cost: float


def _run(tasks: list[Task], jobs: int | None, progress: Progress) -> list[list[Violation]]:
    """Each task's violations, in the order given; costliest tasks start first so the two
    workers finish together (longest-processing-time-first)."""
    workers = min(jobs or os.cpu_count() or 1, len(tasks), MAX_JOBS)
    # A worker reports nothing until its graph is done: one bar over all the work, moved by
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
    if task.part == "qc":
        return quality_checks(_read_store(task.graph_file), task.ontology_file,
                              task.queries_dir)
    shapes = load_shapes(task.shapes_dir)
    if task.part == "shacl":
        return validate_text(task.graph_file.read_text(encoding="utf-8"), shapes)
    found = validate_graph(_read_graph(task.graph_file, task.iri), shapes)
    return found + quality_checks(_read_store(task.graph_file), task.ontology_file,
                                  task.queries_dir)


def quality_checks(store: ox.Store, ontology_file: Path | None,
                   queries_dir: Path) -> list[Violation]:
    """The QC queries over one graph, with the ontology beside it (checks such as
    undeclared-class compare the data with the ontology's declarations)."""
    if not qc.checks(queries_dir):
        return []
    if ontology_file is not None:
        store.bulk_load(path=ontology_file, format=ox.RdfFormat.N_QUADS)
    return [Violation(graph="", origin=f.source, focus=f.focus, path=None, value=f.value,
                      message=f.message, severity="Violation", shape=f.check,
                      component="SPARQLQualityCheck") for f in qc.run_checks(store, queries_dir)]


def _source_origins(build_dir: Path, focus: set[str]) -> dict[str, str]:
    """File and row of the given resources, from the build's origins table."""
    found: dict[str, str] = {}
    path = build_dir / ORIGINS
    if not focus or not path.exists():
        return found
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            subject, _, rest = line.rstrip("\n").partition("\t")
            if subject in focus and subject not in found:
                file, _, row = rest.partition("\t")
                found[subject] = f"{file}, row {row}"
    return found


def _read_graph(path: Path, iri: str) -> Graph:
    # Oxigraph parses far faster than rdflib; rdflib only reads back its N-Triples.
    quads = ox.parse(path=path, format=ox.RdfFormat.N_QUADS)
    triples = (ox.Triple(q.subject, q.predicate, q.object) for q in quads
               if getattr(q.graph_name, "value", None) == iri)
    graph = Graph()
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return graph


def _read_store(path: Path) -> ox.Store:
    store = ox.Store()
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
    """pyshacl-turbo on N-Quads text. Given a store, the engine dumps it to exactly this
    input; handing it the build's file skips loading a store only to dump it again."""
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


def _locator(origin: str, kind: str, base_iri: str,
             source_origins: dict[str, str]) -> Locate:
    if kind == "source":
        return lambda focus: source_origins.get(focus, origin)
    if kind != "framework":
        return lambda focus: origin
    path = Path(origin)
    try:
        fw = load_framework(path)
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (InputError, OSError):
        return lambda focus: origin
    lines = line_map(node) if node is not None else {}
    where = origins(fw, Iris(base_iri))

    def locate(focus: str) -> str:
        loc = where.get(focus)
        if loc is None:
            return origin
        line = lines.get(loc)
        return f"{origin}, line {line} ({'.'.join(map(str, loc))})" if line else origin

    return locate

