"""Keeps the benchmark harness (``make bench``) working: a tiny run over the framework-only
store with all three systems, checked for the shape of its JSON and for zero errors. The
figures themselves are not checked: speed is measured by ``make bench``, never by tests."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest

# bench/ is a top-level package beside src/, not installed: pytest's pythonpath has the root.
from bench import param_mix, procs, wrk
from bench.loadgen import Call, Sample, percentile, summarise

from support import Loaded

ROOT = Path(__file__).resolve().parents[1]


SYSTEMS = ("nsxkg", "nsxkg-uncached", "oxigraph", "rdflib-endpoint")
SUMMARY_KEYS = {"count", "rps", "ok_rps", "p50", "p95", "p99", "max", "errors", "by_status"}


def test_bench_runs_all_three_systems(loaded: Loaded, tmp_path: Path) -> None:
    # The session's framework store stands in for the build, so no build is repeated here.
    work = tmp_path / "work"
    (work / "full").mkdir(parents=True)
    (work / "full" / "build").symlink_to(loaded.settings.build_dir.resolve())
    (work / "full" / "store").symlink_to(loaded.settings.store_dir.resolve())
    out = tmp_path / "results"
    run = subprocess.run(
        [sys.executable, "-m", "bench.run", "--skip-build", "--sources", "",
         "--duration", "0.4", "--concurrency", "1,2", "--work", str(work), "--out", str(out),
         "--client", "httpx"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "throughput ratios" in run.stdout

    latest = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    assert [p.name for p in out.glob("*.json") if p.name != "latest.json"]
    names = [q["name"] for q in latest["mix"]]
    assert "occupation-by-code" in names and len(names) >= 5
    searched = latest["text_search"]["serving"]
    for c in ("c1", "c4"):
        assert {"search", "join", "page"} <= set(searched[c])
        assert searched[c]["all"]["errors"] == 0, searched[c]["all"]
        assert set(searched[c]["all"]["by_status"]) == {"200"}, searched[c]["all"]
    assert "text search:" in run.stdout
    serving = latest["serving"]["full"]
    assert serving["triples"] == sum(g.triples for g in loaded.manifest.graphs)
    for system in SYSTEMS:
        entry = serving[system]
        assert entry["startup_seconds"] > 0
        for c in ("c1", "c2"):
            assert set(entry[c]["all"]) >= SUMMARY_KEYS
            assert entry[c]["all"]["count"] > 0
            assert entry[c]["all"]["server_cpu_ms_per_request"] > 0
            assert entry[c]["all"]["by_status"] == {"200": entry[c]["all"]["count"]}, \
                (system, entry[c]["all"])
            assert set(entry[c]) <= {*names, "all"}  # a short run may not reach them all
        # Every system answered every query, with the same number of results as nsxkg.
        for name in names:
            assert entry["check"][name]["status"] == 200, (system, name)
            assert entry["check"][name]["results"] == \
                serving["nsxkg"]["check"][name]["results"], (system, name)
    linked = serving["nsxkg"]["linked_data"]
    assert {"occupation ttl", "occupation html", "statement ttl", "all"} <= set(linked)
    assert linked["all"]["errors"] == 0
    assert set(latest["ratios"]) == {f"full {ours}/{peer} c={c}" for ours in SYSTEMS[:2]
                                     for peer in SYSTEMS[2:] for c in (1, 2)}


def test_summary_percentiles_and_errors() -> None:
    samples = [Sample("a", 200, i / 1000, None) for i in range(1, 101)]
    samples += [Sample("b", 503, 0.5, "HTTP 503"), Sample("b", 0, 1.0, "ConnectError")]
    summary = summarise(samples, duration=2.0)
    assert summary["a"]["p50"] == 50.0 and summary["a"]["p99"] == 99.0
    assert summary["a"]["max"] == 100.0 and summary["a"]["errors"] == 0
    assert summary["b"]["errors"] == 2 and summary["b"]["by_status"] == {"0": 1, "503": 1}
    assert summary["all"]["count"] == 102 and summary["all"]["rps"] == 51.0
    assert summary["all"]["ok_rps"] == 50.0 and summary["b"]["ok_rps"] == 0.0
    assert percentile([], 99) == 0.0 and percentile([7.0], 50) == 7.0


def test_peak_rss_counts_child_processes(tmp_path: Path) -> None:
    # A parent that starts a child holding ~200 MB: the peak must include the child.
    script = ("import subprocess, sys; subprocess.run([sys.executable, '-c', "
              "'import time; b = bytearray(200 * 2**20); b[::4096] = b\"x\" * len(b[::4096]); "
              "time.sleep(1.5)'])")
    result = procs.timed([sys.executable, "-c", script], {}, tmp_path / "log")
    assert result.returncode == 0, result.output
    assert result.peak_rss > 180 * 2**20


@pytest.mark.skipif(wrk.available() is None, reason="wrk is not installed (make bench installs it)")
def test_wrk_reports_latency_and_bad_answers() -> None:
    with serve_files({"/ok": 200, "/gone": 404}) as base:
        ok = wrk.measure([Call("ok", "GET", f"{base}/ok", headers={"Accept": "text/turtle"})],
                         2, 1.0)
        assert ok["client"] == "wrk" and ok["count"] > 0 and ok["errors"] == 0
        assert 0 < ok["p50"] <= ok["p99"] <= ok["max"]
        both = wrk.measure_each([Call("ok", "GET", f"{base}/ok"),
                                 Call("gone", "GET", f"{base}/gone")], 2, 1.0)
        assert both["ok"]["errors"] == 0
        assert both["gone"]["errors"] == both["gone"]["count"] > 0
        assert 0 < both["all"]["errors"] < both["all"]["count"]


@contextmanager
def serve_files(statuses: dict[str, int]) -> Iterator[str]:
    """A tiny HTTP server on 127.0.0.1 answering each path with its status."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            body = b"x"
            self.send_response(statuses.get(self.path, 404))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# -- the parameterised mix (bench/param_mix.py): its requests, not its figures -------------

def _params() -> param_mix.Params:
    graph = "https://w3id.org/nsxkg/graph/onet/"
    codes = [f"{major}-{minor:04d}.00" for major in (11, 13, 15) for minor in range(400)]
    return param_mix.Params(
        releases={"29.3": graph + "29.3", "30.1": graph + "30.1"},
        codes={"29.3": codes, "30.1": codes},
        elements={"29.3": [f"2.B.{i}.a" for i in range(1, 21)]},
        with_tasks=["29.3"], all_codes=codes)


def test_param_mix_sends_thousands_of_distinct_requests_over_every_shape() -> None:
    requests = param_mix.make_requests(_params(), per_shape=1000)
    assert {r.shape for r in requests} == set(param_mix.SHAPES)
    assert all(sum(r.shape == s for r in requests) == 1000 for s in param_mix.SHAPES)
    for system in ("nsxkg", "oxigraph"):
        targets = [param_mix.target(r, system) for r in requests]
        assert len(set(targets)) == len(targets) >= 5000
    # Seeded: the same requests, in the same order, in every run.
    assert param_mix.make_requests(_params(), per_shape=1000) == requests
    document = next(r for r in requests if r.shape == "document")
    assert param_mix.target(document, "nsxkg").startswith("/doc/occupation/")
    assert param_mix.target(document, "oxigraph").startswith("/query?query=CONSTRUCT")
    threshold = next(r for r in requests if r.shape == "threshold")
    assert "/29.3>" in (threshold.sparql or "")  # only a release with ratings


def test_the_warm_up_sends_no_measured_request() -> None:
    measured = param_mix.make_requests(_params(), per_shape=200)
    warm = param_mix.warm_up_requests(_params(), per_shape=200)
    assert warm and all(r.sparql is not None for r in warm)  # no document: none is kept
    assert {r.shape for r in warm} == set(param_mix.SHAPES) - {"document"}
    for system in ("nsxkg", "oxigraph"):
        assert not {param_mix.target(r, system) for r in warm} & \
            {param_mix.target(r, system) for r in measured}


def test_param_mix_ratios_are_nsxkg_over_oxigraph() -> None:
    figures = {"nsxkg-uncached": {"mix": {"ok_rps": 90.0}, "lookup": {"ok_rps": 300.0}},
               "nsxkg": {"mix": {"ok_rps": 200.0}},
               "oxigraph": {"mix": {"ok_rps": 100.0}, "lookup": {"ok_rps": 500.0}}}
    assert param_mix.ratios(figures) == {"ratio_uncached": 0.9, "ratio_lookup_uncached": 0.6,
                                         "ratio_deployed": 2.0}


def test_param_mix_needs_onet_releases(loaded: Loaded) -> None:
    with pytest.raises(param_mix.NoReleases, match="no O\\*NET release"):
        param_mix.read_params(loaded.store)


def test_the_example_runner_reports_a_failing_query_and_goes_on(tmp_path: Path) -> None:
    # bench/frameworks.py runs each example in a process of its own; a query that raises
    # there is reported with its error, and the next query is answered.
    from bench.frameworks import QueryFailed, _Runner

    store = tmp_path / "store"
    made = ox.Store(str(store))
    made.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.NamedNode("urn:o")))
    made.flush()
    del made
    runner = _Runner(store)
    try:
        with pytest.raises(QueryFailed, match="SyntaxError"):
            runner.run("SELECT * WHERE { ?s ?p }", 1)
        answer = runner.run("SELECT * WHERE { ?s ?p ?o }", 2)
        assert answer is not None and answer[1] == 1 and len(answer[0]) == 2
    finally:
        runner.stop()
