"""Nesta's ESCO → O*NET-SOC 2010 occupation crosswalk (Mapping Career Causeways, Nov 2020).

One row per ESCO level-5 occupation: its best O*NET-SOC **2010** match, the job titles both
share, a semantic similarity and Nesta's confidence (0.5, 1 or 2).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from nsxkg.sources.onet_rows import SOC_CODE
from nsxkg.sources.tabular import PLAIN_NULLS, Row, read_rows

CROSSWALK_FILE = "esco_onet_crosswalk_Nov2020.csv"
_COLUMNS = ("id", "esco_occupation", "isco_code", "onet_code", "onet_occupation",
            "matching_job_titles", "semantic_similarity", "confidence", "concept_uri")
_ESCO_URI = re.compile(r"http://data\.europa\.eu/esco/occupation/[0-9a-f-]{36}")
_ISCO_UNIT = re.compile(r"\d{4}")
CONFIDENCES = frozenset({0.5, 1.0, 2.0})


@dataclass(frozen=True, slots=True)
class NestaMatch:
    esco_uri: str
    esco_label: str
    isco_code: str
    onet_code: str  # O*NET-SOC 2010
    onet_title: str  # lower-case, as Nesta wrote it
    matching_titles: tuple[str, ...]
    similarity: float
    confidence: float  # 0.5, 1 or 2
    row: int = field(compare=False)


def _titles(row: Row, column: str) -> tuple[str, ...]:
    """A Python list literal (``['mayor', 'lord mayor']``) or ``na``. One Nov 2020 row
    (transport planner) holds its ISCO code instead; a bare number means no shared titles."""
    text = row.text_or_none(column)
    if text is None or text.lower() == "na" or text.isdigit():
        return ()
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError) as err:
        raise row.error(column, f"expected a list of titles like ['mayor'], got {text!r}") from err
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise row.error(column, f"expected a list of titles, got {text!r}")
    return tuple(value)


def _match(r: Row) -> NestaMatch:
    confidence = r.real("confidence")
    if confidence not in CONFIDENCES:
        raise r.error("confidence", f"expected 0.5, 1 or 2, got {confidence}")
    similarity = r.real("semantic_similarity")
    if not -1.0 <= similarity <= 1.0:
        raise r.error("semantic_similarity", f"expected a value in [-1, 1], got {similarity}")
    return NestaMatch(
        r.matching("concept_uri", _ESCO_URI, "an ESCO occupation URI"),
        r.text("esco_occupation"),
        r.matching("isco_code", _ISCO_UNIT, "a four-digit ISCO-08 code"),
        r.matching("onet_code", SOC_CODE, "an O*NET-SOC code like 11-2022.00"),
        r.text("onet_occupation"),
        _titles(r, "matching_job_titles"), similarity, confidence, r.number)


def read_nesta(path: Path | str) -> Iterator[NestaMatch]:
    for r in read_rows(Path(path), required=_COLUMNS, nulls=PLAIN_NULLS):
        yield _match(r)
