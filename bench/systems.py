"""The three SPARQL servers compared, each started as its own process over the same data.

* ``nsxkg``: ``nsxkg serve`` on the loaded store, as deployed (answers cached per build).
* ``nsxkg-uncached``: the same with the answer cache off (``NSXKG_RESULT_CACHE_MB=0``): every
  query runs in a worker, as in the two peers, which keep no answer cache.
* ``oxigraph``: bare ``oxigraph serve-read-only`` on the same store directory, with the union
  default graph that nsxkg also queries by default.
* ``rdflib-endpoint``: ``rdflib-endpoint serve`` on the build's N-Quads files (an in-memory
  rdflib ``Dataset`` with the union default graph, parsed at start-up).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.build_phase import nsxkg_env
from bench.procs import Server, free_port

SYSTEMS = ("nsxkg", "nsxkg-uncached", "oxigraph", "rdflib-endpoint")
PROBE = "ASK { ?s ?p ?o }"


@dataclass
class Running:
    name: str
    server: Server
    base_url: str
    endpoint: str
    startup_seconds: float


def start(name: str, bin_dir: Path, work: Path, log_dir: Path, *, pool_size: int | None = None,
          timeout: float = 600.0) -> Running:
    """Start one system on the dataset under ``work`` and wait for its first answer."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = nsxkg_env(None)
    if name in ("nsxkg", "nsxkg-uncached"):
        if name == "nsxkg-uncached":
            env["NSXKG_RESULT_CACHE_MB"] = "0"
        if pool_size:
            env["NSXKG_POOL_SIZE"] = str(pool_size)
        # The load generator is one client address standing in for many clients: lift the
        # per-client limits (web/limits.py) so that they measure nothing here; their
        # per-request cost is still paid.
        env.update(NSXKG_CLIENT_CONCURRENCY="1024", NSXKG_CLIENT_RATE="1e9",
                   NSXKG_CLIENT_BURST="1000000000")
        argv = [str(bin_dir / "nsxkg"), "serve", "--store-dir", str(work / "store"),
                "--host", "127.0.0.1", "--port", str(port)]
        endpoint = f"{base}/sparql"
    elif name == "oxigraph":
        store = (work / "store" / "current").resolve()
        argv = [str(bin_dir / "oxigraph"), "serve-read-only", "--location", str(store),
                "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
        endpoint = f"{base}/query"
    elif name == "rdflib-endpoint":
        files = sorted(str(p) for p in (work / "build" / "graphs").glob("*.nq"))
        argv = [str(bin_dir / "rdflib-endpoint"), "serve", *files, "--host", "127.0.0.1",
                "--port", str(port)]
        endpoint = f"{base}/"
    else:
        raise ValueError(f"unknown system {name!r}; choose from {', '.join(SYSTEMS)}")
    env.setdefault("PYTHONUNBUFFERED", "1")
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    server = Server(name, argv, env, log_dir / f"{name}.log")

    def answers() -> bool:
        response = httpx.get(endpoint, params={"query": PROBE},
                             headers={"Accept": "application/sparql-results+json"}, timeout=5)
        return response.status_code == 200

    seconds = server.wait_until(answers, timeout)
    return Running(name, server, base, endpoint, round(seconds, 3))
