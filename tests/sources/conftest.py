"""Locating the source-release mirror: NSXKG_SOURCES, or skip the tests that need it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "sources"


def locate_sources() -> Path | None:
    """The mirror directory named by NSXKG_SOURCES, or None when unset or missing."""
    value = os.environ.get("NSXKG_SOURCES", "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    return path if path.is_dir() else None


@pytest.fixture(scope="session")
def sources_dir() -> Path:
    path = locate_sources()
    if path is None:
        value = os.environ.get("NSXKG_SOURCES")
        reason = ("NSXKG_SOURCES is not set" if not value
                  else f"NSXKG_SOURCES={value} is not a directory")
        pytest.skip(f"{reason}; point it at the source-release mirror to run these tests")
    return path


@pytest.fixture(scope="session")
def mirror(sources_dir: Path) -> Callable[[str], Path]:
    """``mirror("onet/29.0_text")``: a folder or file of the mirror; skips when it is absent."""

    def locate(relative: str) -> Path:
        path = sources_dir / relative
        if not path.exists():
            pytest.skip(f"{relative} is not in the mirror at {sources_dir}")
        return path

    return locate


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES
