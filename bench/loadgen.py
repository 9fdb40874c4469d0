"""A closed-loop HTTP load generator and its summary, shared by the benchmark scripts.

Closed loop: ``concurrency`` workers each send one request, wait for the answer, and send the
next, so the offered load adapts to the server (no coordinated-omission queue builds up in
the client). Each worker cycles through the same list of calls, starting at a different
offset so that the mix is spread across workers from the first second.

Latencies in :func:`summarise` are milliseconds; ``rps`` is completed requests per second of
the given duration.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Call:
    name: str
    method: str
    url: str
    params: dict[str, str] | None = None
    headers: dict[str, str] | None = None
    data: bytes | None = None


@dataclass(frozen=True)
class Sample:
    name: str
    status: int  # 0 when no response came back (connection error, client timeout)
    seconds: float
    error: str | None


async def closed_loop(calls: Sequence[Call], concurrency: int, duration: float,
                      max_requests: int | None = None, timeout: float = 30.0) -> list[Sample]:
    """Send ``calls`` round-robin from ``concurrency`` workers until ``duration`` seconds
    have passed (or ``max_requests`` were started); every started request is awaited."""
    if not calls:
        raise ValueError("closed_loop needs at least one call")
    samples: list[Sample] = []
    started = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    deadline = time.perf_counter() + duration

    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:

        async def worker(offset: int) -> None:
            nonlocal started
            i = offset
            while time.perf_counter() < deadline:
                if max_requests is not None and started >= max_requests:
                    return
                started += 1  # one event loop: no lock needed between the check and this
                call = calls[i % len(calls)]
                i += 1
                samples.append(await _send(client, call))

        await asyncio.gather(*(worker(k * len(calls) // concurrency)
                               for k in range(concurrency)))
    return samples


async def _send(client: httpx.AsyncClient, call: Call) -> Sample:
    begin = time.perf_counter()
    try:
        response = await client.request(call.method, call.url, params=call.params,
                                        headers=call.headers, content=call.data)
        await response.aread()
    except httpx.HTTPError as err:
        return Sample(call.name, 0, time.perf_counter() - begin,
                      f"{type(err).__name__}: {err}")
    elapsed = time.perf_counter() - begin
    error = None
    if response.status_code >= 500:
        error = f"HTTP {response.status_code}: {response.text[:200]}"
    return Sample(call.name, response.status_code, elapsed, error)


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list (0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(round(len(sorted_values) * p / 100, 9)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def _stats(samples: Iterable[Sample], duration: float) -> dict[str, Any]:
    chosen = list(samples)
    times = sorted(s.seconds * 1000 for s in chosen)
    statuses = Counter(str(s.status) for s in chosen)
    answered = sum(1 for s in chosen if 200 <= s.status < 400)
    return {
        "count": len(chosen),
        "rps": round(len(chosen) / duration, 2) if duration > 0 else 0.0,
        # Answered (2xx/3xx) per second: a fast refusal (429, 503) is no throughput.
        "ok_rps": round(answered / duration, 2) if duration > 0 else 0.0,
        "p50": round(percentile(times, 50), 2),
        "p95": round(percentile(times, 95), 2),
        "p99": round(percentile(times, 99), 2),
        "max": round(times[-1], 2) if times else 0.0,
        "errors": sum(1 for s in chosen if s.status >= 500 or s.status == 0),
        "by_status": dict(sorted(statuses.items())),
    }


def summarise(samples: Sequence[Sample], duration: float) -> dict[str, dict[str, Any]]:
    """Per call name, and ``"all"``: count, rps, ok_rps (2xx/3xx only), p50/p95/p99/max
    (ms), errors, by_status.

    An error is a response with status ≥ 500 or no response at all (status 0).
    """
    names = sorted({s.name for s in samples})
    out = {name: _stats((s for s in samples if s.name == name), duration) for name in names}
    out["all"] = _stats(samples, duration)
    return out


def first_errors(samples: Sequence[Sample], limit: int = 3) -> list[str]:
    """A few distinct error messages, to show why a run had errors."""
    seen: list[str] = []
    for sample in samples:
        line = f"{sample.name}: {sample.error}"
        if sample.error and line not in seen:
            seen.append(line)
            if len(seen) >= limit:
                break
    return seen
