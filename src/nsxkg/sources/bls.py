"""The BLS ISCO-08 → 2010 SOC crosswalk (2012, updated 2015), TSV export of its sheet.

A title preamble precedes the header; ``part`` is ``*`` where only part of the ISCO unit
group corresponds to the SOC occupation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from nsxkg.sources.tabular import PLAIN_NULLS, read_rows

CROSSWALK_FILE = "ISCO-08_to_2010_SOC.tsv"
_COLUMNS = ("ISCO-08 Code", "ISCO-08 Title EN", "part", "2010 SOC Code", "2010 SOC Title")
ISCO_CODE = re.compile(r"\d{3,4}")  # a few rows match a 3-digit minor group
SOC2010_CODE = re.compile(r"\d{2}-\d{4}")


@dataclass(frozen=True, slots=True)
class IscoToSoc:
    isco_code: str  # ISCO-08 unit group, e.g. "1221"
    isco_title: str
    partial: bool
    soc_code: str  # SOC 2010 detailed occupation, e.g. "11-2022"
    soc_title: str
    row: int = field(compare=False)


def read_isco_to_soc(path: Path | str) -> Iterator[IscoToSoc]:
    for r in read_rows(Path(path), header_starts=_COLUMNS[0], nulls=PLAIN_NULLS,
                       required=_COLUMNS):
        part = r.text_or_none("part")
        if part not in (None, "*"):
            raise r.error("part", f"expected '*' or an empty cell, got {part!r}")
        yield IscoToSoc(r.matching(_COLUMNS[0], ISCO_CODE, "an ISCO-08 code like 1221"),
                        r.text(_COLUMNS[1]), part == "*",
                        r.matching(_COLUMNS[3], SOC2010_CODE, "a SOC 2010 code like 11-2022"),
                        r.text(_COLUMNS[4]), r.number)
