"""``GET /health``: whether this server can answer queries now, for load balancers.

Ready (``200``) only when the store is open and every lane of query workers has a worker up:
a replica that is still starting its workers, or whose workers all died and are being
replaced, answers ``503`` with ``Retry-After``, so a balancer's health check keeps traffic
away until it can serve. The body names the build served, so an operator (or a test) can
tell which build each replica is on during a rolling reload, and how often the query
service's protections acted since that build was opened: queries stopped at their time limit,
queries moved from the express lane to the main lane, and workers that crashed (which must
stay 0). Never cached; not rate-limited beyond what every request is. A check also replaces
workers that died while idle, so a replica taken out of rotation for that comes back by
itself.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from nsxkg.web.deps import State
from nsxkg.web.http import get_and_head

router = APIRouter(tags=["service"])


@get_and_head(router, "/health", summary="Readiness for load balancers",
              responses={503: {"description": "Not ready: query workers not (yet) up"}})
async def health(state: State) -> Response:
    state.service.heal()  # a replica out of rotation gets no query that would replace them
    workers = state.service.lanes_up()
    ready = all(up > 0 for up in workers.values())
    body = {"status": "ready" if ready else "starting", "build": state.build.digest,
            "quads": state.build.quads, "workers": workers,
            "queries": {"stopped_at_time_limit": state.service.killed,
                        "moved_to_main_lane": state.service.lanes.demoted,
                        "worker_crashes": state.service.died}}
    headers = {"Cache-Control": "no-store"}
    if not ready:
        headers["Retry-After"] = "1"
    return JSONResponse(body, status_code=200 if ready else 503, headers=headers)
