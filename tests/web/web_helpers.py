"""Helpers for the web tests: a real server on 127.0.0.1 (uvicorn in a thread, SPARQL
workers in processes), started by the tests and stopped after."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from nsxkg.config import Settings
from nsxkg.web.app import create_app

APPS: dict[str, FastAPI] = {}  # url -> app, so tests can look inside a running server

OCCUPATION = "https://w3id.org/nsxkg/id/occupation/11-2022.00"
PREFIXES = """PREFIX nsx: <https://w3id.org/nsxkg/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    url: str
    settings: Settings


@contextmanager
def serve(settings: Settings) -> Iterator[Server]:
    port = free_port()
    settings = settings.with_overrides(port=port)
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive(), "the server stopped while starting"
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    APPS[url] = app
    try:
        yield Server(url, settings)
    finally:
        APPS.pop(url, None)
        server.should_exit = True  # the app's lifespan then ends the worker processes
        thread.join(timeout=20)
