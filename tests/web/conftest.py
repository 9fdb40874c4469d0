"""Web-test fixtures: one server for the session, over the framework graph that the
top-level fixture ``loaded`` built, validated and loaded."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from web.web_helpers import Server, serve


# `loaded` is the top-level conftest's Loaded (typed Any: `conftest` names two modules).
@pytest.fixture(scope="session")
def server(loaded: Any) -> Iterator[Server]:
    with serve(loaded.settings.with_overrides(pool_size=2, query_timeout=10.0)) as running:
        yield running


@pytest.fixture(scope="session")
def base_url(server: Server) -> str:
    return server.url


@pytest.fixture(scope="session")
def releases_url(loaded_releases: Any) -> Iterator[str]:
    """A server over two releases of one test framework (tests/data/frameworks/releases)."""
    with serve(loaded_releases.settings.with_overrides(pool_size=1)) as running:
        yield running.url
