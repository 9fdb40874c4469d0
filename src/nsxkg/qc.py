"""Quality-control checks: SPARQL queries under ``queries/qc/`` named ``*-violation.rq``.

Each check selects offending resources, one per row: ``?focus`` (the resource), and
optionally ``?value`` (the offending value) and ``?message``. Any row is a violation;
``nsxkg validate`` reports them beside the SHACL ones, named by the check.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from nsxkg.catalogue import Query, load_catalogue
from nsxkg.query import run

SUFFIX = "-violation"


@dataclass(frozen=True)
class Finding:
    check: str  # the query's name, e.g. statement-without-source-violation
    title: str
    source: str  # queries/qc/<name>.rq
    focus: str
    value: str | None
    message: str


def checks(queries_dir: Path) -> list[Query]:
    """The QC queries: every ``queries/qc/*-violation.rq``."""
    return [q for q in load_catalogue(queries_dir).qc if q.name.endswith(SUFFIX)]


def run_check(store: ox.Store, check: Query) -> list[Finding]:
    result = run(store, check.text, substitutions=check.bind())
    if not isinstance(result, ox.QuerySolutions):
        raise ValueError(f"{check.path}: a quality-control check must be a SELECT query")
    names = {v.value for v in result.variables}
    found = []
    for row in result:
        focus = row["focus"] if "focus" in names else row[0]
        value = row["value"] if "value" in names else None
        message = row["message"] if "message" in names else None
        found.append(Finding(check.name, check.title, f"queries/qc/{check.path.name}",
                             _text(focus), _text(value) if value is not None else None,
                             f"{check.title}: {_text(message)}" if message is not None
                             else check.title))
    return sorted(found, key=lambda f: (f.focus, f.value or ""))


def run_checks(store: ox.Store, queries_dir: Path) -> list[Finding]:
    return [f for check in checks(queries_dir) for f in run_check(store, check)]


def _text(term: object) -> str:
    return "" if term is None else str(getattr(term, "value", term))
