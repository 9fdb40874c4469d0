"""One diff, three ways: `nsxkg diff` (frameworks/diff.py), the example query, the pages."""

from __future__ import annotations

import pyoxigraph as ox

from nsxkg.catalogue import load_catalogue
from nsxkg.config import PROJECT_ROOT
from nsxkg.frameworks import diff as fdiff
from nsxkg.iris import Iris
from nsxkg.query import run
from support import Loaded


def test_example_query_agrees_with_the_diff(loaded_releases: Loaded) -> None:
    store = loaded_releases.store
    iris = Iris(loaded_releases.settings.base_iri)
    expected = {(c.change, c.kind, c.key, c.level_from, c.level_to) for c in fdiff.diff(
        fdiff.from_store(store, iris, "15-1252.00", "v.0.1"),
        fdiff.from_store(store, iris, "15-1252.00", "v.0.2"))}
    query = next(q for q in load_catalogue(PROJECT_ROOT / "queries").examples
                 if q.name == "framework-diff")
    for old, new in (("v.0.1", "v.0.2"), ("v.0.2", "v.0.1"), ("v.0.2", "v.0.2")):
        result = run(store, query.bound_text({"from": old, "to": new}))
        assert isinstance(result, ox.QuerySolutions)
        got = {(r["change"].value, r["kind"].value, r["key"].value,  # type: ignore[union-attr]
                r["fromLevel"].value if r["fromLevel"] else None,  # type: ignore[union-attr]
                r["toLevel"].value if r["toLevel"] else None)  # type: ignore[union-attr]
               for r in result}
        want = {(c.change, c.kind, c.key, c.level_from, c.level_to) for c in fdiff.diff(
            fdiff.from_store(store, iris, "15-1252.00", old),
            fdiff.from_store(store, iris, "15-1252.00", new))}
        assert got == want, (old, new)
    assert {c[0] for c in expected} == {"added", "removed", "reworded", "moved"}


def test_diff_of_files_equals_diff_of_the_store(loaded_releases: Loaded) -> None:
    from nsxkg.frameworks.loader import load_framework

    folder = loaded_releases.settings.frameworks / "15-1252.00"
    files = fdiff.diff(fdiff.from_framework(load_framework(folder / "v.0.1.yaml")),
                       fdiff.from_framework(load_framework(folder / "v.0.2.yaml")))
    iris = Iris(loaded_releases.settings.base_iri)
    stored = fdiff.diff(fdiff.from_store(loaded_releases.store, iris, "15-1252.00", "v.0.1"),
                        fdiff.from_store(loaded_releases.store, iris, "15-1252.00", "v.0.2"))
    strip = [(c.change, c.kind, c.key, c.level_from, c.level_to) for c in files]
    assert strip == [(c.change, c.kind, c.key, c.level_from, c.level_to) for c in stored]
