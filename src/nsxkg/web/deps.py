"""Request dependencies, as typed aliases, so tests can swap the store for a fixture."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import pyoxigraph as ox
from fastapi import Depends, Request

from nsxkg.config import Settings
from nsxkg.store import LoadedBuild


@dataclass
class AppState:
    settings: Settings
    store: ox.Store
    build: LoadedBuild


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.nsxkg
    return state


State = Annotated[AppState, Depends(get_state)]
