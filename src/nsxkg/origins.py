"""Where each resource of a build came from: the build's origins table (``origins.tsv``).

Recorded while the build converts its inputs, and read by validation, so a violation names
the framework file and line, or the source file and row, to fix. One tab-separated row per
resource, and, for the resources the framework files describe together (an occupation, a
task, an O*NET element two releases anchor to), one row per distinct value with the first
place that states it, so a conflict between two files names both::

    subject  TAB  where
    subject  TAB  where  TAB  predicate  TAB  value (N-Triples)

``where`` is ``file, row N`` for a source release, ``file, line N (field.path)`` for a
framework file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

ORIGINS = "origins.tsv"


@dataclass(frozen=True)
class Origin:
    where: str
    predicate: str | None = None
    value: str | None = None


def row(subject: str, where: str, predicate: str | None = None,
        value: str | None = None) -> str:
    tail = f"\t{predicate}\t{_one_line(value or '')}" if predicate else ""
    return f"{subject}\t{_one_line(where)}{tail}\n"


def write_rows(out: TextIO, rows: Iterable[str]) -> None:
    out.writelines(rows)


def read(build_dir: Path, focus: set[str]) -> dict[str, list[Origin]]:
    """Every recorded origin of the given resources."""
    found: dict[str, list[Origin]] = {}
    path = build_dir / ORIGINS
    if not focus or not path.exists():
        return found
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            subject, _, rest = line.rstrip("\n").partition("\t")
            if subject not in focus:
                continue
            where, _, fact = rest.partition("\t")
            predicate, _, value = fact.partition("\t")
            found.setdefault(subject, []).append(Origin(where, predicate or None, value or None))
    return found


def describe(origins: list[Origin], path: str | None, value: str | None) -> str | None:
    """The places to name for a violation: those stating the offending value, else those
    stating the property at fault, else where the resource was first described."""
    if not origins:
        return None
    plain = [o for o in origins if o.predicate is None]
    facts = [o for o in origins if o.predicate is not None]
    if path is not None:
        on_path = [o for o in facts if o.predicate == path]
        chosen = [o for o in on_path if value is not None and _same(o.value, value)] or on_path
        if chosen:
            if len(chosen) == 1:
                return chosen[0].where
            return "; ".join(f"{o.where} says {o.value}" for o in chosen)
    if value is not None:
        stating = [o for o in facts if _same(o.value, value)]
        if stating:
            return stating[0].where
    first = plain[0] if plain else facts[0]
    return first.where


def _same(recorded: str | None, value: str) -> bool:
    if recorded is None:
        return False
    # Reports give a literal's lexical form or an IRI; the table keeps N-Triples.
    return recorded == value or recorded.strip("<>") == value or \
        recorded.startswith(f'"{value}"')


def _one_line(text: str) -> str:
    return text.replace("\t", " ").replace("\n", " ")
