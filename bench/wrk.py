"""Load measured with wrk, a load generator written in C.

On two cores the Python client (httpx) competes with the server for the CPU, and its own
pauses land in the tail: against a static file, nsxkg measured p99 55 ms and a 4 s maximum at
concurrency 8 through httpx, but 16 ms through wrk, and a Turtle dereference 6 ms. A tail
target (p99 < 20 ms) is therefore measured with wrk when it is installed (Debian package
``wrk``; ``make bench`` installs it), and with the Python client otherwise, recorded as such.
The same holds for throughput: the Python client tops out near 700 requests/s here, below
what nsxkg and oxigraph answer on light queries, so with it the ratios measure the client.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from bench.loadgen import Call

# done() prints the figures as one JSON line (both scripts below end with it).
_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nWRK-JSON {"requests": %d, "seconds": %.3f, "p50": %.3f, "p95": %.3f, ' ..
    '"p99": %.3f, "max": %.3f, "bad_status": %d, "socket_errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""
# Each request comes from the list in turn.
_SCRIPT = """
local calls = %s
local i = 0
request = function()
  i = i + 1
  local c = calls[(i %% #calls) + 1]
  return wrk.format("GET", c[1], c[2])
end
""" + _DONE.replace("%", "%%")
# Thousands of distinct requests: read from a file (one "target<TAB>accept" a line) when the
# thread starts, formatted once, then sent in turn.
_FILE_SCRIPT = """
local requests = {}
local i = 0
init = function(args)
  for line in io.lines(args[1]) do
    local target, accept = line:match("^([^\t]*)\t(.*)$")
    requests[#requests + 1] = wrk.format("GET", target, { ["Accept"] = accept })
  end
end
request = function()
  i = i + 1
  return requests[((i - 1) % #requests) + 1]
end
""" + _DONE


def available() -> str | None:
    return shutil.which("wrk")


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal here


def measure(calls: list[Call], concurrency: int, duration: float) -> dict[str, Any]:
    """Figures for the calls together at ``concurrency`` connections for ``duration`` s:
    requests, rps, p50/p95/p99/max in ms, errors (non-2xx/3xx answers and socket errors)."""
    binary = available()
    if binary is None:
        raise RuntimeError("wrk is not installed (Debian package wrk)")
    first = urlsplit(calls[0].url)
    base = f"{first.scheme}://{first.netloc}"
    rows = []
    for c in calls:
        if c.method != "GET" or c.data:
            raise ValueError(f"{c.name}: only GET requests go through wrk here")
        parts = urlsplit(c.url)
        query = "&".join(q for q in (parts.query, urlencode(c.params or {})) if q)
        target = (parts.path or "/") + (f"?{query}" if query else "")
        headers = {"Accept": "*/*", **(c.headers or {})}
        fields = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items())
        rows.append(f"{{{_lua_string(target)}, {{{fields}}}}}")
    table = "{" + ", ".join(rows) + "}"
    return _run(binary, _SCRIPT % table, base, concurrency, duration)


def measure_file(requests: Path, base: str, concurrency: int, duration: float
                 ) -> dict[str, Any]:
    """Like :func:`measure`, for the requests listed in a file, one ``target<TAB>accept``
    a line (``target`` is the path and query string, sent to ``base``), each in turn."""
    binary = available()
    if binary is None:
        raise RuntimeError("wrk is not installed (Debian package wrk)")
    return _run(binary, _FILE_SCRIPT, base, concurrency, duration, str(requests))


def _run(binary: str, script_text: str, base: str, concurrency: int, duration: float,
         *script_args: str) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(script_text)
    try:
        done = subprocess.run(
            [binary, "-t1", f"-c{concurrency}", f"-d{max(1, round(duration))}s", "--timeout",
             "30s", "-s", script.name, base, *script_args],
            capture_output=True, text=True, timeout=duration + 60)
    finally:
        Path(script.name).unlink(missing_ok=True)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("WRK-JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed (exit {done.returncode}): {done.stderr or done.stdout}")
    raw = json.loads(line.removeprefix("WRK-JSON "))
    count, errors = raw["requests"], raw["bad_status"] + raw["socket_errors"]
    return {"count": count, "rps": round(count / raw["seconds"], 2),
            "ok_rps": round(max(0, count - errors) / raw["seconds"], 2),
            "p50": raw["p50"], "p95": raw["p95"], "p99": raw["p99"], "max": raw["max"],
            "errors": errors, "by_status": {"2xx/3xx": count - raw["bad_status"],
                                            "other": raw["bad_status"]},
            "client": "wrk"}


def measure_each(calls: list[Call], concurrency: int, duration: float) -> dict[str, Any]:
    """Per call (``duration`` shared between them, at least 1 s each), then all together."""
    each = max(1.0, duration / len(calls))
    for c in calls:  # steady state: a document's first rendering is not what p99 is about
        httpx.get(c.url, params=c.params, headers=c.headers, timeout=60)
    out = {c.name: measure([c], concurrency, each) for c in calls}
    out["all"] = measure(calls, concurrency, duration)
    return out
