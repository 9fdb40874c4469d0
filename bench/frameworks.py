"""``make bench-frameworks``: nsxkg at publisher scale.

    .venv/bin/python -m bench.frameworks [--sources DIR] [--work DIR] [--duration S]
                                         [--seed N] [--skip-build] [--out DIR]

Generates the synthetic corpus (``nsxkg synth frameworks``: two releases of a framework for
every O*NET occupation without an authored one, marked synthetic, beside the authored
frameworks as they are, into ``--work``/corpus), then builds, validates and
loads every source release plus that corpus, each step timed with the peak RSS of its whole
process tree. It then serves the store and measures, with wrk at concurrency 8, the pages a
publisher's readers load with varied parameters: the home page, searches for words of
occupation titles, a release page of every framework in random order, and the framework
example queries of ``/api/queries`` for random occupations. Last, it runs every example query
in-process on the store with the corpus and on the sources-only store (``--baseline``, the
``full`` store ``make bench`` leaves, built here when missing) and reports each slowdown.

The figures go into ``<out>/latest.json`` under ``frameworks_scale`` (other keys kept) and
into ``<out>/frameworks-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import statistics
import sys
import time
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from bench import build_phase, wrk
from bench.loadgen import Call
from bench.procs import timed
from bench.systems import start

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"build_s": 180, "validate_s": 180, "load_s": 180, "build_rss_mb": 2048,
           "load_rss_mb": 2048, "validate_rss_mb": 4700, "page_p99_ms": 50,
           "example_query_max_slowdown": 2.0}
WARM_UP_S = 3.0
STEPS_FILE = "steps.json"  # the build/validate/load figures, kept for --skip-build runs
# The framework examples a reader calls with another occupation (code) each time.
API_QUERIES = ("statements-at-level", "ai-use-statements", "framework-anchors",
               "occupation-by-code", "levels-in-order")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    env_sources = os.environ.get("NSXKG_SOURCES")
    parser = argparse.ArgumentParser(prog="bench.frameworks",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", default=env_sources if env_sources is not None
                        else "/work/shared/data", help="source releases [env NSXKG_SOURCES]")
    parser.add_argument("--work", type=Path, default=Path("/tmp/nsxkg-bench"),
                        help="scratch directory (the corpus, builds and stores go here)")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="a loaded sources-only dataset directory (holding store/) to "
                             "compare example queries with [--work/full]")
    parser.add_argument("--duration", type=float,
                        default=float(os.environ.get("BENCH_DURATION", "20")),
                        help="seconds of load per page kind [env BENCH_DURATION; 20]")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-build", action="store_true",
                        default=os.environ.get("BENCH_SKIP_BUILD", "") not in ("", "0"),
                        help="reuse the corpus and store an earlier run left in --work "
                             "(and report the figures of the steps that made them)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--queries", type=Path, default=ROOT / "queries")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not wrk.available():
        print("wrk is not installed (make bench-frameworks installs the Debian package)",
              file=sys.stderr)
        return 2
    sources = Path(args.sources)
    nsxkg = Path(sys.executable).parent / "nsxkg"
    work = args.work / "frameworks"
    corpus = args.work / "corpus"
    started = datetime.now(UTC).isoformat(timespec="seconds")
    result: dict[str, Any] = {"started": started,
                              "machine": {"cpus": os.cpu_count(),
                                          "load_average": list(os.getloadavg())}}
    args.work.mkdir(parents=True, exist_ok=True)
    if not args.skip_build:
        print(f"generating the synthetic corpus into {corpus} …", flush=True)
        made = timed([str(nsxkg), "synth", "frameworks", "--out", str(corpus), "--sources",
                      str(sources), "--seed", str(args.seed)], build_phase.nsxkg_env(sources),
                     args.work / "synth.log")
        if made.returncode != 0:
            raise RuntimeError(f"nsxkg synth frameworks failed:\n{made.output[-2000:]}")
        result["synth_s"] = round(made.seconds, 1)
        print(f"building every source release plus {corpus} into {work} …", flush=True)
        _fresh(work)
        result["build"] = build_phase.run_build(nsxkg, work, sources, frameworks=corpus,
                                                allow_synthetic=True)
        (work / STEPS_FILE).write_text(json.dumps(result["build"], indent=1), encoding="utf-8")
    elif (work / STEPS_FILE).exists():
        # The steps' figures of the run that built this store, said to be reused.
        result["build"] = {**json.loads((work / STEPS_FILE).read_text(encoding="utf-8")),
                           "reused": True}
    manifest = json.loads((work / "build" / "manifest.json").read_text(encoding="utf-8"))
    kinds = [g["kind"] for g in manifest["graphs"]]
    steps = result.get("build", {}).get("steps", {})
    block: dict[str, Any] = {
        "frameworks": kinds.count("framework"), "releases": kinds.count("release"),
        "triples": sum(g["triples"] for g in manifest["graphs"]),
        "framework_triples": sum(g["triples"] for g in manifest["graphs"]
                                 if g["kind"] in ("release", "framework", "reference")),
        "graphs": len(kinds),
    }
    for step in ("build", "validate", "load"):
        if step in steps:
            block[f"{step}_s"] = steps[step]["seconds"]
            block[f"{step}_rss_mb"] = steps[step]["peak_rss_mb"]
    if result.get("build", {}).get("reused"):
        block["steps_reused"] = True

    print("serving it: home, search, release pages and /api/queries under wrk …", flush=True)
    pages = measure_pages(nsxkg, work, manifest, args)
    block.update(pages)
    print("example queries with and without the corpus …", flush=True)
    baseline = args.baseline or args.work / "full"
    if not (baseline / "store" / "current").exists():
        print(f"no sources-only store at {baseline}: building it …", flush=True)
        _fresh(baseline)
        result["baseline_build"] = build_phase.run_build(nsxkg, baseline, sources)
    block.update(compare_examples(args.queries, baseline, work))
    block["targets"] = TARGETS
    block["met"] = {key: _met(key, block.get(key)) for key in TARGETS}
    if block["example_queries_timed_out"]:  # their slowdown is unknown, and past the target
        # (a query that failed on a store is listed here too, with its error in its row)
        block["met"]["example_query_max_slowdown"] = False
    result["frameworks_scale"] = block
    result["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    write(args.out, result)
    print_table(block)
    return 0


def _met(key: str, value: object) -> bool | None:
    if not isinstance(value, int | float):
        return None
    return value <= TARGETS[key]


def _fresh(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


# -- pages under load ----------------------------------------------------------------------


def page_calls(base: str, manifest: dict[str, Any], store: ox.Store,
               seed: int) -> dict[str, list[Call]]:
    """The requests of each page kind, with varied parameters drawn (seeded) from the data."""
    rng = random.Random(seed)
    prefix = manifest["base_iri"] + "graph/framework/"
    releases = [g["iri"].removeprefix(prefix) for g in manifest["graphs"]
                if g["kind"] == "release"]
    codes = sorted({r.split("/", 1)[0] for r in releases})
    rng.shuffle(releases)
    # As a browser asks for pages: HTML, gzip-coded.
    html = {"Accept": "text/html", "Accept-Encoding": "gzip"}
    words = sorted({w for q in store.quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"), None, None)
        if isinstance(q.object, ox.Literal) and "/id/occupation/" in q.subject.value
        for w in q.object.value.split() if len(w) > 3 and w.isalpha()})
    rng.shuffle(words)
    api = []
    for _ in range(2000):
        name = rng.choice(API_QUERIES)
        params = {"code": rng.choice(codes)}
        if name == "statements-at-level":
            params["rank"] = str(rng.randint(1, 4))
        api.append(Call(name, "GET", f"{base}/api/queries/{name}", params=params,
                        headers={"Accept": "application/sparql-results+json"}))
    return {
        "home": [Call("home", "GET", f"{base}/", headers=html)],
        "search": [Call("search", "GET", f"{base}/search", params={"q": w}, headers=html)
                   for w in words[:2000]],
        "framework_page": [Call("framework", "GET", f"{base}/doc/framework/{r}", headers=html)
                           for r in releases],
        "frameworks_index": [Call("index", "GET", f"{base}/frameworks",
                                  params={"page": str(n)}, headers=html)
                             for n in range(1, len(codes) // 50 + 2)],
        "api_queries": api,
    }


def measure_pages(nsxkg: Path, work: Path, manifest: dict[str, Any],
                  args: argparse.Namespace) -> dict[str, Any]:
    bin_dir = nsxkg.parent
    running = start("nsxkg", bin_dir, work, work)
    try:
        store = ox.Store.read_only(str((work / "store" / "current").resolve()))
        calls = page_calls(running.base_url, manifest, store, args.seed)
        del store
        figures: dict[str, Any] = {"startup_s": round(running.startup_seconds, 2)}
        # A few seconds on the home page first, not recorded: a server that has just started
        # is still warming (imports, first templates), which a served site has long done.
        # The release pages and searches measured next are still each asked for the first
        # time.
        wrk.measure(calls["home"], 8, WARM_UP_S)
        for kind, requests in calls.items():
            measured = wrk.measure(requests, 8, args.duration)
            figures[kind] = {"distinct_requests": len(requests), **measured}
            print(f"  {kind:<18} {len(requests):>5} distinct  p50 {measured['p50']:7.1f} ms"
                  f"  p99 {measured['p99']:7.1f} ms  {measured['rps']:8.1f} req/s"
                  f"  errors {measured['errors']}", flush=True)
        kinds = ("home", "search", "framework_page", "api_queries")
        figures["page_p99_ms"] = max(figures[k]["p99"] for k in kinds)
        figures["page_errors"] = sum(figures[k]["errors"] for k in calls)
        return figures
    finally:
        running.server.stop()


# -- example queries with and without the corpus ----------------------------------------------


# A query slower than this on either store is stopped and reported as timed out: one bad
# plan must not hold the benchmark (or, as one did, take 24 GB and the machine with it).
QUERY_TIMEOUT = 120.0


def _run_queries(store_dir: str, conn: Connection) -> None:
    """In a process of its own, so that a query can be stopped by killing it: each request
    is (text, repeats); each answer the times of the runs and the row count."""
    store = ox.Store.read_only(store_dir)
    while True:
        text, repeats = conn.recv()
        runs, count = [], 0
        try:
            for _ in range(repeats):
                begin = time.perf_counter()
                result = store.query(text, use_default_graph_as_union=True)
                count = sum(1 for _ in result)  # type: ignore[union-attr]
                runs.append(time.perf_counter() - begin)
        except Exception as err:  # reported to the bench, which goes on with the next query
            conn.send(("error", f"{type(err).__name__}: {err}"))
            continue
        conn.send((runs, count))


class QueryFailed(Exception):
    """A query that raised an error on a store (its message)."""


class _Runner:
    def __init__(self, store_dir: Path):
        self.store_dir = str(store_dir.resolve())
        self._start()

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_run_queries, args=(self.store_dir, child),
                                       daemon=True)
        self.process.start()

    def run(self, text: str, repeats: int) -> tuple[list[float], int] | None:
        """The run times and row count, or None when the query passed QUERY_TIMEOUT (the
        process is then replaced); raises QueryFailed for a query that raised an error."""
        self.conn.send((text, repeats))
        if self.conn.poll(QUERY_TIMEOUT * repeats):
            runs, count = self.conn.recv()
            if runs == "error":
                raise QueryFailed(count)
            return runs, count
        self.stop()
        self._start()
        return None

    def stop(self) -> None:
        self.process.kill()
        self.process.join()


def compare_examples(queries: Path, baseline: Path, corpus: Path,
                     repeats: int = 3) -> dict[str, Any]:
    """Every example query on both stores, each store in a process of its own: the median of
    ``repeats`` runs each, the rows each returned, and the slowdown with the corpus (queries
    under 20 ms on both are compared at 20 ms: a millisecond's jitter is not a slowdown). A
    query past QUERY_TIMEOUT is reported as timed out and fails the target; one whose answer
    has more rows with the corpus is listed apart (``example_queries_grown``)."""
    from nsxkg.catalogue import load_catalogue

    examples = [q for q in load_catalogue(queries).examples if "SERVICE" not in q.text]
    runners = {name: _Runner(path / "store" / "current")
               for name, path in (("sources", baseline), ("corpus", corpus))}
    rows: dict[str, dict[str, Any]] = {}
    timed_out = []
    try:
        for query in examples:
            text = query.bound_text()
            row: dict[str, Any] = {}
            times = {}
            for name, runner in runners.items():
                try:
                    answer = runner.run(text, repeats)
                except QueryFailed as err:
                    row[f"{name}_error"] = str(err)
                    answer = None
                if answer is None:
                    row[f"{name}_ms"] = None
                    continue
                runs, count = answer
                times[name] = statistics.median(runs)
                row[f"{name}_ms"] = round(times[name] * 1000, 1)
                row[f"{name}_rows"] = count
            if len(times) < 2:
                timed_out.append(query.name)
                row["slowdown"] = None
            else:
                floor = 0.02
                row["slowdown"] = round(max(times["corpus"], floor)
                                        / max(times["sources"], floor), 2)
            rows[query.name] = row
            print(f"  {query.name:<40} sources {row['sources_ms']!s:>9} ms "
                  f"({row.get('sources_rows', '-')} rows)  corpus {row['corpus_ms']!s:>9} ms "
                  f"({row.get('corpus_rows', '-')} rows)  ×{row['slowdown']}", flush=True)
    finally:
        for runner in runners.values():
            runner.stop()
    # A query whose answer grows with the corpus (every release listed, say) answers another
    # question there: its time is reported, but it is not a slowdown of the same answer.
    grown = [n for n in rows if rows[n]["slowdown"] is not None
             and rows[n]["corpus_rows"] != rows[n]["sources_rows"]]
    compared = [n for n in rows if rows[n]["slowdown"] is not None and n not in grown]
    worst = max(compared, key=lambda n: rows[n]["slowdown"])
    return {"example_queries": rows, "example_query_max_slowdown": rows[worst]["slowdown"],
            "example_query_slowest": worst, "example_queries_timed_out": timed_out,
            "example_queries_grown": {n: rows[n] for n in grown}}


def write(out: Path, result: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (out / f"frameworks-{stamp}.json").write_text(json.dumps(result, indent=1) + "\n",
                                                  encoding="utf-8")
    latest = out / "latest.json"
    merged: dict[str, Any] = {}
    if latest.exists():
        try:
            merged = json.loads(latest.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            merged = {}
    merged["frameworks_scale"] = result["frameworks_scale"]
    merged.setdefault("frameworks_scale_run", {})
    merged["frameworks_scale_run"] = {k: result[k] for k in ("started", "finished", "machine")}
    latest.write_text(json.dumps(merged, indent=1) + "\n", encoding="utf-8")


def print_table(block: dict[str, Any]) -> None:
    print(f"\nframeworks_scale: {block['frameworks']:,} frameworks, {block['releases']:,} "
          f"releases, {block['triples']:,} triples")
    for key, target in TARGETS.items():
        value = block.get(key)
        mark = {True: "ok", False: "MISSED", None: "-"}[block["met"][key]]
        print(f"  {key:<28} {value!s:>10}   target ≤ {target}  {mark}")


if __name__ == "__main__":
    sys.exit(main())
