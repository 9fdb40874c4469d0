"""The build benchmark: ``nsxkg build``, ``validate`` and ``load`` into a scratch directory,
each timed with the peak RSS of its process tree; triples per graph from the manifest."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.procs import timed

STEPS = ("build", "validate", "load")


def nsxkg_env(sources: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NSXKG_")}
    env["NSXKG_SOURCES"] = str(sources) if sources else ""
    env["CI"] = "true"  # no progress bars in the logs
    return env


def run_build(nsxkg: Path, work: Path, sources: Path | None,
              steps_to_run: tuple[str, ...] = STEPS, *, frameworks: Path | None = None,
              allow_synthetic: bool = False) -> dict[str, Any]:
    """Build, validate and load into ``work``/build and ``work``/store; raises on failure.
    ``frameworks``: another framework directory (a synthetic corpus) than the project's."""
    build_dir, store_dir = work / "build", work / "store"
    build_extra = ([f"--frameworks={frameworks}"] if frameworks else []) + \
        (["--allow-synthetic"] if allow_synthetic else [])
    argv = {
        "build": [str(nsxkg), "build", "--build-dir", str(build_dir), *build_extra],
        "validate": [str(nsxkg), "validate", "--build-dir", str(build_dir)],
        "load": [str(nsxkg), "load", "--build-dir", str(build_dir), "--store-dir", str(store_dir)],
    }
    steps: dict[str, Any] = {}
    for step in steps_to_run:
        result = timed(argv[step], nsxkg_env(sources), work / f"{step}.log")
        if result.returncode != 0:
            raise RuntimeError(f"nsxkg {step} failed (exit {result.returncode}); see "
                               f"{work / (step + '.log')}:\n{result.output[-2000:]}")
        steps[step] = {"seconds": round(result.seconds, 2),
                       "peak_rss_mb": round(result.peak_rss / 2**20, 1)}
    return {"sources": str(sources) if sources else None, "steps": steps,
            "total_seconds": round(sum(s["seconds"] for s in steps.values()), 2),
            "peak_rss_mb": max(s["peak_rss_mb"] for s in steps.values()),
            **graph_counts(build_dir)}


def store_for(store_dir: Path | None, work: Path | None, prefix: str) -> tuple[Path, Path]:
    """(store, work): the given loaded store, or the framework graph built, validated and
    loaded into a scratch directory (``work``, or a new temporary one)."""
    work = work or Path(tempfile.mkdtemp(prefix=prefix))
    work.mkdir(parents=True, exist_ok=True)
    if store_dir is None:
        print(f"building the framework graph into {work} …", flush=True)
        run_build(Path(sys.executable).parent / "nsxkg", work, None)
        store_dir = work / "store"
    return store_dir, work


def make_subset(full_build: Path, work: Path, max_triples: int) -> list[str]:
    """A build directory under ``work`` holding the smallest graphs of ``full_build`` that fit
    in ``max_triples`` together (the framework, ontology and catalogue always do), for a peer
    that cannot hold the whole graph; validate and load it like any build. Returns the IRIs."""
    manifest = json.loads((full_build / "manifest.json").read_text(encoding="utf-8"))
    chosen, total = [], 0
    for graph in sorted(manifest["graphs"], key=lambda g: g["triples"]):
        if total + graph["triples"] > max_triples and graph["kind"] not in FOUNDATION:
            continue
        chosen.append(graph)
        total += graph["triples"]
    build = work / "build"
    (build / "graphs").mkdir(parents=True)
    for graph in chosen:
        (build / graph["file"]).symlink_to((full_build / graph["file"]).resolve())
    origins = full_build / "origins.tsv"
    if origins.exists():
        (build / "origins.tsv").symlink_to(origins.resolve())
    iris = [g["iri"] for g in chosen]
    digest = hashlib.sha256("\n".join([manifest["digest"], *iris]).encode()).hexdigest()
    subset = {**manifest, "graphs": chosen, "digest": digest}
    (build / "manifest.json").write_text(json.dumps(subset, indent=2) + "\n", encoding="utf-8")
    return iris


FOUNDATION = ("framework", "release", "reference", "ontology", "catalogue")


def graph_counts(build_dir: Path) -> dict[str, Any]:
    manifest = json.loads((build_dir / "manifest.json").read_text(encoding="utf-8"))
    graphs = {g["iri"]: g["triples"] for g in manifest["graphs"]}
    return {"graphs": graphs, "triples": sum(graphs.values())}


def store_path(work: Path) -> Path:
    """The loaded store directory itself (what ``oxigraph serve-read-only`` opens)."""
    current = work / "store" / "current"
    if not current.is_dir():
        raise RuntimeError(f"no loaded store under {work / 'store'}; run without --skip-build")
    return current.resolve()
