"""``make bench-publish``: the time to publish a full build to other engines.

    .venv/bin/python -m bench.publish [--build-dir DIR] [--work DIR] [--engines virtuoso,oxigraph]

For each engine a scratch server is started on 127.0.0.1 with an empty database, and
``nsxkg publish`` (``--loader auto``: the engine's bulk loader, as every graph is new) puts
the whole validated build on it and checks every graph's count. Then one mid-sized graph
(``--gsp-graph``, ESCO by default) is replaced again through the Graph Store Protocol, the
path an update takes, to compare the two ways in on the same triples. The full build's
Graph Store Protocol publish to ``oxigraph serve`` was measured at 22 minutes
(docs/publishing.md), so it is not repeated here by default (``--full-gsp`` does it).

Results: a table, and ``<out>/publish-<timestamp>.json`` and ``publish-latest.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.servers import oxigraph_serve, virtuoso
from nsxkg.build import Manifest
from nsxkg.publish import publish, put_graph, target

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.publish", description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", type=Path, default=Path("/tmp/nsxkg-bench/full/build"),
                        help="a validated build (make bench leaves the full one here)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/nsxkg-bench/publish"),
                        help="scratch directory for the engines' databases")
    parser.add_argument("--engines", default="virtuoso,oxigraph")
    parser.add_argument("--gsp-graph", default="esco",
                        help="replace the graph whose IRI contains this through the Graph "
                             "Store Protocol after the bulk load [esco]")
    parser.add_argument("--full-gsp", action="store_true",
                        help="also publish the whole build through the Graph Store Protocol "
                             "to a second, empty server of each engine (slow)")
    parser.add_argument("--virtuoso-buffers", type=int, default=340_000,
                        help="Virtuoso NumberOfBuffers (8 KiB pages) [340000: 2.7 GB]")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not (args.build_dir / "manifest.json").exists():
        # No build from `make bench` yet: make the full one (NSXKG_SOURCES) and validate it.
        nsxkg = str(Path(sys.executable).with_name("nsxkg"))
        print(f"no build in {args.build_dir}: building and validating it …", flush=True)
        for step in ("build", "validate"):
            subprocess.run([nsxkg, step, "--build-dir", str(args.build_dir)], check=True)
    manifest = Manifest.read(args.build_dir)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    results: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "load_average": list(os.getloadavg()),
                    "note": "shared machine; figures are noisy"},
        "build": {"dir": str(args.build_dir), "graphs": len(manifest.graphs),
                  "triples": sum(g.triples for g in manifest.graphs)},
        "engines": {},
    }
    gsp_graph = next((g for g in manifest.graphs if args.gsp_graph in g.iri), None)
    for engine in engines:
        print(f"publishing {results['build']['triples']:,} triples to {engine} …", flush=True)
        results["engines"][engine] = measure(engine, args, gsp_graph)
        results["engines"][engine]["load_average_after"] = list(os.getloadavg())
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(results, indent=1) + "\n"
    (args.out / f"publish-{stamp}.json").write_text(text, encoding="utf-8")
    (args.out / "publish-latest.json").write_text(text, encoding="utf-8")
    print(table(results))
    return 0


def measure(engine: str, args: argparse.Namespace, gsp_graph: Any) -> dict[str, Any]:
    work = args.work / engine
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    out: dict[str, Any] = {}
    with _server(engine, work / "bulk", args) as to:
        began = time.monotonic()
        published = publish(args.build_dir, to)
        out["publish_seconds"] = round(time.monotonic() - began, 1)
        out["methods"] = sorted({p.method for p in published})
        out["graphs"] = {p.iri: {"triples": p.on_server, "seconds": round(p.seconds, 1),
                                 "method": p.method} for p in published}
        if gsp_graph is not None:
            with to.client() as client:
                began = time.monotonic()
                put_graph(client, to, gsp_graph.iri, args.build_dir / gsp_graph.file,
                          gsp_graph.triples)
                out["gsp_replace"] = {"graph": gsp_graph.iri, "triples": gsp_graph.triples,
                                      "seconds": round(time.monotonic() - began, 1),
                                      "bulk_seconds": out["graphs"][gsp_graph.iri]["seconds"]}
    if args.full_gsp:
        with _server(engine, work / "gsp", args) as to:
            began = time.monotonic()
            publish(args.build_dir, to, loader="gsp")
            out["full_gsp_seconds"] = round(time.monotonic() - began, 1)
    return out


class _server:
    """An empty scratch server of ``engine``, as a publish target."""

    def __init__(self, engine: str, work: Path, args: argparse.Namespace):
        self.engine, self.work, self.args = engine, work, args

    def __enter__(self) -> Any:
        self.work.mkdir(parents=True, exist_ok=True)
        if self.engine == "virtuoso":
            self._context: Any = virtuoso(self.work, [self.args.build_dir],
                                          buffers=self.args.virtuoso_buffers)
            server = self._context.__enter__()
            return target(server.endpoint, user=server.user, password=server.password,
                          isql=server.isql, timeout=3600)
        self._context = oxigraph_serve(self.work / "store")
        url = self._context.__enter__()
        return target(f"{url}/query", timeout=3600)

    def __exit__(self, *exc: object) -> None:
        self._context.__exit__(*exc)


def table(results: dict[str, Any]) -> str:
    lines = [f"publish of {results['build']['triples']:,} triples in "
             f"{results['build']['graphs']} graphs (load average at start "
             f"{results['machine']['load_average'][0]:.1f})",
             f"{'engine':<10} {'method':<10} {'publish s':>10} {'GSP replace s':>14} "
             f"{'same graph bulk s':>18}"]
    for engine, figures in results["engines"].items():
        gsp = figures.get("gsp_replace", {})
        lines.append(f"{engine:<10} {','.join(figures['methods']):<10} "
                     f"{figures['publish_seconds']:>10.1f} {gsp.get('seconds', 0):>14.1f} "
                     f"{gsp.get('bulk_seconds', 0):>18.1f}")
        if "full_gsp_seconds" in figures:
            lines.append(f"{engine:<10} {'gsp':<10} {figures['full_gsp_seconds']:>10.1f}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
