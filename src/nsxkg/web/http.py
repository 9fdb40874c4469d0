"""Small HTTP helpers shared by the routers: errors, validators (ETag, Last-Modified), HTML."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from nsxkg.web.deps import AppState
from nsxkg.web.failures import QueryError
from nsxkg.web.negotiation import parse_accept

VARY = "Accept"
F = TypeVar("F", bound=Callable[..., Any])


def get_and_head(router: APIRouter, path: str, **options: Any) -> Callable[[F], F]:
    """Register ``path`` for GET and HEAD. HEAD stays out of the OpenAPI schema: FastAPI gives
    both methods of one route the same operation ID, which the schema must not repeat."""
    def register(endpoint: F) -> F:
        router.head(path, include_in_schema=False, **options)(endpoint)
        router.get(path, **options)(endpoint)
        return endpoint
    return register


def wants_html(request: Request) -> bool:
    """True when the client names text/html at least as high as anything else (a browser)."""
    ranges = parse_accept(request.headers.get("accept"))
    html = max((r.q for r in ranges if (r.type, r.subtype) in
                {("text", "html"), ("application", "xhtml+xml")}), default=0.0)
    others = max((r.q for r in ranges if (r.type, r.subtype) not in
                  {("text", "html"), ("application", "xhtml+xml"), ("*", "*")}), default=0.0)
    return html > 0 and html >= others


def error(request: Request, status: int, message: str, *,
          headers: dict[str, str] | None = None) -> Response:
    """A clear message: an HTML page for browsers, plain text for everyone else."""
    all_headers = {"Vary": VARY, **(headers or {})}
    if wants_html(request):
        state: AppState = request.app.state.nsxkg
        return state.templates.TemplateResponse(
            request, "error.html", {"status": status, "message": message},
            status_code=status, headers=all_headers)
    return PlainTextResponse(message + "\n", status_code=status, headers=all_headers)


def failed(request: Request, err: QueryError) -> Response:
    """A query that could not be answered: its status, its message, when to retry."""
    headers = {"Retry-After": str(err.retry_after)} if err.retry_after else None
    return error(request, err.status, err.message, headers=headers)


def etag_for(state: AppState, *parts: str) -> str:
    digest = hashlib.sha256("\x1f".join((state.etag_seed, *parts)).encode("utf-8"))
    return f'"{digest.hexdigest()[:32]}"'


def validators(state: AppState, etag: str) -> dict[str, str]:
    return {"ETag": etag, "Last-Modified": state.last_modified_http, "Vary": VARY}


def not_modified(request: Request, state: AppState, etag: str) -> Response | None:
    """A 304 when the client already holds this representation (RFC 9110 §13.1)."""
    headers = validators(state, etag)
    match = request.headers.get("if-none-match")
    if match is not None:
        tags = {t.strip().removeprefix("W/") for t in match.split(",")}
        if "*" in tags or etag in tags:
            return Response(status_code=304, headers=headers)
        return None
    since = request.headers.get("if-modified-since")
    if since and request.method in ("GET", "HEAD"):
        try:
            when: datetime = parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is not None and state.last_modified <= when:
            return Response(status_code=304, headers=headers)
    return None


def page(request: Request, template: str, context: dict[str, Any], *,
         status: int = 200, headers: dict[str, str] | None = None) -> Response:
    state: AppState = request.app.state.nsxkg
    return state.templates.TemplateResponse(request, template, context, status_code=status,
                                            headers={"Vary": VARY, **(headers or {})})
