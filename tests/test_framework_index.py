"""The framework pages' data: kept by `nsxkg load` (frameworks.sqlite) or read from the store,
the same either way."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from nsxkg.framework_index import FILE, LAYOUT, FrameworkIndex
from support import Loaded


def test_kept_index_equals_what_the_store_gives(loaded_releases: Loaded) -> None:
    store, base = loaded_releases.store, loaded_releases.settings.base_iri
    kept = FrameworkIndex.for_build(store, base, loaded_releases.build.path)
    assert (loaded_releases.build.path / FILE).exists() and kept._db is not None
    live = FrameworkIndex(store, base, None)
    assert [(e.code, e.title, [r.version for r in e.releases]) for e in kept.catalog()] == \
        [(e.code, e.title, [r.version for r in e.releases]) for e in live.catalog()] == \
        [("15-1252.00", "Software Developers", ["v.0.1", "v.0.2"])]
    for version in ("v.0.1", "v.0.2"):
        assert kept.view("15-1252.00", version) == live.view("15-1252.00", version)
        assert kept.changes("15-1252.00", version) == live.changes("15-1252.00", version)
    assert kept.changes("15-1252.00", "v.0.1") == []
    assert {c["change"] for c in kept.changes("15-1252.00", "v.0.2")} == {
        "added", "removed", "reworded", "moved"}
    assert kept.view("15-1252.00", "v.9") is None and kept.entry("00-0000.00") is None


def test_seed_release_page_data(loaded: Loaded) -> None:
    index = FrameworkIndex.for_build(loaded.store, loaded.settings.base_iri, loaded.build.path)
    view = index.view("11-2022.00", "v.26.05")
    assert view is not None
    assert [b["role"] for b in view["mastery"]] == [
        "Entry / Apprentice", "Mid-level / Established", "Senior / Expert IC",
        "Lead / Principal / Executive"]
    assert sum(len(b["statements"]) for b in view["mastery"]) == 40
    assert sum(d["count"] for d in view["domains"]) == 108
    assert view["evidence"]["observations"] == "607" and view["evidence"]["uChip"] == \
        "Anthropic Economic Index"
    assert view["anchor_count"] == 65


def test_statements_carry_their_page_anchor(loaded: Loaded) -> None:
    index = FrameworkIndex.for_build(loaded.store, loaded.settings.base_iri, loaded.build.path)
    view = index.view("11-2022.00", "v.26.05")
    assert view is not None
    mastery = [s["anchor"] for b in view["mastery"] for s in b["statements"]]
    assert "mastery-customer-complaint-records" in mastery and len(set(mastery)) == 40
    durable = [s for d in view["domains"] for b in d["levels"] for s in b["statements"]]
    assert all(s["anchor"] == "-".join(s["iri"].rsplit("/", 2)[-2:]) for s in durable)


def test_a_file_of_another_layout_is_ignored(loaded_releases: Loaded, tmp_path: Path) -> None:
    """Its views lack what the pages now need: the store is read instead until a load
    rewrites it."""
    store, base = loaded_releases.store, loaded_releases.settings.base_iri
    kept = tmp_path / FILE
    shutil.copyfile(loaded_releases.build.path / FILE, kept)
    assert FrameworkIndex(store, base, kept)._db is not None
    with sqlite3.connect(kept) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == LAYOUT
        db.execute(f"PRAGMA user_version = {LAYOUT - 1}")
        db.execute("DELETE FROM release")  # what is left must not be read
    stale = FrameworkIndex(store, base, kept)
    assert stale._db is None
    live = FrameworkIndex(store, base, None)
    assert stale.view("15-1252.00", "v.0.2") == live.view("15-1252.00", "v.0.2") is not None
    assert [e.code for e in stale.catalog()] == ["15-1252.00"]
