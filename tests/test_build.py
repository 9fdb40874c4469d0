"""Builds are deterministic, the base IRI is configurable, and stores swap atomically."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from nsxkg.build import build
from nsxkg.store import load, open_store
from nsxkg.validate import validate_build
from support import make_settings


def _bytes(build_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(build_dir)): p.read_bytes()
            for p in sorted(build_dir.rglob("*")) if p.is_file()}


def test_rebuild_is_byte_identical(tmp_path: Path) -> None:
    first = make_settings(tmp_path / "a")
    second = make_settings(tmp_path / "b")
    build(first)
    build(second)
    assert _bytes(first.build_dir) == _bytes(second.build_dir)


def test_graph_files_are_sorted_nquads(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    manifest = build(settings)
    for path in manifest.graph_files(settings.build_dir):
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines == sorted(lines)
        assert all(line.endswith(" .") for line in lines)


def test_base_iri_is_configurable(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, base_iri="http://localhost:8000")
    build(settings)
    assert validate_build(settings.build_dir, settings.shapes).conforms
    load(settings.build_dir, settings.store_dir)
    store, _ = open_store(settings.store_dir)
    assert ox.NamedNode("http://localhost:8000/id/occupation/11-2022.00") in {
        q.subject for q in store.quads_for_pattern(None, None, None)}


def test_reload_swaps_current(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    build(settings)
    validate_build(settings.build_dir, settings.shapes)
    first = load(settings.build_dir, settings.store_dir)
    again = load(settings.build_dir, settings.store_dir)
    assert first.path == again.path
    other = make_settings(tmp_path, base_iri="http://example.org/kg/")
    build(other)
    validate_build(other.build_dir, other.shapes)
    second = load(other.build_dir, other.store_dir)
    assert second.path != first.path
    assert (settings.store_dir / "current").resolve() == second.path
    _, info = open_store(settings.store_dir)
    assert info.manifest["base_iri"] == "http://example.org/kg/"
