"""Session fixtures: the real framework built, validated and loaded once."""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from nsxkg.build import build
from nsxkg.store import load, open_store
from nsxkg.validate import validate_build
from support import DATA, FullBuild, Loaded, locate_sources, make_settings


@pytest.fixture(scope="session")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    tmp = tmp_path_factory.mktemp("graph")
    settings = make_settings(tmp)
    manifest = build(settings)
    report = validate_build(settings.build_dir, settings.shapes)
    assert report.conforms, "\n".join(v.render() for v in report.violations)
    load(settings.build_dir, settings.store_dir)
    store, info = open_store(settings.store_dir)
    yield Loaded(settings, manifest, store, info)


@pytest.fixture(scope="session")
def loaded_releases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    """Two releases of one framework (tests/data/frameworks/releases), built and loaded: what
    the examples and pages about versions need, which the embedded data lacks."""
    tmp = tmp_path_factory.mktemp("releases")
    settings = make_settings(tmp, frameworks=DATA / "frameworks" / "releases")
    manifest = build(settings)
    report = validate_build(settings.build_dir, settings.shapes)
    assert report.conforms, "\n".join(v.render() for v in report.violations)
    load(settings.build_dir, settings.store_dir)
    store, info = open_store(settings.store_dir)
    yield Loaded(settings, manifest, store, info)


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
