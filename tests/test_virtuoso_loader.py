"""The Virtuoso bulk loader's bookkeeping (virtuoso.bulk_load) without a server: a file that
a parallel loader lost to another is loaded again alone; one that fails alone is reported."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nsxkg.virtuoso import Isql, VirtuosoError, bulk_load

RACE = "23000 SR197: Non unique primary key on DB.DBA.RDF_LANGUAGE."


class FakeIsql(Isql):
    """Answers load_list reports from a script of rounds: each round, file -> error."""

    def __init__(self, rounds: list[dict[str, str]]):
        self.rounds = rounds
        self.loaders_per_round: list[int] = []
        self.listed: list[list[str]] = []
        self._started = 0

    def run(self, script: str) -> str:
        if "ld_add(" in script:
            self.listed.append([line.split("'")[1] for line in script.splitlines()
                                if line.startswith("ld_add(")])
            self._started = 0
            return ""
        if "load_list WHERE ll_file IN" in script:
            self.loaders_per_round.append(self._started)
            errors = self.rounds[len(self.loaders_per_round) - 1]
            return "\n".join(f"NSXKG|{f}|2|10|{errors.get(f, '')}" for f in self.listed[-1])
        return ""

    def start(self, statement: str) -> Any:
        assert statement == "rdf_loader_run();"
        self._started += 1
        return None

    def finish(self, process: Any) -> None:
        pass


GRAPHS = [("https://example.org/g/a", Path("/data/a.nq")),
          ("https://example.org/g/b", Path("/data/b.nq"))]


def test_a_file_lost_to_a_parallel_loader_is_loaded_again_alone() -> None:
    isql = FakeIsql([{"/data/b.nq": RACE}, {}])
    loaded = bulk_load(isql, GRAPHS, loaders=2)
    assert set(loaded) == {iri for iri, _ in GRAPHS}
    assert isql.loaders_per_round == [2, 1]
    assert isql.listed == [["/data/a.nq", "/data/b.nq"], ["/data/b.nq"]]


def test_a_file_that_fails_alone_too_is_reported() -> None:
    isql = FakeIsql([{"/data/b.nq": RACE}, {"/data/b.nq": "FA016: cannot open"}])
    with pytest.raises(VirtuosoError, match=r"/data/b\.nq .*FA016: cannot open"):
        bulk_load(isql, GRAPHS, loaders=2)


def test_every_file_loaded_at_once_needs_no_second_round() -> None:
    isql = FakeIsql([{}])
    assert len(bulk_load(isql, GRAPHS, loaders=2)) == 2
    assert isql.loaders_per_round == [2]
