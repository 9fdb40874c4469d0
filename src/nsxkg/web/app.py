"""Builds the FastAPI application over an opened store."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from nsxkg import __version__
from nsxkg.config import Settings
from nsxkg.store import open_store
from nsxkg.web import sparql
from nsxkg.web.deps import AppState


def create_app(settings: Settings) -> FastAPI:
    store, build = open_store(settings.store_dir)
    app = FastAPI(title="nsxkg", version=__version__,
                  description="NSX Skills Knowledge Graph: SPARQL 1.1 endpoint and linked data")
    app.state.nsxkg = AppState(settings, store, build)
    app.include_router(sparql.router)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home() -> str:
        return (f"<!doctype html><title>nsxkg</title><h1>nsxkg {__version__}</h1>"
                f"<p>{build.quads} quads loaded. SPARQL endpoint: <a href='/sparql'>/sparql</a>"
                f" · API docs: <a href='/docs'>/docs</a></p>")

    return app
