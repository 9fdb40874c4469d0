"""The Oxigraph store: load a validated build into a fresh directory, then swap it in.

Layout of the store directory::

    store/
      current -> builds/<digest>   (symlink, replaced atomically)
      builds/<digest>/             (one RocksDB store per loaded build)
      builds/<digest>/BUILD.json   (the manifest it was loaded from; written last)
      builds/<digest>/text.sqlite, partitions.json, frameworks.sqlite, pages.sqlite
                                   (text index, VoID counts, framework pages' data and
                                    rendered release pages: made once here, not by each
                                    server at start-up or on request)
      builds/.loading-*/           (a load in progress, renamed to <digest> when complete)
      builds/.lock                 (held by the one load running; freed by the OS if it dies)

A load killed at any point leaves ``current`` on the previous build: the new build only
becomes visible through the atomic ``os.replace`` of the ``current`` link. What the killed load
left (a ``.loading-*`` directory) is removed by the next load, which holds the lock and so
knows no other load is writing it.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from nsxkg import framework_index, partitions, textindex
from nsxkg.conformance import require_conforming
from nsxkg.errors import StoreError
from nsxkg.locking import exclusive
from nsxkg.processes import spawned_pool
from nsxkg.progress import Progress, Quiet

if TYPE_CHECKING:
    from nsxkg.build import Manifest

CURRENT = "current"
BUILD_INFO = "BUILD.json"
STAGING_PREFIX = ".loading-"
LOCK = ".lock"


@dataclass(frozen=True)
class LoadedBuild:
    path: Path
    digest: str
    quads: int
    manifest: dict[str, object]
    indexing_seconds: float | None = None  # building the text index, when this load did


# What ``load`` may be given to make from the framework index, in the process that wrote it
# (``nsxkg load`` renders the release pages: web/prerender.py): called with the staging
# directory and the base IRI; must be picklable (a module-level function).
PageMaker = Callable[[Path, str], object]


def load(build_dir: Path, store_dir: Path, *, require_valid: bool = True,
         progress: Progress | None = None, pages: PageMaker | None = None) -> LoadedBuild:
    # Imported here: they pull in the converters and pySHACL (seconds), which a server
    # opening the store with ``open_store`` never needs.
    from nsxkg.build import Manifest

    manifest = Manifest.read(build_dir)
    if require_valid:
        require_conforming(build_dir, manifest, "load", StoreError)
    builds = store_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    with _exclusive(builds):
        _remove_stale(builds)
        return _load_locked(build_dir, store_dir, builds, manifest, progress or Quiet(), pages)


def _framework_pages(build_dir: Path, graphs: list[dict[str, Any]], base: str,
                     directory: Path, pages: PageMaker | None) -> int:
    releases = framework_index.write(build_dir, graphs, base, directory)
    if pages is not None:
        pages(directory, base)
    return releases


def _load_locked(build_dir: Path, store_dir: Path, builds: Path,
                 manifest: Manifest, progress: Progress, pages: PageMaker | None) -> LoadedBuild:
    final = builds / manifest.digest[:16]
    previous = current_build(store_dir)
    if (final / BUILD_INFO).is_file():
        # This exact build is already loaded: point at it again rather than rewrite it
        # under a server that may be reading it.
        _point_current(store_dir, final)
        info = _read_info(final)
        return LoadedBuild(final, manifest.digest, int(str(info.get("quads", 0))), info)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=builds))
    try:
        # The framework pages' data comes from the build's files, not the store: another
        # process assembles it (and renders the pages, when asked to) while this one loads
        # and indexes the text, each of which keeps one core busy at most.
        with spawned_pool(1) as pool:
            framework_pages = pool.submit(_framework_pages, build_dir,
                                          [asdict(g) for g in manifest.graphs],
                                          manifest.base_iri, staging, pages)
            store = ox.Store(str(staging))
            files = manifest.graph_files(build_dir)
            # One bulk load over every graph file: a call per file costs a RocksDB ingestion
            # each, which three thousand framework graphs would pay three thousand times.
            task = progress.task("load: N-Quads into Oxigraph",
                                 sum(f.stat().st_size for f in files), unit="bytes")
            stream = io.BufferedReader(ChainedFiles(files, task.update), buffer_size=1 << 20)
            store.bulk_load(input=stream, format=ox.RdfFormat.N_QUADS)
            task.finish()
            step = progress.task("load: compact the store")
            store.optimize()
            quads = len(store)
            step.finish()
            # Per-build figures the server would otherwise compute on start or first request.
            # (Compacting on a thread beside the text index saved 5 s of 104 s on the sources
            # alone, but with a thousand frameworks their memory added up past 2 GiB.)
            step = progress.task("load: text index and VoID partitions")
            started = time.perf_counter()
            corpus = textindex.from_store(store)
            # The frequent words' matches are ranked by the other process, while this one
            # counts the partitions (each about 9 s with a thousand frameworks).
            ranked = pool.submit(textindex.rank_frequent,
                                 textindex.write(corpus, staging, rank=False))
            literals = len(corpus.docs)
            del corpus
            indexing = time.perf_counter() - started
            partitions.write(partitions.count(store), staging)
            store.flush()
            ranked.result()
            step.finish()
            step = progress.task("load: framework pages")
            framework_releases = framework_pages.result()
            step.finish()
        del store
        from nsxkg.build import MANIFEST

        info = json.loads((build_dir / MANIFEST).read_text(encoding="utf-8"))
        info["quads"] = quads
        info["text_literals"] = literals
        info["framework_releases"] = framework_releases
        shutil.rmtree(final, ignore_errors=True)  # a half-loaded leftover without BUILD.json
        # BUILD.json last: its presence is what marks a loaded build as complete.
        (staging / BUILD_INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _point_current(store_dir, final)
    _prune(builds, keep={final, previous})
    return LoadedBuild(final, manifest.digest, quads, _read_info(final), indexing)


class ChainedFiles(io.RawIOBase):
    """Several files read as one stream; ``read`` is told the bytes read so far."""

    def __init__(self, paths: list[Path], read: Callable[[float], None] | None = None):
        self._paths = list(paths)
        self._current: io.BufferedReader | None = None
        self._read = read
        self._total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while True:
            if self._current is None:
                if not self._paths:
                    return 0
                self._current = self._paths.pop(0).open("rb")
            count: int = self._current.readinto(buffer)
            if count:
                self._total += count
                if self._read is not None:
                    self._read(self._total)
                return count
            self._current.close()
            self._current = None

    def close(self) -> None:
        if self._current is not None:
            self._current.close()
        super().close()


def _exclusive(builds: Path) -> AbstractContextManager[None]:
    """One load at a time per store directory."""
    return exclusive(builds / LOCK, f"{builds.parent}: another `nsxkg load` is running on "
                                    f"this store directory")


def _remove_stale(builds: Path) -> None:
    """What loads killed midway left behind (under the lock, so nothing is writing it)."""
    for child in builds.iterdir():
        if child.name.startswith(STAGING_PREFIX):
            shutil.rmtree(child, ignore_errors=True)


def open_store(store_dir: Path) -> tuple[ox.Store, LoadedBuild]:
    """Open the current build read-only: many server processes may share it."""
    target = current_build(store_dir)
    if target is None:
        raise StoreError(f"{store_dir}: no loaded store; run `nsxkg build`, `nsxkg validate` "
                         f"and `nsxkg load` first (or `make serve`)")
    store = ox.Store.read_only(str(target))
    info = _read_info(target)
    return store, LoadedBuild(target, str(info.get("digest", "")),
                              int(str(info.get("quads", 0))), info)


def current_build(store_dir: Path) -> Path | None:
    """The loaded build ``current`` points at (resolved), or None before the first load."""
    link = store_dir / CURRENT
    return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None


def _point_current(store_dir: Path, target: Path) -> None:
    tmp = store_dir / f".{CURRENT}.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(target.relative_to(store_dir))
    os.replace(tmp, store_dir / CURRENT)


def _prune(builds: Path, keep: set[Path | None]) -> None:
    """Keep the new build and the one before it (a running server may still read it)."""
    kept = {k.resolve() for k in keep if k}
    for child in builds.iterdir():
        if child.is_dir() and child.resolve() not in kept and not child.name.startswith("."):
            shutil.rmtree(child, ignore_errors=True)


def _read_info(target: Path) -> dict[str, object]:
    try:
        data: dict[str, object] = json.loads((target / BUILD_INFO).read_text(encoding="utf-8"))
        return data
    except FileNotFoundError:
        return {}
