"""Shared test helpers: settings for a scratch build, and the loaded-graph fixture's type."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from nsxkg.build import Manifest
from nsxkg.config import PROJECT_ROOT, Settings
from nsxkg.store import LoadedBuild

DATA = Path(__file__).parent / "data"
FRAMEWORKS = PROJECT_ROOT / "data" / "frameworks"


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
