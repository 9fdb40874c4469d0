"""``GET /health``: ready only while the store is open and every lane of query workers has a
worker up; the check that a load balancer makes (deploy/haproxy.cfg)."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from web.web_helpers import APPS, serve


def _ready(url: str) -> httpx.Response:
    deadline = time.monotonic() + 60
    while (response := httpx.get(f"{url}/health")).status_code != 200:
        assert response.status_code == 503 and response.json()["status"] == "starting"
        assert time.monotonic() < deadline, "workers never came up"
        time.sleep(0.05)
    return response


def test_a_ready_server_says_so_with_its_build(server: Any) -> None:
    response = _ready(server.url)
    body = response.json()
    state = APPS[server.url].state.nsxkg
    assert body["status"] == "ready" and body["build"] == state.build.digest
    assert body["workers"]["main"] >= 1 and body["workers"]["express"] >= 1
    assert body["queries"]["worker_crashes"] == 0
    assert set(body["queries"]) == {"stopped_at_time_limit", "moved_to_main_lane",
                                    "worker_crashes"}
    assert response.headers["cache-control"] == "no-store"
    assert httpx.head(f"{server.url}/health").status_code == 200


def test_without_live_workers_it_is_not_ready_and_heals_itself(loaded: Any) -> None:
    # Its own server: this test kills the query workers.
    settings = loaded.settings.with_overrides(pool_size=1, express_workers=1,
                                              query_timeout=10.0)
    with serve(settings) as running:
        _ready(running.url)
        service = APPS[running.url].state.nsxkg.service
        for lane in service.lanes.pools:
            with lane._lock:
                workers = list(lane._all)
            for worker in workers:  # as the kernel's OOM killer would
                worker.process.kill()
                worker.process.join()
        response = httpx.get(f"{running.url}/health")
        assert response.status_code == 503, response.text
        assert response.json()["status"] == "starting"
        assert response.headers["retry-after"] == "1"
        # No query arrives (a balancer sends none to a failing replica), yet it recovers.
        _ready(running.url)
        answer = httpx.get(f"{running.url}/sparql", params={"query": "ASK { ?s ?p ?o }"},
                           headers={"Accept": "application/sparql-results+json"})
        assert answer.status_code == 200 and json.loads(answer.text)["boolean"] is True
        assert service.live == 2  # one per lane, not one more for each dead worker seen twice
