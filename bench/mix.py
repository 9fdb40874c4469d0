"""The workload: the light example queries with their default parameters, and the IRIs
dereferenced in the linked-data run.

Every system gets the same query text: the catalogue's, whose parameters' defaults sit in a
``VALUES`` block at the top of ``WHERE`` (plain SPARQL 1.1, so every engine binds them the
same way; a system-specific binding API such as oxigraph's ``substitutions`` would not be
comparable).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.loadgen import Call
from nsxkg.catalogue import parse_query
from nsxkg.errors import InputError

# The light ones of issue 7: lookups, one occupation's statements, label search, ratings above
# a threshold and a few aggregates, from queries/examples/.
# occupation-by-alternate-title is left out: it scans every alternate title with a
# case-folding FILTER (0.85 s on the full graph), a search rather than a lookup; and
# occupations-by-skill-importance, which ranks every occupation's rating of one element
# (1.0-2.2 s on the full graph in both oxigraph and nsxkg): near the --light-ms limit, it
# would be in one run's mix and not the next. top-skills stands for the ratings.
LIGHT = (
    "occupation-by-code",            # lookup
    "occupation-by-title",           # label search
    "statements-at-level",           # one occupation's statements
    "provenance-of-a-statement",     # one statement's provenance
    "levels-in-order",               # small ordered listing
    "ai-use-by-source",              # aggregate
    "durable-statements-per-domain-level",  # aggregate
    "framework-sources",             # aggregate
    "top-skills",                    # an occupation's ratings, by importance
)

SPARQL_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"


@dataclass(frozen=True)
class MixQuery:
    name: str
    form: str
    text: str  # with its default parameters bound

    @property
    def accept(self) -> str:
        return NTRIPLES if self.form in ("CONSTRUCT", "DESCRIBE") else SPARQL_JSON


def load_mix(queries_dir: Path, names: tuple[str, ...] = LIGHT
             ) -> tuple[list[MixQuery], dict[str, str]]:
    """The queries found, with their default parameters (the catalogue keeps them in a
    VALUES block at the top of WHERE), and the names skipped with the reason."""
    mix, skipped = [], {}
    for name in names:
        path = queries_dir / "examples" / f"{name}.rq"
        if not path.is_file():
            skipped[name] = "not in queries/examples/"
            continue
        try:
            query = parse_query(path, "examples")
        except InputError as err:
            skipped[name] = str(err)
            continue
        mix.append(MixQuery(name, query.form, query.bound_text()))
    return mix, skipped


def query_calls(mix: list[MixQuery], endpoint: str) -> list[Call]:
    return [Call(q.name, "GET", endpoint, params={"query": q.text},
                 headers={"Accept": q.accept}) for q in mix]


# Resources dereferenced in the linked-data run: an occupation (with hundreds of incoming
# ratings on the full graph), a statement and an O*NET skill.
DEREFERENCED = {
    "occupation": "occupation/11-2022.00",
    "statement": "statement/11-2022.00/ai-use/developing/1",
    "skill": "element/2.B.1.a",
}
DOCUMENT_ACCEPT = {"ttl": "text/turtle", "html": "text/html"}


def linked_data_calls(base_url: str, *, with_skill: bool = True) -> list[Call]:
    calls = []
    for kind, path in DEREFERENCED.items():
        if kind == "skill" and not with_skill:
            continue
        calls.append(Call(f"{kind} 303", "GET", f"{base_url}/id/{path}",
                          headers={"Accept": "text/turtle"}))
        for suffix, accept in DOCUMENT_ACCEPT.items():
            calls.append(Call(f"{kind} {suffix}", "GET", f"{base_url}/doc/{path}",
                              headers={"Accept": accept}))
    return calls
