"""Build: framework files (and, when configured, source releases) → one N-Quads file per
named graph, sorted so rebuilds diff cleanly, plus a manifest.

Everything is read and converted before anything is written; the output is assembled in a
fresh directory and swapped in only when complete, so a failed build leaves the previous
one untouched.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox

from nsxkg.config import Settings
from nsxkg.convert.framework import framework_graph, framework_quads
from nsxkg.errors import InputError
from nsxkg.frameworks.loader import framework_files, load_framework
from nsxkg.iris import Iris

MANIFEST = "manifest.json"


@dataclass
class GraphInfo:
    iri: str
    file: str
    triples: int
    origin: str
    kind: str


@dataclass
class Manifest:
    base_iri: str
    graphs: list[GraphInfo] = field(default_factory=list)
    digest: str = ""
    absent: list[str] = field(default_factory=list)

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


def collect(settings: Settings) -> list[GraphOutput]:
    """Read and convert every input. Raises InputError listing every bad file."""
    iris = Iris(settings.base_iri)
    outputs = [_ontology_graph(settings, iris)]
    problems: list[tuple[object, str]] = []
    seen: dict[str, Path] = {}
    for path in framework_files(settings.frameworks):
        try:
            fw = load_framework(path)
        except InputError as err:
            problems += err.problems
            continue
        code = fw.occupation.code
        if code in seen:
            raise InputError.at(path, f"occupation {code} already has a framework in {seen[code]}")
        seen[code] = path
        outputs.append(GraphOutput(framework_graph(fw, iris), f"framework-{code}",
                                   _display(path), "framework", framework_quads(fw, iris)))
    if problems:
        raise InputError(problems)  # type: ignore[arg-type]
    if not seen:
        raise InputError.at(settings.frameworks, "no framework files (*.yaml) found")
    return outputs


def build(settings: Settings) -> Manifest:
    outputs = collect(settings)
    target = settings.build_dir
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        manifest = write_graphs(outputs, staging, settings.base_iri)
        _swap_in(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def write_graphs(outputs: list[GraphOutput], directory: Path, base_iri: str) -> Manifest:
    (directory / "graphs").mkdir(parents=True, exist_ok=True)
    manifest = Manifest(base_iri=base_iri)
    digest = hashlib.sha256()
    for out in sorted(outputs, key=lambda o: o.iri.value):
        lines = sorted({str(q) + " .\n" for q in _stable_blank_nodes(out.quads)})
        data = "".join(lines).encode("utf-8")
        relative = f"graphs/{out.name}.nq"
        (directory / relative).write_bytes(data)
        digest.update(out.iri.value.encode() + b"\0" + data)
        manifest.graphs.append(GraphInfo(out.iri.value, relative, len(lines), out.origin,
                                         out.kind))
    manifest.digest = digest.hexdigest()
    (directory / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
    return manifest


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


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


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
