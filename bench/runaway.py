"""Runaway queries against lookups: are lookups still fast while 8 runaways run?

Starts ``nsxkg serve`` on 127.0.0.1 (on ``--store-dir``, or on the framework graph built into
``--work``), then for ``--duration`` seconds keeps ``--runaways`` runaway queries in flight
(cross join, unbounded property path, huge GROUP BY, regex over every literal pair), each
from its own loopback address (127.0.2.N, so the per-client limits see separate clients),
while one closed-loop client sends simple lookups: a SPARQL lookup by code, a dereference,
a description and a label search. Prints the lookups' latency (p50/p99/max per kind) and how
the runaways were answered (503 at the timeout expected), and writes
``bench/results/runaway.json``.

    .venv/bin/python -m bench.runaway [--duration 30] [--store-dir store] [--pool-size 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from bench.build_phase import nsxkg_env, store_for
from bench.loadgen import Call, Sample, closed_loop, first_errors, summarise
from bench.procs import Server, free_port

OCCUPATION = "https://w3id.org/nsxkg/id/occupation/11-2022.00"
RUNAWAYS = {
    "cross-join": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
    "property-path": "SELECT (COUNT(*) AS ?n) WHERE { ?s (!<urn:nothing>)* ?o . ?x ?y ?z }",
    "group-by": "SELECT ?a ?b (COUNT(*) AS ?n) WHERE { ?a ?p ?o . ?b ?q ?r . ?c ?t ?u } "
                "GROUP BY ?a ?b",
    "regex": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?x ?y ?z "
             "FILTER(isLiteral(?o) && REGEX(CONCAT(STR(?o), STR(?z)), \"(a|e)+.*q{2}$\", \"i\")) }",
}


def lookups(base: str) -> list[Call]:
    ask = f"ASK {{ <{OCCUPATION}> a <https://w3id.org/nsxkg/def#Occupation> }}"
    label = ("SELECT ?label WHERE { ?o <http://www.w3.org/2004/02/skos/core#notation> "
             "\"11-2022.00\" ; <http://www.w3.org/2004/02/skos/core#prefLabel> ?label }")
    json_results = {"Accept": "application/sparql-results+json"}
    return [
        Call("sparql-ask", "GET", f"{base}/sparql", {"query": ask}, json_results),
        Call("sparql-by-code", "GET", f"{base}/sparql", {"query": label}, json_results),
        Call("dereference", "GET", f"{base}/id/occupation/11-2022.00"),
        Call("describe", "GET", f"{base}/doc/occupation/11-2022.00",
             headers={"Accept": "text/turtle"}),
        Call("search", "GET", f"{base}/api/search", {"q": "sales man"}),
    ]


async def _runaway(base: str, address: str, name: str, query: str, deadline: float,
                   out: list[Sample]) -> None:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    async with httpx.AsyncClient(transport=transport, timeout=120) as client:
        while time.perf_counter() < deadline:
            begin = time.perf_counter()
            try:
                r = await client.get(f"{base}/sparql", params={"query": query})
                out.append(Sample(name, r.status_code, time.perf_counter() - begin, None))
                if r.status_code == 429:  # refused at once: honour Retry-After
                    await asyncio.sleep(float(r.headers.get("retry-after", "1")))
            except httpx.HTTPError as err:
                out.append(Sample(name, 0, time.perf_counter() - begin, repr(err)))


async def measure(base: str, runaways: int, duration: float, warmup: float = 1.0
                  ) -> tuple[list[Sample], list[Sample]]:
    """Runaways from ``runaways`` addresses for warmup + duration; lookups for duration."""
    deadline = time.perf_counter() + warmup + duration
    hostile: list[Sample] = []
    names = list(RUNAWAYS)
    tasks = [asyncio.create_task(_runaway(base, f"127.0.2.{i + 1}", names[i % len(names)],
                                          RUNAWAYS[names[i % len(names)]], deadline, hostile))
             for i in range(runaways)]
    await asyncio.sleep(warmup)  # every runaway is running before the first lookup
    calm = await closed_loop(lookups(base), concurrency=1, duration=duration)
    await asyncio.gather(*tasks)
    return calm, hostile


def start_server(store_dir: Path, pool_size: int, timeout: float, log: Path) -> Server:
    port = free_port()
    env = nsxkg_env(None)
    env.update(NSXKG_POOL_SIZE=str(pool_size), NSXKG_QUERY_TIMEOUT=str(timeout),
               PYTHONUNBUFFERED="1")
    bin_dir = Path(sys.executable).parent
    server = Server("nsxkg", [str(bin_dir / "nsxkg"), "serve", "--store-dir", str(store_dir),
                              "--host", "127.0.0.1", "--port", str(port)], env, log)
    server.base = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]

    def ready() -> bool:
        r = httpx.get(f"{server.base}/sparql",  # type: ignore[attr-defined]
                      params={"query": "ASK {}"}, timeout=5)
        return r.status_code == 200

    server.wait_until(ready, 120)
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of lookups")
    parser.add_argument("--runaways", type=int, default=8)
    parser.add_argument("--pool-size", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=5.0, help="NSXKG_QUERY_TIMEOUT")
    parser.add_argument("--store-dir", type=Path, default=None,
                        help="a loaded store; default: build the framework graph into --work")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=Path("bench/results/runaway.json"))
    args = parser.parse_args(argv)

    store_dir, work = store_for(args.store_dir, args.work, "nsxkg-runaway-")
    server = start_server(store_dir, args.pool_size, args.timeout, work / "server.log")
    try:
        calm, hostile = asyncio.run(measure(server.base,  # type: ignore[attr-defined]
                                            args.runaways, args.duration))
    finally:
        server.stop()
    summary = summarise(calm, args.duration)
    runaway_status = Counter(str(s.status) for s in hostile)
    print(f"\n{args.runaways} runaways, pool {args.pool_size}, timeout {args.timeout:g} s, "
          f"{args.duration:g} s of lookups (timings on a shared 2-core machine: noisy)")
    print(f"{'lookup':<16}{'n':>6}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}  statuses")
    for name, row in summary.items():
        print(f"{name:<16}{row['count']:>6}{row['p50']:>9}{row['p99']:>9}{row['max']:>9}  "
              f"{row['by_status']}")
    print(f"runaways answered: {dict(sorted(runaway_status.items()))}")
    for line in first_errors(calm):
        print("  error:", line)
    result: dict[str, Any] = {"runaways": args.runaways, "pool_size": args.pool_size,
                              "timeout": args.timeout, "duration": args.duration,
                              "lookups": summary, "runaway_statuses": dict(runaway_status)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    p99 = summary["all"]["p99"]
    print(f"lookup p99 {p99} ms: {'under' if p99 < 100 else 'NOT under'} 100 ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
