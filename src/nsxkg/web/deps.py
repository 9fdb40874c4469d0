"""Request dependencies, as typed aliases, so tests can swap the store for a fixture."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import pyoxigraph as ox
from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from nsxkg.config import Settings
from nsxkg.store import BUILD_INFO, LoadedBuild
from nsxkg.web.search import LabelIndex
from nsxkg.web.workers import WorkerPool

HERE = Path(__file__).parent
T = TypeVar("T")


@dataclass
class AppState:
    """Everything a request needs; built once when the app starts.

    ``store`` is the in-process read-only handle used by the server's own lookups
    (dereferencing, pages, search): their queries are fixed and bounded. Users' SPARQL goes
    to ``pool``, whose workers can be killed.
    """

    settings: Settings
    store: ox.Store
    build: LoadedBuild
    pool: WorkerPool
    templates: Jinja2Templates
    index: LabelIndex
    cache: dict[str, Any] = field(default_factory=dict)  # per-build results (VoID, stats)

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

    @property
    def etag_seed(self) -> str:
        return self.build.digest or self.build.path.name

    @property
    def last_modified(self) -> datetime:
        # The build was loaded once and never changes: its BUILD.json time is the data's time.
        info = self.build.path / BUILD_INFO
        stamp = info.stat().st_mtime if info.exists() else self.build.path.stat().st_mtime
        return datetime.fromtimestamp(int(stamp), tz=UTC)


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.nsxkg
    return state


State = Annotated[AppState, Depends(get_state)]
