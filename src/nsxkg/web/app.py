"""Builds the FastAPI application over an opened store: one router per concern."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException

from nsxkg import __version__
from nsxkg.config import Settings
from nsxkg.store import open_store
from nsxkg.web import crosswalks, dumps, linked_data, pages, sparql, void
from nsxkg.web.deps import HERE, AppState
from nsxkg.web.http import error
from nsxkg.web.search import LabelIndex
from nsxkg.web.workers import WorkerPool


def create_app(settings: Settings) -> FastAPI:
    store, build = open_store(settings.store_dir)
    templates = Jinja2Templates(directory=str(HERE / "templates"))  # autoescapes .html
    pool = WorkerPool(build.path, settings.pool_size, settings.query_timeout)
    state = AppState(settings, store, build, pool, templates, LabelIndex.from_store(store))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await pool.start()
        try:
            yield
        finally:
            pool.close()

    app = FastAPI(title="nsxkg", version=__version__, lifespan=lifespan,
                  description="NSX Skills Knowledge Graph: SPARQL 1.1 endpoint, linked data "
                              "and pages")
    app.state.nsxkg = state
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                       allow_methods=["GET", "HEAD", "POST", "OPTIONS"], allow_headers=["*"],
                       expose_headers=["ETag", "Last-Modified", "Content-Location", "Link",
                                       "X-Result-Count"], max_age=3600)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for router in (sparql.router, linked_data.router, void.router, dumps.router, crosswalks.router,
                   pages.router):
        app.include_router(router)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        message = {404: f"nothing at {request.url.path}",
                   405: f"{request.method} is not allowed on {request.url.path}"}.get(
            exc.status_code, str(exc.detail))
        return error(request, exc.status_code, message,
                     headers=dict(exc.headers) if exc.headers else None)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        details = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                            for e in exc.errors())
        return error(request, 400, f"bad request: {details}")

    return app
