"""The Oxigraph store: load a validated build into a fresh directory, then swap it in.

Layout of the store directory::

    store/
      current -> builds/<digest>   (symlink, replaced atomically)
      builds/<digest>/             (one RocksDB store per loaded build)
      builds/<digest>/BUILD.json   (the manifest it was loaded from)
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from nsxkg.build import MANIFEST, Manifest
from nsxkg.errors import StoreError
from nsxkg.validate import REPORT

CURRENT = "current"
BUILD_INFO = "BUILD.json"


@dataclass(frozen=True)
class LoadedBuild:
    path: Path
    digest: str
    quads: int
    manifest: dict[str, object]


def load(build_dir: Path, store_dir: Path, *, require_valid: bool = True) -> LoadedBuild:
    manifest = Manifest.read(build_dir)
    if require_valid:
        _check_validated(build_dir, manifest)
    builds = store_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    final = builds / manifest.digest[:16]
    previous = _current_target(store_dir)
    if (final / BUILD_INFO).is_file():
        # This exact build is already loaded: point at it again rather than rewrite it
        # under a server that may be reading it.
        _point_current(store_dir, final)
        info = _read_info(final)
        return LoadedBuild(final, manifest.digest, int(str(info.get("quads", 0))), info)
    staging = Path(tempfile.mkdtemp(prefix=".loading-", dir=builds))
    try:
        store = ox.Store(str(staging))
        for path in manifest.graph_files(build_dir):
            store.bulk_load(path=path, format=ox.RdfFormat.N_QUADS)
        store.optimize()
        quads = len(store)
        store.flush()
        del store
        info = json.loads((build_dir / MANIFEST).read_text(encoding="utf-8"))
        info["quads"] = quads
        shutil.rmtree(final, ignore_errors=True)  # a half-loaded leftover without BUILD.json
        (staging / BUILD_INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _point_current(store_dir, final)
    _prune(builds, keep={final, previous})
    return LoadedBuild(final, manifest.digest, quads, _read_info(final))


def open_store(store_dir: Path) -> tuple[ox.Store, LoadedBuild]:
    """Open the current build read-only: many server processes may share it."""
    target = _current_target(store_dir)
    if target is None:
        raise StoreError(f"{store_dir}: no loaded store; run `nsxkg build`, `nsxkg validate` "
                         f"and `nsxkg load` first (or `make serve`)")
    store = ox.Store.read_only(str(target))
    info = _read_info(target)
    return store, LoadedBuild(target, str(info.get("digest", "")),
                              int(str(info.get("quads", 0))), info)


def _check_validated(build_dir: Path, manifest: Manifest) -> None:
    path = build_dir / REPORT
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise StoreError(f"{build_dir}: this build has not been validated; run "
                         f"`nsxkg validate` before `nsxkg load`") from err
    if report.get("digest") != manifest.digest:
        raise StoreError(f"{path}: the validation report is for another build; run "
                         f"`nsxkg validate` again")
    if not report.get("conforms"):
        raise StoreError(f"{path}: the build does not conform to the shapes "
                         f"({len(report.get('violations', []))} violations); nothing loaded")


def _current_target(store_dir: Path) -> Path | None:
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
        if child.resolve() not in kept and not child.name.startswith("."):
            shutil.rmtree(child, ignore_errors=True)


def _read_info(target: Path) -> dict[str, object]:
    try:
        data: dict[str, object] = json.loads((target / BUILD_INFO).read_text(encoding="utf-8"))
        return data
    except FileNotFoundError:
        return {}
