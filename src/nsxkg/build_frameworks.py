"""The framework part of a build: every release file → its release graph, each occupation's
framework graph, and the one reference graph all frameworks share (see convert/framework.py).

Occupations are converted in batches by worker processes, beside the main process converting
the source releases: reading a thousand release files is seconds of YAML and quads each
batch, independent of the rest. Each worker writes the graphs of its occupations (an
occupation's releases are always in one batch: its framework graph needs all of them) and
returns what the reference graph needs: the facts its releases state about shared resources,
each with the first place that states it. The main process merges those and writes the
reference graph last. Nothing is written outside the build's staging directory, so a failed
build leaves the previous one untouched.
"""

from __future__ import annotations

import os
from collections import defaultdict
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from nsxkg import origins
from nsxkg.convert.framework import (
    framework_graph,
    reference_graph,
    reference_triples,
    release_parts,
    series_triples,
    summary,
    version_order,
)
from nsxkg.convert.terms import Triple
from nsxkg.errors import InputError, Location
from nsxkg.frameworks.loader import (
    LoadedRelease,
    framework_files,
    line_of,
    load_reference,
    read_release,
    read_yaml,
    reference_path,
)
from nsxkg.frameworks.model import Loc, Reference
from nsxkg.iris import Iris
from nsxkg.nquads import write_sorted
from nsxkg.processes import spawned_pool
from nsxkg.progress import Progress
from nsxkg.progress import Task as ProgressTask

ORIGIN_PARTS = ".origins"  # each batch's part of origins.tsv, joined when the build is done
BATCH = 40  # occupations per task: large enough that a task outweighs its hand-over
INLINE_BELOW = 64  # release files; fewer are converted in this process (no pool to start)

# (subject, predicate, object) in N-Triples, and the first place that states it
FactKey = tuple[str, str, str]


@dataclass
class Written:
    """One graph file a batch wrote."""

    iri: str
    name: str
    triples: int
    sha256: str
    origin: str
    kind: str


@dataclass
class BatchResult:
    graphs: list[Written] = field(default_factory=list)
    reference: dict[FactKey, str] = field(default_factory=dict)
    problems: list[tuple[Location, str]] = field(default_factory=list)
    releases: int = 0


@dataclass(frozen=True)
class Batch:
    number: int
    occupations: tuple[tuple[str, tuple[Path, ...]], ...]
    reference: Path
    base_iri: str
    staging: Path
    allow_synthetic: bool
    display_root: Path


def display(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


class FrameworkJob:
    """The framework graphs of a build, converted while the caller does other work."""

    def __init__(self, directory: Path, base_iri: str, staging: Path, *,
                 allow_synthetic: bool = False, jobs: int | None = None):
        self.directory = directory
        self.iris = Iris(base_iri)
        self.staging = staging
        ref_file = reference_path(directory)
        self.reference_file = ref_file
        self.reference: Reference = load_reference(ref_file)
        files = framework_files(directory)
        if not files:
            raise InputError.at(directory, "no framework release files (<code>/<version>.yaml) "
                                           "found")
        by_code: dict[str, list[Path]] = defaultdict(list)
        for path in files:
            by_code[path.parent.name].append(path)
        occupations = sorted((code, tuple(paths)) for code, paths in by_code.items())
        root = Path.cwd().resolve()
        self.batches = [Batch(n, tuple(occupations[i:i + BATCH]), ref_file, base_iri, staging,
                              allow_synthetic, root)
                        for n, i in enumerate(range(0, len(occupations), BATCH))]
        self.files = len(files)
        self._pool: ProcessPoolExecutor | None = None
        self._bar: ProgressTask | None = None
        self._futures: list[Future[BatchResult]] = []
        self._inline: list[BatchResult] | None = None
        workers = min(jobs or os.cpu_count() or 1, 2, len(self.batches))
        if self.files < INLINE_BELOW or workers <= 1:
            self._inline = [convert_batch(b) for b in self.batches]
        else:
            self._pool = spawned_pool(workers)
            self._futures = [self._pool.submit(convert_batch, b) for b in self.batches]

    def failed(self) -> bool:
        """Whether a batch already reported bad input (the caller may stop early)."""
        done = [f for f in self._futures if f.done()]
        if self._bar is not None:
            self._bar.update(sum(f.result().releases for f in done if f.exception() is None))
        return any(f.exception() is None and f.result().problems for f in done)

    def cancel(self) -> None:
        """Stop converting (the build failed elsewhere): queued batches are dropped."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def watch(self, progress: Progress | None) -> None:
        """Report releases converted on ``progress`` (updated when ``failed`` is asked)."""
        if progress is not None:
            self._bar = progress.task(f"build: {self.files:,} framework releases", self.files,
                                      unit="releases")

    def finish(self) -> tuple[list[Written], int]:
        """Wait for the batches, then write the reference graph; raises InputError naming
        every bad file and line. Returns the graphs written and the number of releases."""
        try:
            results = self._inline if self._inline is not None else \
                [f.result() for f in self._futures]
        finally:
            if self._pool is not None:
                self._pool.shutdown(cancel_futures=True)
        if self._bar is not None:
            self._bar.update(sum(r.releases for r in results))
            self._bar.finish()
        problems = [p for r in results for p in r.problems]
        if problems:
            raise InputError(problems)
        merged: dict[FactKey, str] = {}
        for result in results:  # batches are in file order: the first place wins
            for key, where in result.reference.items():
                merged.setdefault(key, where)
        written = [w for r in results for w in r.graphs]
        written.append(self._write_reference(merged))
        return written, sum(r.releases for r in results)

    def _write_reference(self, facts: dict[FactKey, str]) -> Written:
        graph = reference_graph(self.iris)
        shown = display(self.reference_file, Path.cwd().resolve())
        _, lines = read_yaml(self.reference_file)
        all_facts = dict(facts)
        for (s, p, o), loc in reference_triples(self.reference, self.iris):
            # The vocabulary's own schemes and scales come from no file (loc is empty).
            all_facts[str(s), str(p), str(o)] = \
                f"{shown}, line {line_of(lines, loc)} ({'.'.join(map(str, loc))})" if loc else ""
        rows = [origins.row(s[1:-1], where, p[1:-1], o)
                for (s, p, o), where in all_facts.items() if where]
        with (self.staging / ORIGIN_PARTS / "reference.tsv").open("w", encoding="utf-8") as out:
            origins.write_rows(out, sorted(rows))
        name = "framework-reference"
        count, sha = write_sorted((f"{s} {p} {o} {graph} .\n" for s, p, o in all_facts),
                                  self.staging / "graphs" / f"{name}.nq", graph.value)
        return Written(graph.value, name, count, sha, shown, "reference")


# -- in a worker -------------------------------------------------------------------------------

_references: dict[Path, Reference] = {}


def convert_batch(batch: Batch) -> BatchResult:
    reference = _references.get(batch.reference)
    if reference is None:
        reference = _references[batch.reference] = load_reference(batch.reference)
    iris = Iris(batch.base_iri)
    result = BatchResult()
    rows: list[str] = []
    for code, paths in batch.occupations:
        loaded: list[LoadedRelease] = []
        for path in paths:
            try:
                release = read_release(path, reference)
            except InputError as err:
                result.problems += err.problems
                continue
            if release.framework.release.synthetic and not batch.allow_synthetic:
                result.problems.append((
                    Location(path, release.lines.get(("release", "synthetic")),
                             "release.synthetic"),
                    "synthetic benchmark data, not a publication: it is built only when asked "
                    "(nsxkg build --allow-synthetic)"))
                continue
            loaded.append(release)
        if result.problems:
            continue
        _convert_occupation(code, loaded, reference, iris, batch, result, rows)
    with (batch.staging / ORIGIN_PARTS / f"{batch.number:05d}.tsv").open(
            "w", encoding="utf-8") as out:
        origins.write_rows(out, rows)
    return result


def latest_code_line(release: LoadedRelease, batch: Batch) -> str:
    loc = ("occupation", "code")
    return (f"{display(release.path, batch.display_root)}, line {line_of(release.lines, loc)} "
            f"(occupation.code)")


def _convert_occupation(code: str, loaded: list[LoadedRelease], reference: Reference,
                        iris: Iris, batch: Batch, result: BatchResult, rows: list[str]) -> None:
    graphs_dir = batch.staging / "graphs"
    occupation_facts: dict[FactKey, str] = {}
    release_places: dict[str, str] = {}  # release and lineage IRIs → where they are stated
    for release in loaded:
        fw, shown = release.framework, display(release.path, batch.display_root)
        parts = release_parts(fw, reference, iris)

        def where(loc: Loc, release: LoadedRelease = release, shown: str = shown) -> str:
            return f"{shown}, line {line_of(release.lines, loc)} ({'.'.join(map(str, loc))})"

        release_graph = parts.graph
        name = f"framework-{code}-{fw.release.version}"
        lines = (f"{s} {p} {o} {release_graph} .\n" for s, p, o in parts.release.triples)
        count, sha = write_sorted(lines, graphs_dir / f"{name}.nq", release_graph.value)
        result.graphs.append(Written(release_graph.value, name, count, sha, shown, "release"))
        rows += [origins.row(subject, where(loc)) for subject, loc in
                 parts.release.origins.items()]
        release_places[iris.framework(code, fw.release.version).value] = where(("release",))
        for subject, loc in parts.release.origins.items():
            if "/statement/" in subject:
                kind, key = subject.rsplit("/", 2)[-2:]
                release_places[iris.statement(code, kind, key).value] = where(loc)
        for (s, p, o), loc in parts.occupation.facts:
            occupation_facts.setdefault((str(s), str(p), str(o)), where(loc))
        for (s, p, o), loc in parts.reference.facts:
            result.reference.setdefault((str(s), str(p), str(o)), where(loc))
        result.releases += 1
    if not loaded:
        return
    series: list[Triple] = series_triples(code, [summary(r.framework) for r in loaded], iris)
    # Where each series fact comes from: a release's own line for the release chain, the
    # latest release's occupation code for the framework, the latest version of a statement
    # for its lineage.
    latest = max(loaded, key=lambda r: version_order(r.framework.release.version))
    place = dict(release_places)
    framework_line = place[iris.framework(code).value] = latest_code_line(latest, batch)
    facts = dict(occupation_facts)
    for s, p, o in series:
        facts.setdefault((str(s), str(p), str(o)), place.get(s.value) or framework_line)
    graph = framework_graph(iris, code)
    rows += [origins.row(s[1:-1], w, p[1:-1], o) for (s, p, o), w in facts.items()]
    name = f"framework-{code}"
    lines = (f"{s} {p} {o} {graph} .\n" for s, p, o in facts)
    count, sha = write_sorted(lines, graphs_dir / f"{name}.nq", graph.value)
    shown = display(latest.path.parent, batch.display_root)
    result.graphs.append(Written(graph.value, name, count, sha, shown, "framework"))
