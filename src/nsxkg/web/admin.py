"""``POST /admin/reload``: serve the build ``store/current`` now points at.

Only a client on this machine may ask, talking to the server directly: a request from
another address, or one relayed by a proxy (it carries ``Forwarded`` / ``X-Forwarded-For``),
gets ``403``. A reload reads the store directory and writes nothing.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from nsxkg.errors import StoreError
from nsxkg.web.http import error

router = APIRouter(include_in_schema=False)

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


def from_this_machine(request: Request) -> bool:
    host = request.client.host if request.client else ""
    return host in LOOPBACK and not any(h in request.headers for h in PROXY_HEADERS)


@router.post("/admin/reload")
async def reload(request: Request) -> Response:
    if not from_this_machine(request):
        return error(request, 403, "reloading is only accepted from this machine's loopback "
                                   "interface, not through a proxy")
    try:
        done = await request.app.state.lifecycle.reload()
    except StoreError as err:
        return error(request, 409, str(err))
    return JSONResponse({"changed": done.changed, "build": done.build,
                         "message": done.message()})
