"""Session fixtures: the real framework built, validated and loaded once."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from nsxkg.build import build
from nsxkg.config import Settings
from nsxkg.store import load, open_store
from nsxkg.validate import validate_build
from support import DATA, FullBuild, Loaded, locate_sources, make_settings


def built_and_loaded(settings: Settings) -> Loaded:
    """Build, validate (it must conform) and load, as `make serve` does."""
    manifest = build(settings)
    report = validate_build(settings.build_dir, settings.shapes)
    assert report.conforms, "\n".join(v.render() for v in report.violations)
    load(settings.build_dir, settings.store_dir)
    store, info = open_store(settings.store_dir)
    return Loaded(settings, manifest, store, info)


@pytest.fixture(scope="session")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    return built_and_loaded(make_settings(tmp_path_factory.mktemp("graph")))


@pytest.fixture(scope="session")
def loaded_releases(tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    """Two releases of one framework (tests/data/frameworks/releases), built and loaded: what
    the examples and pages about versions need, which the embedded data lacks."""
    return built_and_loaded(make_settings(tmp_path_factory.mktemp("releases"),
                                          frameworks=DATA / "frameworks" / "releases"))


@pytest.fixture(scope="session")
def full_build(tmp_path_factory: pytest.TempPathFactory) -> FullBuild:
    sources = locate_sources()
    if sources is None:
        pytest.skip("NSXKG_SOURCES is not set; point it at the source-release mirror")
    settings = make_settings(tmp_path_factory.mktemp("full"), sources=sources)
    manifest = build(settings)
    store = ox.Store()
    for path in manifest.graph_files(settings.build_dir):
        store.bulk_load(path=path, format=ox.RdfFormat.N_QUADS)
    return FullBuild(settings, manifest, store)
