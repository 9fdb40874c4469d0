"""Builds are deterministic, the base IRI is configurable, and stores swap atomically."""

from __future__ import annotations

import multiprocessing
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

import nsxkg.build as build_module
from nsxkg.build import build
from nsxkg.errors import InputError, RowError
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


DATA = Path(__file__).parent / "data" / "sources"
FRAMEWORK_DATA = Path(__file__).parent / "data" / "frameworks"


def test_source_releases_converted_in_worker_processes_build_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Real O*NET releases are converted in worker processes (nsxkg.build.SourceJob); these
    # excerpts are small enough to be converted in the build's own process, unless told.
    sources = DATA / "onet_excerpt"
    here = make_settings(tmp_path / "here", sources=sources)
    build(here)
    monkeypatch.setattr(build_module, "PARALLEL_FROM_BYTES", 0)
    workers = make_settings(tmp_path / "workers", sources=sources)
    manifest = build(workers)
    assert any(g.iri.endswith("/graph/onet/29.0") for g in manifest.graphs)
    assert _bytes(workers.build_dir) == _bytes(here.build_dir)


def test_a_bad_row_met_in_a_worker_process_names_file_row_and_column(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sources = tmp_path / "sources"
    shutil.copytree(DATA / "onet", sources / "onet")
    with pytest.raises(RowError) as here:
        build(make_settings(tmp_path / "here", sources=sources))
    monkeypatch.setattr(build_module, "PARALLEL_FROM_BYTES", 0)
    with pytest.raises(RowError) as worker:
        build(make_settings(tmp_path / "workers", sources=sources))
    assert (worker.value.file, worker.value.row, worker.value.column, str(worker.value)) == \
        (here.value.file, here.value.row, here.value.column, str(here.value))
    assert not (tmp_path / "workers" / "build").exists()  # nothing half-written


def test_bad_framework_files_stop_the_source_workers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    frameworks = tmp_path / "frameworks"
    shutil.copytree(FRAMEWORK_DATA / "valid", frameworks)
    bad = FRAMEWORK_DATA / "invalid" / "unknown-level" / "15-1252.00" / "v.0.1.yaml"
    shutil.copy(bad, frameworks / "15-1252.00" / "v.0.1.yaml")
    monkeypatch.setattr(build_module, "PARALLEL_FROM_BYTES", 0)
    with pytest.raises(InputError, match="v.0.1.yaml, line"):
        build(make_settings(tmp_path, frameworks=frameworks, sources=DATA / "onet_excerpt"))
    assert not multiprocessing.active_children()  # no conversion left running
    assert not (tmp_path / "build").exists()


def test_workers_die_with_the_step_that_started_them(tmp_path: Path) -> None:
    # A build or load killed with SIGKILL (as test_faults does) must not leave its spawned
    # workers converting or idling for nothing.
    import os
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "step.py"
    script.write_text(
        "import os, sys, time\n"
        "from nsxkg.processes import spawned_pool\n"
        "if __name__ == '__main__':\n"
        "    pool = spawned_pool(1)\n"
        "    print(pool.submit(os.getpid).result(), flush=True)\n"
        "    pool.submit(time.sleep, 60)\n"
        "    time.sleep(60)\n", encoding="utf-8")
    step = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert step.stdout is not None
    worker = int(step.stdout.readline())
    os.kill(step.pid, signal.SIGKILL)
    step.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(worker, signal.SIGKILL)
    raise AssertionError("the worker outlived the step that started it")
