"""A soak: does the server keep its memory flat and answer no 5xx under a long mixed load?

Starts ``nsxkg serve`` on 127.0.0.1 (on ``--store-dir``, or on the framework graph built into
``--work``) and runs a closed loop at ``--concurrency`` (16) for ``--duration`` seconds (600)
or ``--max-requests``, whichever ends first. The mix: the example queries that run on the
framework data (``queries/examples/*.rq`` marked ``data: framework``) as SPARQL, the canned
REST routes, dereferences, descriptions in several formats, pages, label search, dumps, and a
few bad requests (malformed SPARQL, an update, an unknown path, an unacceptable Accept, a body
over the limit). The server's resident memory (its process tree: the server and its query
workers) is sampled every few seconds and reported at start and end.

The one load generator is one client address standing in for 16 users, so the per-client
cap on concurrent queries is raised to the concurrency; any 429 (rate) or 503 (timeout) is
counted apart from the 5xx that must not happen.

    .venv/bin/python -m bench.soak [--duration 600] [--store-dir store] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from bench.build_phase import nsxkg_env, store_for
from bench.loadgen import Call, Sample, closed_loop, first_errors, summarise
from bench.procs import Server, free_port, tree_rss
from nsxkg.web.sparqltext import analyse

ROOT = Path(__file__).resolve().parents[1]
OCCUPATION = "11-2022.00"
MB = 2**20


def framework_queries(folder: Path) -> dict[str, str]:
    """The example queries that run on the framework data alone, by name."""
    found = {}
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        if "# data: framework" in text:
            found[path.stem] = text
    return found


def workload(base: str, queries: dict[str, str]) -> list[Call]:
    def accept(text: str) -> dict[str, str]:
        graph = analyse(text).form in ("CONSTRUCT", "DESCRIBE")
        return {"Accept": "text/turtle" if graph else "application/sparql-results+json"}

    calls = [Call(f"sparql:{name}", "GET", f"{base}/sparql", {"query": text}, accept(text))
             for name, text in queries.items()]
    calls += [Call(f"canned:{name}", "GET", f"{base}/api/queries/{name}", None, accept(text))
              for name, text in list(queries.items())[:4]]
    calls += [
        Call("sparql-post", "POST", f"{base}/sparql", None,
             {"Content-Type": "application/sparql-query", "Accept": "text/csv"},
             b"SELECT ?s WHERE { ?s a <https://w3id.org/nsxkg/def#Occupation> }"),
        Call("dereference", "GET", f"{base}/id/occupation/{OCCUPATION}"),
        Call("doc-turtle", "GET", f"{base}/doc/occupation/{OCCUPATION}",
             headers={"Accept": "text/turtle"}),
        Call("doc-jsonld", "GET", f"{base}/doc/occupation/{OCCUPATION}.jsonld"),
        Call("page-occupation", "GET", f"{base}/doc/occupation/{OCCUPATION}",
             headers={"Accept": "text/html"}),
        Call("page-level", "GET", f"{base}/doc/level/mastery/emerging",
             headers={"Accept": "text/html"}),
        Call("page-home", "GET", f"{base}/", headers={"Accept": "text/html"}),
        Call("page-query", "GET", f"{base}/query", headers={"Accept": "text/html"}),
        Call("search", "GET", f"{base}/api/search", {"q": "sales man"}),
        Call("search-page", "GET", f"{base}/search", {"q": "negotiat"},
             {"Accept": "text/html"}),
        Call("void", "GET", f"{base}/.well-known/void", headers={"Accept": "text/turtle"}),
        Call("dumps", "GET", f"{base}/dumps/"),
        Call("ontology", "GET", f"{base}/def.ttl"),
        # The bad ones: each must be a 4xx, never a 5xx.
        Call("bad:syntax", "GET", f"{base}/sparql", {"query": "SELECT ?s WHERE { ?s"}),
        Call("bad:update", "POST", f"{base}/sparql", None,
             {"Content-Type": "application/sparql-update"}, b"DROP ALL"),
        Call("bad:path", "GET", f"{base}/doc/occupation/no-such-thing"),
        Call("bad:accept", "GET", f"{base}/sparql", {"query": "ASK {}"},
             {"Accept": "image/png"}),
        Call("bad:body", "POST", f"{base}/sparql", None,
             {"Content-Type": "application/sparql-query"}, b"#" * (2 * MB)),
    ]
    return calls


class RssSampler:
    """The server tree's RSS every ``interval`` seconds, in a thread."""

    def __init__(self, pid: int, interval: float):
        self.pid, self.interval = pid, interval
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._began = time.perf_counter()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((round(time.perf_counter() - self._began, 1),
                                 tree_rss(self.pid)))
            self._stop.wait(self.interval)

    def stop(self) -> list[tuple[float, int]]:
        self._stop.set()
        self._thread.join()
        self.samples.append((round(time.perf_counter() - self._began, 1), tree_rss(self.pid)))
        return self.samples


def start_server(store_dir: Path, concurrency: int, log: Path) -> tuple[Server, str]:
    port = free_port()
    env = nsxkg_env(None)
    env.update(NSXKG_CLIENT_CONCURRENCY=str(concurrency), PYTHONUNBUFFERED="1")
    bin_dir = Path(sys.executable).parent
    server = Server("nsxkg", [str(bin_dir / "nsxkg"), "serve", "--store-dir", str(store_dir),
                              "--host", "127.0.0.1", "--port", str(port)], env, log)
    base = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        return httpx.get(f"{base}/sparql", params={"query": "ASK {}"},
                         timeout=5).status_code == 200

    server.wait_until(ready, 120)
    return server, base


def classify(samples: list[Sample]) -> dict[str, int]:
    """Answers by class: ok (2xx/3xx), client errors, the expected 429/503, and failures."""
    counts: Counter[str] = Counter()
    for s in samples:
        if s.status == 0 or (s.status >= 500 and s.status != 503):
            counts["5xx or no answer"] += 1
        elif s.status in (429, 503):
            counts[str(s.status)] += 1
        elif s.status >= 400:
            counts["4xx"] += 1
        else:
            counts["2xx/3xx"] += 1
    return dict(counts)


def run(store_dir: Path, duration: float, concurrency: int, max_requests: int,
        log: Path) -> dict[str, Any]:
    server, base = start_server(store_dir, concurrency, log)
    try:
        calls = workload(base, framework_queries(ROOT / "queries" / "examples"))
        # One pass over the mix first, so "start" is the warmed-up server, not the cold one.
        asyncio.run(closed_loop(calls, 1, 60, max_requests=len(calls)))
        sampler = RssSampler(server.proc.pid, interval=max(1.0, min(10.0, duration / 60)))
        began = time.perf_counter()
        samples = asyncio.run(closed_loop(calls, concurrency, duration,
                                          max_requests=max_requests))
        elapsed = time.perf_counter() - began
        rss = sampler.stop()
    finally:
        server.stop()
    summary = summarise(samples, elapsed)
    bad_answers = [s for s in samples if s.name.startswith("bad:") and not 400 <= s.status < 500]
    return {"duration": round(elapsed, 1), "concurrency": concurrency, "calls": len(calls),
            "requests": len(samples), "classes": classify(samples),
            "bad_requests_not_4xx": len(bad_answers),
            "rss_mb": {"start": round(rss[0][1] / MB, 1), "end": round(rss[-1][1] / MB, 1),
                       "max": round(max(r for _, r in rss) / MB, 1),
                       "samples": [(t, round(r / MB, 1)) for t, r in rss]},
            "all": summary["all"], "by_call": {k: v for k, v in summary.items() if k != "all"},
            "first_errors": first_errors(samples)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of load")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--max-requests", type=int, default=2_000_000,
                        help="stop after this many requests even if time is left")
    parser.add_argument("--store-dir", type=Path, default=None,
                        help="a loaded store; default: build the framework graph into --work")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "soak.json")
    args = parser.parse_args(argv)

    store_dir, work = store_for(args.store_dir, args.work, "nsxkg-soak-")
    print(f"soak: {args.duration:g} s at concurrency {args.concurrency} on 127.0.0.1 …",
          flush=True)
    result = run(store_dir, args.duration, args.concurrency, args.max_requests,
                 work / "server.log")
    rss, overall = result["rss_mb"], result["all"]
    print(f"{result['requests']} requests in {result['duration']} s ({overall['rps']} /s), "
          f"{result['calls']} kinds; p50 {overall['p50']} ms, p99 {overall['p99']} ms "
          f"(shared 2-core machine: noisy)")
    print(f"answers: {result['classes']}; bad requests not answered 4xx: "
          f"{result['bad_requests_not_4xx']}")
    print(f"server RSS (server + query workers): start {rss['start']} MB, end {rss['end']} MB, "
          f"max {rss['max']} MB")
    for line in result["first_errors"]:
        print("  error:", line)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    failures = result["classes"].get("5xx or no answer", 0) + result["bad_requests_not_4xx"]
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
