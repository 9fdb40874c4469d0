"""The 2020 CIP to O*NET-SOC 2019 education crosswalk (TSV or xlsx) from O*NET."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from nsxkg.sources.onet_rows import SOC_CODE
from nsxkg.sources.tabular import PLAIN_NULLS, read_rows

CROSSWALK_FILE = "Education_CIP_to_ONET_SOC.tsv"

CIP_CODE = re.compile(r"\d{2}\.\d{4}")
_COLUMNS = ("2020 CIP Code", "2020 CIP Title", "O*NET-SOC 2019 Code", "O*NET-SOC 2019 Title")


@dataclass(frozen=True, slots=True)
class CipToSoc:
    cip_code: str  # e.g. "01.0000", kept as text: the leading zero matters
    cip_title: str
    code: str  # O*NET-SOC 2019, e.g. "19-1011.00"
    soc_title: str
    row: int = field(compare=False)


def read_cip_to_onet_soc(path: Path | str) -> Iterator[CipToSoc]:
    """Rows of the crosswalk; two title lines precede the header."""
    for r in read_rows(Path(path), header_starts=_COLUMNS[0], nulls=PLAIN_NULLS,
                       required=_COLUMNS):
        yield CipToSoc(
            r.matching(_COLUMNS[0], CIP_CODE, "a CIP code like 01.0000"), r.text(_COLUMNS[1]),
            r.matching(_COLUMNS[2], SOC_CODE, "an O*NET-SOC code like 11-2022.00"),
            r.text(_COLUMNS[3]), r.number,
        )
