"""Each quality-control check fires on its fixture, and the real build passes them all."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from nsxkg.config import PROJECT_ROOT
from nsxkg.qc import checks, run_check
from support import DATA, Loaded

CHECKS = checks(PROJECT_ROOT / "queries")


def test_there_are_checks() -> None:
    assert len(CHECKS) >= 5
    assert all(c.name.endswith("-violation") for c in CHECKS)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.name)
def test_check_fires_on_its_fixture(check) -> None:  # type: ignore[no-untyped-def]
    # TriG where the check looks at named graphs (GRAPH ?g), Turtle otherwise.
    fixtures = [DATA / "qc" / f"{check.name}{suffix}" for suffix in (".ttl", ".trig")]
    fixture = next((f for f in fixtures if f.exists()), fixtures[0])
    assert fixture.exists(), f"{check.path} has no fixture {fixture}"
    store = ox.Store()
    store.load(path=fixture, format=ox.RdfFormat.TRIG if fixture.suffix == ".trig"
               else ox.RdfFormat.TURTLE)
    found = run_check(store, check)
    assert found, f"{check.name} did not fire on {fixture.name}"
    assert all(f.check == check.name and f.focus for f in found)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.name)
def test_framework_build_passes(check, loaded: Loaded) -> None:  # type: ignore[no-untyped-def]
    assert run_check(loaded.store, check) == []
