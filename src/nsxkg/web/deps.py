"""Request dependencies, as typed aliases, so tests can swap the store for a fixture."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, TypeVar

import pyoxigraph as ox
from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from nsxkg.config import Settings
from nsxkg.store import BUILD_INFO, LoadedBuild
from nsxkg.textindex import TextIndex
from nsxkg.web.service import QueryService

HERE = Path(__file__).parent
T = TypeVar("T")


@dataclass
class AppState:
    """Everything a request needs, for one loaded build; built when the app starts and
    replaced whole by a reload (a request keeps the state it started with).

    ``store`` is the in-process read-only handle used by the server's own lookups
    (dereferencing, pages, search): their queries are fixed and bounded. Users' SPARQL goes
    to ``service`` (web/service.py), whose workers can be killed. The text index
    (``text``) is opened in the background (or, for a build loaded without one, made from
    the store), so the server answers before it is ready; a search waits for it.
    """

    settings: Settings
    store: ox.Store
    build: LoadedBuild
    service: QueryService
    templates: Jinja2Templates
    text: Future[TextIndex]
    cache: dict[str, Any] = field(default_factory=dict)  # per-build results (VoID, stats)

    @property
    def index(self) -> TextIndex:
        return self.text.result()

    def memo(self, family: str, key: Hashable, make: Callable[[], T], limit: int = 512) -> T:
        """``make()``, remembered per key (least recently used dropped past ``limit``).

        A build never changes under a running server, so what was computed from it once
        stays right for the life of the process.
        """
        table: OrderedDict[Hashable, Any] = self.cache.setdefault(f"memo:{family}",
                                                                  OrderedDict())
        if key in table:
            table.move_to_end(key)
            value: T = table[key]
            return value
        value = table[key] = make()
        if len(table) > limit:
            table.popitem(last=False)
        return value

    def remembered(self, family: str, key: Hashable) -> Any:
        """What ``memo`` holds for this key, or None; never computes it."""
        table = self.cache.get(f"memo:{family}")
        return None if table is None else table.get(key)

    @property
    def etag_seed(self) -> str:
        return self.build.digest or self.build.path.name

    @cached_property
    def last_modified(self) -> datetime:
        # The build was loaded once and never changes: its BUILD.json time is the data's time
        # (read once: every response's validators need it).
        info = self.build.path / BUILD_INFO
        stamp = info.stat().st_mtime if info.exists() else self.build.path.stat().st_mtime
        return datetime.fromtimestamp(int(stamp), tz=UTC)

    @cached_property
    def last_modified_http(self) -> str:
        """``last_modified`` as the Last-Modified header gives it (RFC 9110 §5.6.7)."""
        return format_datetime(self.last_modified, usegmt=True)


async def get_state(request: Request) -> AppState:
    # async, so FastAPI calls it on the event loop rather than in a thread per request.
    state: AppState = request.app.state.nsxkg
    return state


State = Annotated[AppState, Depends(get_state)]
