"""Shared test helpers: settings for a scratch build, and the loaded-graph fixture's type."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from nsxkg.build import Manifest
from nsxkg.config import PROJECT_ROOT, Settings
from nsxkg.store import BUILD_INFO, CURRENT, LoadedBuild
from nsxkg.textindex import TEXT_FILE, TextIndex, from_store

DATA = Path(__file__).parent / "data"
FRAMEWORKS = PROJECT_ROOT / "data" / "frameworks"
SEED = FRAMEWORKS / "11-2022.00" / "v.26.05.yaml"  # the NSX Sales Managers page, transcribed


def seed_quads(base: str = "https://w3id.org/nsxkg/") -> list[ox.Quad]:
    """Every quad a build makes of the seed framework (its release, framework and
    reference graphs), without writing a build."""
    from nsxkg.convert.framework import framework_quads
    from nsxkg.frameworks.loader import load_framework, load_reference, reference_path
    from nsxkg.iris import Iris

    reference = load_reference(reference_path(FRAMEWORKS))
    return framework_quads([load_framework(SEED, reference)], reference, Iris(base))


def fixture_store(store_dir: Path, files: list[Path], digest: str) -> Path:
    """A loaded store under ``store_dir`` holding ``files`` (N-Quads), laid out as
    ``nsxkg load`` leaves it (``builds/<digest>``, ``current``), for a server over an
    excerpt of the full graph without building it. Returns ``store_dir``."""
    target = store_dir / "builds" / digest
    target.mkdir(parents=True)
    store = ox.Store(str(target))
    for path in files:
        store.bulk_load(path=path, format=ox.RdfFormat.N_QUADS)
    info = {"digest": digest, "quads": len(store), "base_iri": "https://w3id.org/nsxkg/",
            "graphs": []}
    store.flush()
    del store  # closes RocksDB, so a server can open the directory read-only
    (target / BUILD_INFO).write_text(json.dumps(info), encoding="utf-8")
    (store_dir / CURRENT).symlink_to(Path("builds") / digest)
    return store_dir


def make_settings(tmp: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "frameworks": FRAMEWORKS,
        "ontology": PROJECT_ROOT / "ontology",
        "shapes": PROJECT_ROOT / "shapes",
        "build_dir": tmp / "build",
        "store_dir": tmp / "store",
        "sources": None,
        **overrides,
    }
    return Settings.model_validate(values)


@dataclass
class Loaded:
    settings: Settings
    manifest: Manifest
    store: ox.Store
    build: LoadedBuild

    def text(self) -> TextIndex:
        """The text index `nsxkg load` kept beside the build."""
        found = TextIndex.open(self.build.path / TEXT_FILE)
        assert found is not None
        return found

    def select(self, query: str) -> list[dict[str, object]]:
        result = self.store.query(PREFIXES + query, use_default_graph_as_union=True)
        assert isinstance(result, ox.QuerySolutions)
        names = [v.value for v in result.variables]
        return [{n: _py(sol[n]) for n in names} for sol in result]

    def value(self, query: str) -> object:
        rows = self.select(query)
        assert len(rows) == 1, rows
        return next(iter(rows[0].values()))


PREFIXES = """
PREFIX nsx: <https://w3id.org/nsxkg/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX id: <https://w3id.org/nsxkg/id/>
"""


def _py(term: object) -> object:
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        return term
    return term.value  # type: ignore[attr-defined]


def locate_sources() -> Path | None:
    """The source-release mirror named by NSXKG_SOURCES, or None when unset or missing."""
    value = os.environ.get("NSXKG_SOURCES", "").strip()
    path = Path(value).expanduser() if value else None
    return path if path is not None and path.is_dir() else None


@dataclass
class FullBuild:
    """Every source release in NSXKG_SOURCES built once per session, in an in-memory store."""

    settings: Settings
    manifest: Manifest
    store: ox.Store
    _text: TextIndex | None = None

    def text(self) -> TextIndex:
        """The text index of the build, made in memory on first use (as `nsxkg load` would
        write it)."""
        if self._text is None:
            self._text = TextIndex.of_corpus(from_store(self.store))
        return self._text
