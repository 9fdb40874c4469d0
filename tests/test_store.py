"""What `nsxkg load` computes once per build so that servers do not: the search index and
the VoID partitions, equal to computing them from the store."""

from __future__ import annotations

from typing import Any

from nsxkg import labels, partitions
from nsxkg.web.search import LabelIndex


def test_load_keeps_the_search_index_beside_the_build(loaded: Any) -> None:
    path = loaded.build.path / labels.LABELS_FILE
    assert path.is_file()
    kept, counted = LabelIndex.open(path), LabelIndex.from_store(loaded.store)
    assert len(kept) == len(counted) > 0
    for query in ("sales man", "negotiation", "man", "s", "11-2022"):
        assert kept.search(query, limit=50) == counted.search(query, limit=50)
    assert LabelIndex.for_build(loaded.store, loaded.build.path).search("sales managers")[0] \
        .iri.endswith("/occupation/11-2022.00")


def test_load_keeps_the_void_partitions_beside_the_build(loaded: Any) -> None:
    assert (loaded.build.path / partitions.PARTITIONS_FILE).is_file()
    assert partitions.for_build(loaded.store, loaded.build.path) == partitions.count(
        loaded.store)


def test_a_build_loaded_without_them_still_serves(loaded: Any, tmp_path: Any) -> None:
    # An older build directory (no files kept): both are computed from the store instead.
    assert partitions.for_build(loaded.store, tmp_path) == partitions.count(loaded.store)
    assert len(LabelIndex.for_build(loaded.store, tmp_path)) == len(
        LabelIndex.open(loaded.build.path / labels.LABELS_FILE))
