"""Builds the FastAPI application over an opened store: one router per concern."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from nsxkg import __version__
from nsxkg.catalogue import load_catalogue
from nsxkg.config import Settings
from nsxkg.web import (
    admin,
    api_queries,
    crosswalks,
    dumps,
    exports,
    frameworks,
    health,
    linked_data,
    pages,
    search,
    sparql,
    void,
)
from nsxkg.web.deps import HERE
from nsxkg.web.http import error
from nsxkg.web.lifecycle import Lifecycle, open_state
from nsxkg.web.limits import RequestLimits, limiter_for


def create_app(settings: Settings) -> FastAPI:
    templates = Jinja2Templates(directory=str(HERE / "templates"))  # autoescapes .html
    state = open_state(settings, templates)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        lifecycle: Lifecycle = app.state.lifecycle
        await lifecycle.start()
        try:
            yield
        finally:
            lifecycle.close()

    app = QueryFront(title="nsxkg", version=__version__, lifespan=lifespan,
                     description="NSX Skills Knowledge Graph: SPARQL 1.1 endpoint, linked data "
                                 "and pages")
    app.state.lifecycle = Lifecycle(app, state)  # sets app.state.nsxkg, swapped on reload
    clients = limiter_for(settings)  # one count per client, whichever stack it reaches
    cors: dict[str, Any] = {
        "allow_origins": settings.cors_origins,
        "allow_methods": ["GET", "HEAD", "POST", "OPTIONS"], "allow_headers": ["*"],
        "expose_headers": ["ETag", "Last-Modified", "Content-Location", "Link",
                           "X-Result-Count", "Retry-After"], "max_age": 3600}

    def protected(inner: ASGIApp) -> ASGIApp:
        # Limits inside CORS: a 413 or 429 still carries the CORS headers a browser needs to
        # show it to the page that asked.
        return CORSMiddleware(RequestLimits(inner, settings, clients), **cors)

    # Added first, so it runs inside CORS (as in `protected`).
    app.add_middleware(RequestLimits, settings=settings, clients=clients)
    app.add_middleware(CORSMiddleware, **cors)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    endpoint = sparql.SparqlEndpoint()
    app.router.routes.append(Route("/sparql", endpoint, name="sparql"))  # for OpenAPI, url_for
    catalogue = load_catalogue(settings.queries)
    fronted: dict[str, ASGIApp] = {"/sparql": endpoint, **api_queries.fronted(catalogue)}
    app.front = {path: ServerErrorMiddleware(protected(answer))
                 for path, answer in fronted.items()}
    for router in (linked_data.router, void.router, dumps.router, crosswalks.router,
                   pages.router, frameworks.router, exports.router, search.router, search.api,
                   admin.router, health.router):
        app.include_router(router)
    app.include_router(api_queries.router(catalogue))

    generated = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generated()
            schema["paths"] = {"/sparql": sparql.OPENAPI, **schema["paths"]}
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]

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


class QueryFront(FastAPI):
    """FastAPI, with the query routes answered ahead of it.

    Every query request comes to ``/sparql`` or ``/api/queries/{name}``, and a light one spent
    over half of the server's time in FastAPI's layers (the telemetry check on every request,
    exception handling, exit stack, routing past a hundred routes, dependency solving), of
    which these routes use none: they read their request by hand and answer each failure
    themselves. They keep what protects the service, as every other route does: the request
    limits (counting into the same per-client table), CORS, and a last guard that turns a bug
    into a 500 (``front``, set by :func:`create_app`). FastAPI still holds their routes, for
    the OpenAPI document.
    """

    front: dict[str, ASGIApp] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self.front.get(scope["path"]) if scope["type"] == "http" else None
        if route is None:
            await super().__call__(scope, receive, send)
            return
        if self.root_path:  # as FastAPI and Starlette prepare a request
            scope["root_path"] = self.root_path
        scope["app"] = self
        await route(scope, receive, send)


def app_from_environment() -> FastAPI:
    """The app for `nsxkg serve --workers N`: uvicorn imports it by name in each process,
    and the settings arrive through ``NSXKG_*`` variables."""
    return create_app(Settings())
