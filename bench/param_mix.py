"""The parameterised mix: thousands of distinct requests, as researchers send them.

The example queries with their default parameters are one request each, answered from the
cache after the first; a researcher's queries mostly differ (another occupation, element,
threshold or release). Here the parameters are drawn at random (seeded) from the loaded
graph itself, so every request is different and no cache helps, over seven shapes:

=============  ==================================================================
``lookup``     an occupation by its O*NET-SOC code (``occupation-by-code``)
``count``      how many rows one release holds about an occupation
``tasks``      an occupation's tasks in one release (``tasks-core-supplemental``)
``top_skills`` an occupation's ten most important skills in one release
``threshold``  the occupations rating an element above a threshold in one release
``describe``   ``DESCRIBE`` an occupation
``document``   the occupation's linked-data document (``/doc/…``, Turtle); bare Oxigraph
               serves no documents, so it gets the document's SPARQL counterpart, a
               ``CONSTRUCT`` of the occupation's own and incoming triples
=============  ==================================================================

The same requests (the same file, in the same order) go through wrk to ``nsxkg-uncached``
(answer cache off), ``nsxkg`` as deployed and bare ``oxigraph serve-read-only
--union-default-graph`` on the same store, one after the other in the same run: the whole mix,
then each shape alone, each to the three systems in turn. Each system is warmed up first, as a
server that has been running is (:func:`warm_up_requests`): every one of nsxkg's query workers
keeps a store cache of its own, and the first seconds after a start are spent filling them.
Reported per system: answered requests/s, p50/p99 and the server's CPU milliseconds per
request; ``ratio_*`` are nsxkg / oxigraph throughputs.

Two more measurements, on nsxkg as deployed (default settings):

* ``research``: a researcher's aggregate over a whole release (the mean importance of every
  O*NET skill across all occupations in the newest release with ratings) runs to completion
  in a loop, while wrk sends lookups (c=1); the aggregate's statuses and times, and the
  lookups' p50/p99.
* ``nesting``: four clients send deeply nested queries in a loop (every answer must be a
  400, never a 5xx), while wrk sends lookups (c=1); the lookups' p99 (target < 100 ms).

Both run on ``nsxkg-uncached`` (default settings but the answer cache, so that every lookup
takes a worker: what the lanes protect) — otherwise as deployed.

    .venv/bin/python -m bench.param_mix --work /tmp/nsxkg-bench/full [--duration 10]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, urlencode

import httpx
import pyoxigraph as ox

from bench import wrk
from bench.build_phase import store_path
from bench.procs import tree_cpu
from bench.systems import Running, start
from nsxkg.catalogue import parse_query

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/nsxkg/"
NSX = BASE + "def#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
IM = BASE + "id/onet-scale/IM"
SHAPES = ("lookup", "count", "tasks", "top_skills", "threshold", "describe", "document")
SYSTEMS = ("nsxkg-uncached", "nsxkg", "oxigraph")
SPARQL_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
TURTLE = "text/turtle"


@dataclass(frozen=True)
class Request:
    shape: str
    sparql: str | None  # the query (None: a linked-data document)
    accept: str
    document: str | None = None  # /doc/… path for nsxkg
    counterpart: str | None = None  # the document's SPARQL counterpart for bare Oxigraph


@dataclass(frozen=True)
class Params:
    """What the parameters are drawn from: read from the loaded graph."""

    releases: dict[str, str]  # O*NET release -> its named graph
    codes: dict[str, list[str]]  # release -> occupation codes rated in it
    elements: dict[str, list[str]]  # release -> skill IDs, for releases with ratings
    with_tasks: list[str]  # releases that hold task statements
    all_codes: list[str]


class NoReleases(Exception):
    """The graph holds no O*NET release to draw parameters from."""


def read_params(store: ox.Store) -> Params:
    def rows(query: str) -> list[list[str]]:
        result = store.query(query, use_default_graph_as_union=True)
        assert isinstance(result, ox.QuerySolutions)
        return [[t.value if t is not None else "" for t in s] for s in result]

    releases = {r: g for r, g in rows(
        "PREFIX dcat: <http://www.w3.org/ns/dcat#> SELECT ?release ?g WHERE { "
        "?g a dcat:Dataset ; dcat:version ?release . "
        f"FILTER(STRSTARTS(STR(?g), \"{BASE}graph/onet/\")) }}")}
    if not releases:
        raise NoReleases("no O*NET release in the graph (build with the source releases)")

    def holds(graph: str, pattern: str) -> bool:
        result = store.query(f"ASK {{ GRAPH <{graph}> {{ {pattern} }} }}")
        return bool(result)

    codes, elements, with_tasks = {}, {}, []
    for release, graph in releases.items():
        codes[release] = sorted(c for (c,) in rows(
            f"SELECT DISTINCT ?code WHERE {{ GRAPH <{graph}> {{ "
            f"?o a <{NSX}Occupation> ; <{SKOS}notation> ?code }} }}"))
        skills = sorted(e for (e,) in rows(  # a partial release may have no ratings
            f"SELECT DISTINCT ?id WHERE {{ GRAPH <{graph}> {{ "
            f"?el a <{NSX}ONetSkill> ; <{SKOS}notation> ?id }} }}"))
        if skills and holds(graph, f"?r <{NSX}ratingScale> <{IM}>"):
            elements[release] = skills
        if holds(graph, f"?t a <{NSX}Task>"):
            with_tasks.append(release)
    all_codes = sorted({c for release in codes.values() for c in release})
    return Params(releases, codes, elements, with_tasks, all_codes)


def _bound(name: str, **values: str) -> str:
    return parse_query(ROOT / "queries" / "examples" / f"{name}.rq", "examples").bound_text(
        values)


def occupation_iri(code: str) -> str:
    return f"{BASE}id/occupation/{code}"


def make_requests(params: Params, per_shape: int, seed: int = 14) -> list[Request]:
    """``per_shape`` distinct requests of each shape, shuffled together (seeded)."""
    rng = random.Random(seed)
    releases = sorted(params.releases)
    made: dict[str, dict[str, Request]] = {s: {} for s in SHAPES}

    def code_in(release: str) -> str:
        return rng.choice(params.codes[release])

    makers: dict[str, Callable[[], tuple[str, Request]]] = {}

    def lookup() -> tuple[str, Request]:
        text = _bound("occupation-by-code", code=rng.choice(params.all_codes))
        return text, Request("lookup", text, SPARQL_JSON)

    def count() -> tuple[str, Request]:
        release = rng.choice(releases)
        code = code_in(release)
        text = (f"SELECT (COUNT(*) AS ?rows) WHERE {{ GRAPH <{params.releases[release]}> {{ "
                f"?o <{SKOS}notation> \"{code}\" ; a <{NSX}Occupation> . "
                f"?r <{NSX}occupation> ?o }} }}")
        return text, Request("count", text, SPARQL_JSON)

    def tasks() -> tuple[str, Request]:
        release = rng.choice(params.with_tasks)
        text = _bound("tasks-core-supplemental", code=code_in(release), release=release)
        return text, Request("tasks", text, SPARQL_JSON)

    def top_skills() -> tuple[str, Request]:
        release = rng.choice(sorted(params.elements))
        text = _bound("top-skills", code=code_in(release), release=release)
        return text, Request("top_skills", text, SPARQL_JSON)

    def threshold() -> tuple[str, Request]:
        release = rng.choice(sorted(params.elements))
        element = rng.choice(params.elements[release])
        above = f"{rng.uniform(2.5, 4.5):.2f}"
        text = (f"SELECT ?code ?title ?importance WHERE {{ "
                f"GRAPH <{params.releases[release]}> {{ "
                f"?el <{SKOS}notation> \"{element}\" ; a <{NSX}ONetSkill> . "
                f"?r <{NSX}element> ?el ; <{NSX}ratingScale> <{IM}> ; "
                f"<{NSX}dataValue> ?importance ; <{NSX}occupation> ?o . "
                f"FILTER(?importance > {above}) "
                f"?o <{SKOS}notation> ?code ; <{SKOS}prefLabel> ?title }} }} "
                f"ORDER BY DESC(?importance) ?code")
        return text, Request("threshold", text, SPARQL_JSON)

    def describe() -> tuple[str, Request]:
        text = f"DESCRIBE <{occupation_iri(rng.choice(params.all_codes))}>"
        return text, Request("describe", text, NTRIPLES)

    def document() -> tuple[str, Request]:
        code = rng.choice(params.all_codes)
        iri = occupation_iri(code)
        counterpart = (f"CONSTRUCT {{ <{iri}> ?p ?o . ?s ?q <{iri}> }} WHERE {{ "
                       f"{{ <{iri}> ?p ?o }} UNION {{ ?s ?q <{iri}> }} }}")
        return code, Request("document", None, TURTLE, f"/doc/occupation/{code}",
                             counterpart)

    makers = {"lookup": lookup, "count": count, "tasks": tasks, "top_skills": top_skills,
              "threshold": threshold, "describe": describe, "document": document}
    for shape, maker in makers.items():
        # A lookup, a description and a document have one parameter: the occupation.
        wanted = min(per_shape, len(params.all_codes)) \
            if shape in ("lookup", "describe", "document") else per_shape
        attempts = 0
        while len(made[shape]) < wanted and attempts < 50 * per_shape:
            key, request = maker()
            made[shape].setdefault(key, request)
            attempts += 1
    mixed = [r for shape in SHAPES for r in made[shape].values()]
    rng.shuffle(mixed)
    return mixed


WARM_UP_SEED = 41


def warm_up_requests(params: Params, per_shape: int) -> list[Request]:
    """Requests of the SPARQL shapes that read what the measured ones read, none of them a
    measured request: other parameters (another seed) and a comment at the end, so that no
    answer computed here is one a measured request could be given from a cache. Documents
    are left out: nsxkg keeps a rendered document for the build."""
    return [replace(r, sparql=r.sparql + "\n# warm-up")
            for r in make_requests(params, per_shape, seed=WARM_UP_SEED) if r.sparql is not None]


def warm_up(runnings: dict[str, Running], requests: list[Request], work: Path,
            concurrency: int, seconds: float) -> dict[str, float]:
    """The warm-up requests sent to each system for ``seconds``; its answered/s (not used)."""
    out = {}
    for name, running in runnings.items():
        path = write_requests(requests, name, work / f"warm-up-{name}.tsv")
        out[name] = wrk.measure_file(path, running.base_url, concurrency, seconds)["ok_rps"]
    return out


def target(request: Request, system: str) -> str:
    """The path and query string this request is sent as, to ``system``."""
    if system == "oxigraph":
        return "/query?" + urlencode({"query": request.sparql or request.counterpart})
    if request.sparql is None:
        assert request.document is not None
        return quote(request.document)
    return "/sparql?" + urlencode({"query": request.sparql})


def write_requests(requests: list[Request], system: str, path: Path) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for r in requests:
            out.write(f"{target(r, system)}\t{r.accept}\n")
    return path


def measure(runnings: dict[str, Running], requests: list[Request], work: Path,
            concurrency: int, duration: float) -> dict[str, dict[str, Any]]:
    """The whole mix, then each shape alone, each sent to every system in turn (one system
    under load at a time; interleaved, so that a shared machine's load drifting over the
    run weighs on every system alike): wrk figures and server CPU per request."""
    out: dict[str, dict[str, Any]] = {name: {} for name in runnings}
    groups = {"mix": requests, **{s: [r for r in requests if r.shape == s] for s in SHAPES}}
    for group_name, group in groups.items():
        if not group:
            continue
        for name, running in runnings.items():
            path = write_requests(group, name, work / f"requests-{name}-{group_name}.tsv")
            cpu = tree_cpu(running.server.proc.pid)
            figures = wrk.measure_file(path, running.base_url, concurrency,
                                       duration * (2 if group_name == "mix" else 1))
            figures["cpu_ms_per_request"] = round(
                (tree_cpu(running.server.proc.pid) - cpu) * 1000 / max(1, figures["count"]), 3)
            figures["distinct_requests"] = len(group)
            out[name][group_name] = figures
            print(f"    {name} {group_name}: {figures['ok_rps']:.1f} answered/s, "
                  f"p50 {figures['p50']:.1f} ms, p99 {figures['p99']:.1f} ms, "
                  f"{figures['cpu_ms_per_request']:.2f} CPU ms/req, errors {figures['errors']}",
                  flush=True)
    return out


def check_same_answers(systems: dict[str, Running], requests: list[Request],
                       sample: int = 3) -> dict[str, Any]:
    """A few requests of each SPARQL shape sent to every system: the same number of results,
    so that a system answering fast because it answered wrongly shows up."""
    counts: dict[str, Any] = {}
    with httpx.Client(timeout=120) as client:
        for shape in SHAPES:
            if shape == "document":
                continue
            for r in [r for r in requests if r.shape == shape][:sample]:
                seen = {}
                for name, running in systems.items():
                    response = client.get(running.base_url + target(r, name),
                                          headers={"Accept": r.accept})
                    seen[name] = (response.status_code, _size(response, r.accept))
                counts.setdefault(shape, []).append(seen)
    return counts


def _size(response: httpx.Response, accept: str) -> int | None:
    if response.status_code != 200:
        return None
    if accept == SPARQL_JSON:
        return len(json.loads(response.content)["results"]["bindings"])
    return sum(1 for _ in ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))


# -- the research aggregate and the nesting attack, each beside a stream of lookups ---------

RESEARCH = """PREFIX nsx: <https://w3id.org/nsxkg/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?skill ?label (AVG(?importance) AS ?mean) (COUNT(?r) AS ?ratings) WHERE {
  GRAPH <%s> {
    ?r nsx:ratingScale <https://w3id.org/nsxkg/id/onet-scale/IM> ; nsx:element ?el ;
       nsx:dataValue ?importance .
    ?el a nsx:ONetSkill ; skos:notation ?skill ; skos:prefLabel ?label .
  }
} GROUP BY ?skill ?label ORDER BY DESC(?mean)"""


def nested_queries() -> dict[str, str]:
    """Queries nested far deeper than anyone writes by hand, each well under the length
    limit: what crashed the query workers before (tests/web/test_nesting.py has every
    recursive construct, and the unbracketed chains)."""
    depth = 20_000
    return {
        "groups": "SELECT * WHERE " + "{" * depth + " ?s ?p ?o " + "}" * depth,
        "brackets": "SELECT * WHERE { FILTER(" + "(" * depth + "1" + ")" * depth + ") }",
        "functions": "ASK { FILTER(" + "STR(" * 15_000 + "1" + ")" * 15_000 + " != \"\") }",
        "optionals": "SELECT * WHERE { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o " * 3000
                     + "}" * 3000 + " }",
    }


class Looping:
    """Clients sending one query in a loop in threads until stopped; answers by status."""

    def __init__(self, url: str, queries: list[str], clients: int, accept: str = SPARQL_JSON):
        self.statuses: Counter[str] = Counter()
        self.seconds: list[float] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, args=(url, queries, i, accept),
                                          daemon=True) for i in range(clients)]
        for thread in self._threads:
            thread.start()

    def _loop(self, url: str, queries: list[str], index: int, accept: str) -> None:
        # Each client from its own loopback address: separate clients to the server. The
        # bodies are encoded once (encoding 100 kB in Python would make the client, on the
        # same two cores, weigh on the measurement more than the server's work does).
        transport = httpx.HTTPTransport(local_address=f"127.0.4.{index + 1}")
        bodies = [urlencode({"query": q}).encode() for q in queries]
        headers = {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"}
        with httpx.Client(transport=transport, timeout=300) as client:
            n = index
            while not self._stop.is_set():
                began = time.perf_counter()
                # A comment makes each text new: the answer cache must not answer it.
                body = bodies[n % len(bodies)] + quote_plus(f"\n# {index} {n}").encode()
                try:
                    r = client.post(url, content=body, headers=headers)
                    self.statuses[str(r.status_code)] += 1
                    if r.status_code == 200:
                        self.seconds.append(time.perf_counter() - began)
                except httpx.HTTPError as err:
                    self.statuses[type(err).__name__] += 1
                n += 1

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        for thread in self._threads:  # a query still running is not waited for long
            thread.join(timeout=5)
        done = sorted(self.seconds)
        return {"statuses": dict(self.statuses), "completed": len(done),
                "seconds": {"min": round(done[0], 2), "median": round(done[len(done) // 2], 2),
                            "max": round(done[-1], 2)} if done else None}


def lookups_beside(running: Running, requests: list[Request], work: Path, background: Looping,
                   warmup: float, duration: float) -> dict[str, Any]:
    time.sleep(warmup)  # the background queries are running before the first lookup
    lookups = [r for r in requests if r.shape == "lookup"]
    path = write_requests(lookups, running.name, work / "requests-lookups-beside.tsv")
    figures = wrk.measure_file(path, running.base_url, 1, duration)
    return {"lookups": figures, "background": background.stop()}


def research_and_nesting(running: Running, params: Params, requests: list[Request],
                         work: Path, duration: float) -> dict[str, Any]:
    newest = max(params.elements, key=lambda r: [int(p) for p in r.split(".")])
    aggregate = RESEARCH % params.releases[newest]
    out: dict[str, Any] = {}
    # One researcher's aggregate at a time, over and over, while lookups go on.
    research = Looping(running.endpoint, [aggregate], 1)
    out["research"] = {"release": newest, **lookups_beside(
        running, requests, work, research, 1.0, max(duration, 30.0))}
    nesting = Looping(running.endpoint, list(nested_queries().values()), 4)
    out["nesting"] = lookups_beside(running, requests, work, nesting, 1.0, duration)
    for name in ("research", "nesting"):
        figures = out[name]["lookups"]
        print(f"    {name}: lookups p50 {figures['p50']:.1f} ms, p99 {figures['p99']:.1f} ms; "
              f"background answered {out[name]['background']['statuses']}", flush=True)
    return out


def run(bin_dir: Path, work: Path, duration: float, concurrency: int = 8,
        per_shape: int = 1000, pool_size: int | None = None) -> dict[str, Any]:
    """Everything above on the store under ``work`` (a ``--work`` dataset of bench.run)."""
    store = ox.Store.read_only(str(store_path(work)))
    params = read_params(store)
    del store
    requests = make_requests(params, per_shape)
    scratch = work / "param-mix"
    scratch.mkdir(exist_ok=True)
    result: dict[str, Any] = {
        "concurrency": concurrency, "duration": duration, "seed": 14,
        "distinct_requests": len(requests),
        "by_shape": dict(Counter(r.shape for r in requests)),
        "load_average_start": list(os.getloadavg()), "systems": {}}
    print(f"  param mix: {len(requests):,} distinct requests over {len(SHAPES)} shapes",
          flush=True)
    runnings: dict[str, Running] = {}
    try:
        for name in SYSTEMS:
            running = start(name, bin_dir, work, scratch, pool_size=pool_size)
            runnings[name] = running
        result["check"] = check_same_answers(runnings, requests)
        warm = max(2.0, duration / 2)
        result["warm_up"] = {"seconds": warm, "answered_per_s": warm_up(
            runnings, warm_up_requests(params, per_shape), scratch, concurrency, warm)}
        result["systems"] = measure(runnings, requests, scratch, concurrency, duration)
        result["protections"] = {  # what the lanes did during the runs above
            name: httpx.get(running.base_url + "/health", timeout=10).json().get("queries")
            for name, running in runnings.items() if name != "oxigraph"}
        result.update(research_and_nesting(runnings["nsxkg-uncached"], params, requests,
                                           scratch, duration))
    finally:
        for running in runnings.values():
            running.server.stop()
    result["load_average_end"] = list(os.getloadavg())
    result.update(ratios(result["systems"]))
    return result


def ratios(systems: dict[str, Any]) -> dict[str, float]:
    """``ratio_uncached`` (whole mix) and ``ratio_<shape>_uncached`` per shape, nsxkg with the
    cache off over oxigraph; ``ratio_deployed`` the same for nsxkg as deployed."""
    out: dict[str, float] = {}
    peer = systems.get("oxigraph", {})
    for ours, suffix in (("nsxkg-uncached", "_uncached"), ("nsxkg", "_deployed")):
        mine = systems.get(ours, {})
        for group in ("mix", *SHAPES):
            if group in mine and peer.get(group, {}).get("ok_rps"):
                key = "ratio" + ("" if group == "mix" else f"_{group}") + suffix
                out[key] = round(mine[group]["ok_rps"] / peer[group]["ok_rps"], 3)
    return out


def table(result: dict[str, Any]) -> str:
    lines = [f"parameterised mix: {result['distinct_requests']:,} distinct requests, "
             f"c={result['concurrency']}, load average {result['load_average_start'][0]:.2f}",
             f"{'shape':<12}" + "".join(f"{s:>26}" for s in SYSTEMS) + f"{'ratio':>8}"]
    for group in ("mix", *SHAPES):
        cells = []
        for system in SYSTEMS:
            f = result["systems"].get(system, {}).get(group)
            cells.append(f"{f['ok_rps']:>9.1f}/s {f['p99']:>6.1f}ms {f['cpu_ms_per_request']:>5.2f}"
                         if f else f"{'-':>26}")
        key = "ratio" + ("" if group == "mix" else f"_{group}") + "_uncached"
        lines.append(f"{group:<12}" + "".join(f"{c:>26}" for c in cells)
                     + f"{result.get(key, 0):>8.2f}")
    lines.append("(answered/s, p99, server CPU ms per request; ratio: nsxkg-uncached / "
                 "oxigraph)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/nsxkg-bench/full"),
                        help="a dataset directory of bench.run (build/ and store/)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--per-shape", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = parser.parse_args(argv)
    if wrk.available() is None:
        print("wrk is not installed (make bench installs it)", file=sys.stderr)
        return 2
    result = run(Path(sys.executable).parent, args.work, args.duration, args.concurrency,
                 args.per_shape)
    print(table(result))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
