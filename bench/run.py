"""``make bench``: build, serving, linked-data and start-up figures in one run.

    .venv/bin/python -m bench.run [--duration S] [--systems nsxkg,oxigraph,rdflib-endpoint]
                                  [--skip-build] [--sources DIR] [--work DIR] [--out DIR]

Prints a table and writes ``<out>/<timestamp>.json`` and ``<out>/latest.json``. Everything
built or loaded goes under ``--work`` (a scratch directory, never the project's build/ or
store/); ``--skip-build`` reuses what an earlier run left there.

rdflib-endpoint parses everything into memory at start-up (about 3 minutes per 2 M triples
here), so when the full graph is larger than ``--rdflib-max-triples`` (250,000) it is compared
on a subset instead: the smallest named graphs of the full build that fit in that many triples
together (the framework, ontology and query catalogue always, then SOC, crosswalks, CIP, ESCO
— not the O*NET releases), validated and loaded like any build; nsxkg and oxigraph are
measured on the same subset so that the ratio compares like with like.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox

from bench import build_phase, param_mix, report, text_search, wrk
from bench.loadgen import Call, closed_loop, first_errors, summarise
from bench.mix import MixQuery, linked_data_calls, load_mix, query_calls
from bench.procs import tree_cpu
from bench.systems import SYSTEMS, Running, start

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    env_sources = os.environ.get("NSXKG_SOURCES")
    default_sources = env_sources if env_sources is not None else "/work/shared/data"
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float,
                        default=float(os.environ.get("BENCH_DURATION", "20")),
                        help="seconds per system and concurrency [env BENCH_DURATION; 20]")
    parser.add_argument("--concurrency", default=os.environ.get("BENCH_CONCURRENCY", "1,8"),
                        help="comma-separated client concurrencies [1,8]")
    parser.add_argument("--systems", default=os.environ.get("BENCH_SYSTEMS", ",".join(SYSTEMS)),
                        help=f"comma-separated, from {', '.join(SYSTEMS)}")
    parser.add_argument("--sources", default=default_sources,
                        help="source releases for the full build; empty for the framework "
                             "files alone [env NSXKG_SOURCES; /work/shared/data]")
    parser.add_argument("--work", type=Path, default=Path("/tmp/nsxkg-bench"),
                        help="scratch directory for builds, stores and logs")
    parser.add_argument("--skip-build", action="store_true",
                        default=os.environ.get("BENCH_SKIP_BUILD", "") not in ("", "0"),
                        help="reuse the stores an earlier run left in --work [BENCH_SKIP_BUILD]")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results",
                        help="where the JSON results go")
    parser.add_argument("--rdflib-max-triples", type=int, default=250_000,
                        help="largest graph given to rdflib-endpoint; above it, the subset")
    parser.add_argument("--light-ms", type=float, default=1000.0,
                        help="a query slower than this on the reference system (oxigraph), "
                             "twice, is left out of that dataset's mix [1000]")
    parser.add_argument("--pool-size", type=int, default=None,
                        help="NSXKG_POOL_SIZE for nsxkg serve (default: its own)")
    parser.add_argument("--queries", type=Path, default=ROOT / "queries")
    parser.add_argument("--param-duration", type=float,
                        default=float(os.environ.get("BENCH_PARAM_DURATION", "10")),
                        help="seconds per run of the parameterised mix (bench/param_mix.py), "
                             "0 to skip it [env BENCH_PARAM_DURATION; 10]")
    parser.add_argument("--client", choices=("auto", "wrk", "httpx"),
                        default=os.environ.get("BENCH_CLIENT", "auto"),
                        help="load generator: wrk (C; needs the Debian package) or the Python "
                             "closed loop (httpx); auto: wrk when installed [BENCH_CLIENT]")
    args = parser.parse_args(argv)
    if args.client == "auto":
        args.client = "wrk" if wrk.available() else "httpx"
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = set(systems) - set(SYSTEMS)
    if unknown:
        print(f"unknown system(s) {', '.join(sorted(unknown))}; choose from "
              f"{', '.join(SYSTEMS)}", file=sys.stderr)
        return 2
    concurrencies = [int(c) for c in args.concurrency.split(",") if c.strip()]
    sources = Path(args.sources) if args.sources else None
    bin_dir = Path(sys.executable).parent
    mix, skipped = load_mix(args.queries)
    if not mix:
        print(f"no light example queries found under {args.queries}", file=sys.stderr)
        return 2

    results: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "load_average": list(os.getloadavg()),
                    "note": "shared machine; figures are noisy"},
        "settings": {"duration": args.duration, "concurrency": concurrencies,
                     "client": args.client,
                     "systems": systems, "sources": str(sources) if sources else None,
                     "pool_size": args.pool_size},
        "mix": [{"name": q.name, "form": q.form} for q in mix],
        "mix_skipped": skipped,
    }
    datasets = {"full": (args.work / "full", sources)}
    args.work.mkdir(parents=True, exist_ok=True)
    if not args.skip_build:
        print(f"building every source ({sources or 'framework files only'}) into "
              f"{args.work / 'full'} …", flush=True)
        results["build"] = build_phase.run_build(bin_dir / "nsxkg", _fresh(args.work / "full"),
                                                 sources)
    full_triples = build_phase.graph_counts(args.work / "full" / "build")["triples"]
    needs_subset = "rdflib-endpoint" in systems and full_triples > args.rdflib_max_triples
    if needs_subset:
        datasets["subset"] = (args.work / "subset", None)
        if not args.skip_build:
            subset = _fresh(args.work / "subset")
            results["subset_graphs"] = build_phase.make_subset(
                args.work / "full" / "build", subset, args.rdflib_max_triples)
            results["subset_build"] = build_phase.run_build(bin_dir / "nsxkg", subset, None,
                                                            ("validate", "load"))

    results["serving"] = {}
    for label, (work, _) in datasets.items():
        triples = build_phase.graph_counts(work / "build")["triples"]
        on_here = systems if label == "subset" or not needs_subset else \
            [s for s in systems if s != "rdflib-endpoint"]
        print(f"serving {label} ({triples:,} triples): {', '.join(on_here)}", flush=True)
        results["serving"][label] = serve_dataset(args, bin_dir, work, on_here, mix,
                                                  concurrencies, linked=label == "full")
        results["serving"][label]["triples"] = triples
    results["ratios"] = ratios(results["serving"], concurrencies)
    results["text_search"] = {  # issue 15: the index at load, and searches through nsxkg
        "indexing": text_search.indexing(args.work / "full" / "load.log"),
        "serving": results["serving"]["full"].get("nsxkg", {}).pop("text_search", {})}
    if args.param_duration > 0:
        results["param_mix"] = run_param_mix(args, bin_dir)
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")

    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(results, indent=1, ensure_ascii=False) + "\n"
    (args.out / f"{stamp}.json").write_text(text, encoding="utf-8")
    (args.out / "latest.json").write_text(text, encoding="utf-8")
    print(report.table(results))
    print(text_search.line(results["text_search"]))
    print(f"\nwritten {args.out / (stamp + '.json')} (and latest.json)")
    return 0


def run_param_mix(args: argparse.Namespace, bin_dir: Path) -> dict[str, Any]:
    """The parameterised mix on the full graph (it draws its parameters from the O*NET
    releases, so a graph without them, or a machine without wrk, skips it, saying why)."""
    if args.client != "wrk":
        return {"skipped": "needs wrk (make bench installs it)"}
    print("parameterised mix (bench/param_mix.py):", flush=True)
    try:
        result = param_mix.run(bin_dir, args.work / "full", args.param_duration,
                               pool_size=args.pool_size)
    except param_mix.NoReleases as err:
        return {"skipped": str(err)}
    print(param_mix.table(result), flush=True)
    return result


def _fresh(directory: Path) -> Path:
    import shutil

    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return directory


def serve_dataset(args: argparse.Namespace, bin_dir: Path, work: Path, systems: list[str],
                  mix: list[MixQuery], concurrencies: list[int], *,
                  linked: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    # The reference engine goes first: its check decides which queries are light enough on
    # this data to be in the mix, and then the same mix goes to every system.
    ordered = sorted(systems, key=lambda s: s != "oxigraph")
    excluded: dict[str, Any] | None = None
    for name in ordered:
        print(f"  {name}: starting", flush=True)
        running = start(name, bin_dir, work, work, pool_size=args.pool_size)
        try:
            entry: dict[str, Any] = {"startup_seconds": running.startup_seconds,
                                     "rss_mb_start": _mb(running.server.rss())}
            entry["check"] = check(running, mix)
            if excluded is None:
                excluded = too_heavy(running, mix, entry["check"], args.light_ms)
                out["excluded"] = excluded
                mix = [q for q in mix if q.name not in excluded]
                if excluded:
                    print(f"  left out of the mix (over {args.light_ms:g} ms on {name}): "
                          f"{', '.join(excluded)}", flush=True)
            calls = query_calls(mix, running.endpoint)
            for c in concurrencies:
                cpu = tree_cpu(running.server.proc.pid)
                entry[f"c{c}"] = load(calls, c, args.duration, args.client)
                entry[f"c{c}"]["all"]["server_cpu_ms_per_request"] = round(
                    (tree_cpu(running.server.proc.pid) - cpu) * 1000
                    / max(1, entry[f"c{c}"]["all"]["count"]), 3)
                print(f"  {name} c={c}: {entry[f'c{c}']['all']['ok_rps']:.1f} q/s answered, "
                      f"p99 {entry[f'c{c}']['all']['p99']:.1f} ms, "
                      f"errors {entry[f'c{c}']['all']['errors']}", flush=True)
            if linked and name == "nsxkg":
                entry["text_search"] = text_search.measure(running.base_url, args.duration)
                with_skill = _exists(running, "element/2.B.1.a")
                cpu = tree_cpu(running.server.proc.pid)
                ld_calls = linked_data_calls(running.base_url, with_skill=with_skill)
                entry["linked_data"] = load(ld_calls, 8, args.duration, args.client)
                entry["linked_data"]["all"]["server_cpu_ms_per_request"] = round(
                    (tree_cpu(running.server.proc.pid) - cpu) * 1000
                    / max(1, entry["linked_data"]["all"]["count"]), 3)
            entry["rss_mb_end"] = _mb(running.server.rss())
        finally:
            running.server.stop()
        out[name] = entry
    return out


def load(calls: list[Call], concurrency: int, duration: float, client: str
         ) -> dict[str, Any]:
    """Throughput and latency of the calls, per call and all together."""
    if client == "wrk":
        return wrk.measure_each(calls, concurrency, duration)
    begin = time.perf_counter()
    samples = asyncio.run(closed_loop(calls, concurrency, duration))
    elapsed = time.perf_counter() - begin
    summary: dict[str, Any] = summarise(samples, elapsed)
    errors = first_errors(samples)
    if errors:
        summary["all"]["first_errors"] = errors
    return summary


def check(running: Running, mix: list[MixQuery]) -> dict[str, Any]:
    """Each query once: its status and result size, so that a system answering fast because
    it answered wrongly (or not at all) shows up next to its figures."""
    out = {}
    with httpx.Client(timeout=60) as client:
        for q in mix:
            begin = time.perf_counter()
            try:
                response = client.get(running.endpoint, params={"query": q.text},
                                      headers={"Accept": q.accept})
            except httpx.HTTPError as err:
                out[q.name] = {"status": 0, "results": None, "error": repr(err),
                               "ms": round((time.perf_counter() - begin) * 1000, 1)}
                continue
            out[q.name] = {"status": response.status_code, "results": _count(q, response),
                           "ms": round((time.perf_counter() - begin) * 1000, 1)}
    return out


def too_heavy(running: Running, mix: list[MixQuery], checked: dict[str, Any],
              light_ms: float) -> dict[str, Any]:
    """The queries that failed, or took over ``light_ms`` twice (the first run may have met
    a cold cache), on the reference system: what they took, in ms."""
    heavy: dict[str, Any] = {}
    for q in mix:
        first = checked[q.name]
        if first["status"] == 200 and first["ms"] <= light_ms:
            continue
        again = check(running, [q])[q.name] if first["status"] == 200 else first
        if again["status"] != 200 or again["ms"] > light_ms:
            heavy[q.name] = {"status": again["status"], "ms": again["ms"]}
    return heavy


def _count(q: MixQuery, response: httpx.Response) -> int | None:
    if response.status_code != 200:
        return None
    try:
        if q.form in ("SELECT", "ASK"):
            doc = json.loads(response.content)
            return len(doc["results"]["bindings"]) if "results" in doc else 1
        media = response.headers.get("content-type", "").split(";")[0].strip()
        fmt = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES
        return sum(1 for _ in ox.parse(response.content, format=fmt))
    except (ValueError, KeyError, SyntaxError):
        return None


def _exists(running: Running, path: str) -> bool:
    response = httpx.get(f"{running.base_url}/id/{path}", timeout=30)
    return response.status_code == 303


def _mb(value: int) -> float:
    return round(value / 2**20, 1)


def ratios(serving: dict[str, Any], concurrencies: list[int]) -> dict[str, Any]:
    """nsxkg's throughput over each peer's, per dataset and concurrency (same run), counting
    answered requests only."""
    out: dict[str, Any] = {}
    for label, systems in serving.items():
        for ours in ("nsxkg", "nsxkg-uncached"):
            if ours not in systems:
                continue
            for peer in ("oxigraph", "rdflib-endpoint"):
                if peer not in systems:
                    continue
                for c in concurrencies:
                    mine = systems[ours][f"c{c}"]["all"]
                    theirs = systems[peer][f"c{c}"]["all"]
                    if theirs["ok_rps"]:
                        out[f"{label} {ours}/{peer} c={c}"] = round(
                            mine["ok_rps"] / theirs["ok_rps"], 2)
    return out


if __name__ == "__main__":
    raise SystemExit(main())
