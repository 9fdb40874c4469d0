"""Data safety: a load or a build killed midway, or a build that fails validation, never
replaces what is loaded; the next load succeeds and clears what the killed one left."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nsxkg.build import MANIFEST, Manifest, build
from nsxkg.errors import InputError, StoreError
from nsxkg.store import LOCK, STAGING_PREFIX, current_build, load, open_store
from nsxkg.validate import validate_build
from support import locate_sources, make_settings

NSXKG = Path(sys.executable).with_name("nsxkg")
GRAPH = "https://example.org/graph/synthetic"


def synthetic_build(directory: Path, quads: int) -> Manifest:
    """A build directory holding one large graph: big enough that loading it takes seconds."""
    (directory / "graphs").mkdir(parents=True)
    with (directory / "graphs" / "synthetic.nq").open("w", encoding="utf-8") as out:
        for i in range(quads):
            out.write(f"<https://example.org/s/{i}> <https://example.org/p/{i % 97}> "
                      f"\"value {i}\" <{GRAPH}> .\n")
    manifest = {"base_iri": "https://example.org/", "digest": f"{quads:064x}", "absent": [],
                "rows": {}, "unmapped": [],
                "graphs": [{"iri": GRAPH, "file": "graphs/synthetic.nq", "triples": quads,
                            "origin": "test", "kind": "source"}]}
    (directory / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return Manifest.read(directory)


def served_quads(store_dir: Path) -> tuple[Path, int]:
    store, info = open_store(store_dir)
    count = len(store)
    del store
    return info.path, count


@pytest.fixture
def loaded_store(tmp_path: Path) -> tuple[Path, Path, int]:
    """A store with the framework build loaded: (store dir, its build, quads)."""
    settings = make_settings(tmp_path / "old")
    build(settings)
    loaded = load(settings.build_dir, tmp_path / "store", require_valid=False)
    return tmp_path / "store", loaded.path, loaded.quads


def wait_for(condition: object, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_load_killed_midway_keeps_the_previous_store(tmp_path: Path,
                                                     loaded_store: tuple[Path, Path, int]) -> None:
    store_dir, old_build, old_quads = loaded_store
    new = synthetic_build(tmp_path / "new", 400_000)
    builds = store_dir / "builds"
    process = subprocess.Popen([str(NSXKG), "load", "--force", "--build-dir", str(tmp_path / "new"),
                                "--store-dir", str(store_dir)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Midway: the new store directory exists and RocksDB has started writing into it.
        wait_for(lambda: any(len(list(p.iterdir())) > 3 for p in builds.glob(
            STAGING_PREFIX + "*")), "the load to start writing")
        time.sleep(0.3)
        assert process.poll() is None, "the load finished before it could be killed"
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    leftovers = list(builds.glob(STAGING_PREFIX + "*"))
    assert leftovers, "the killed load left nothing behind: it was not killed midway"
    assert not (builds / new.digest[:16]).exists()

    # The previous build is still the one served, whole.
    assert served_quads(store_dir) == (old_build, old_quads)

    # The next load succeeds, swaps in the new build and clears the killed load's leftovers.
    loaded = load(tmp_path / "new", store_dir, require_valid=False)
    assert loaded.quads == 400_000
    assert served_quads(store_dir) == (loaded.path, 400_000)
    assert not any(p.exists() for p in leftovers)
    # The build served before stays for a server that may still be reading it.
    assert old_build.is_dir()


def test_a_second_load_at_the_same_time_is_refused(
        tmp_path: Path, loaded_store: tuple[Path, Path, int]) -> None:
    store_dir, old_build, old_quads = loaded_store
    new = synthetic_build(tmp_path / "new", 10)
    with (store_dir / "builds" / LOCK).open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(StoreError, match="another `nsxkg load` is running"):
            load(tmp_path / "new", store_dir, require_valid=False)
    assert current_build(store_dir) == old_build
    assert load(tmp_path / "new", store_dir, require_valid=False).digest == new.digest


def test_a_build_failing_validation_is_not_loaded(tmp_path: Path,
                                                  loaded_store: tuple[Path, Path, int]) -> None:
    store_dir, old_build, old_quads = loaded_store
    shapes = tmp_path / "shapes"
    shapes.mkdir()
    (shapes / "strict.ttl").write_text("""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix nsx: <https://w3id.org/nsxkg/def#> .
        <https://example.org/shapes#OccupationHasWage> a sh:NodeShape ;
            sh:targetClass nsx:Occupation ;
            sh:property [ sh:path <https://example.org/wage> ; sh:minCount 1 ] .
        """, encoding="utf-8")
    # Another build (other IRIs), so loading it would make a new store directory.
    settings = make_settings(tmp_path / "next", base_iri="https://example.org/kg/")
    build(settings)
    report = validate_build(settings.build_dir, shapes)
    assert not report.conforms
    result = subprocess.run([str(NSXKG), "load", "--build-dir", str(settings.build_dir),
                             "--store-dir", str(store_dir)], capture_output=True, text=True)
    assert result.returncode == 2
    assert "does not conform to the shapes" in result.stderr
    assert served_quads(store_dir) == (old_build, old_quads)
    assert [p.name for p in (store_dir / "builds").iterdir() if p.is_dir()] == [old_build.name]


def test_build_killed_midway_keeps_the_previous_build(tmp_path: Path,
                                                      loaded_store: tuple[Path, Path, int]) -> None:
    sources = locate_sources()
    if sources is None:
        pytest.skip("NSXKG_SOURCES is not set: a build of the frameworks alone is too quick "
                    "to kill midway")
    store_dir, old_build, old_quads = loaded_store
    build_dir = tmp_path / "old" / "build"
    before = {p.relative_to(build_dir): p.read_bytes() for p in build_dir.rglob("*")
              if p.is_file()}
    env = {**os.environ, "NSXKG_SOURCES": str(sources)}
    process = subprocess.Popen([str(NSXKG), "build", "--build-dir", str(build_dir)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Midway: the new build is being written into its staging directory.
        wait_for(lambda: any(p.glob("graphs/*.nq") for p in build_dir.parent.glob(".build-*")),
                 "the build to start writing graphs")
        time.sleep(1.0)
        assert process.poll() is None, "the build finished before it could be killed"
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    after = {p.relative_to(build_dir): p.read_bytes() for p in build_dir.rglob("*")
             if p.is_file()}
    assert after == before
    # The previous build is still usable, and the store never saw the killed one.
    assert served_quads(store_dir) == (old_build, old_quads)
    assert load(build_dir, store_dir, require_valid=False).path == old_build


def test_the_next_build_clears_what_a_killed_build_left(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    first = build(settings)
    target = settings.build_dir
    # Killed between _swap_in's two renames: only the previous build, under its old name,
    # and a staging directory half written.
    target.rename(target.with_name(".build-old"))
    (target.with_name(".build-k1ll3d") / "graphs").mkdir(parents=True)
    broken = make_settings(tmp_path, frameworks=tmp_path / "no-frameworks-here")
    with pytest.raises(InputError):
        build(broken)
    # The failing build still put the previous one back, and removed the leftovers.
    assert Manifest.read(target).digest == first.digest
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["build"]


def test_a_second_build_at_the_same_time_is_refused(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    first = build(settings)
    with (tmp_path / ".build.lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(StoreError, match="another `nsxkg build`"):
            build(settings)
    assert Manifest.read(settings.build_dir).digest == first.digest
