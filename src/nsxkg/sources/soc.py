"""The BLS 2018 SOC definitions and direct-match title files (TSV or xlsx).

Both files open with a few lines of title text; the header is found by its first cell.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from nsxkg.sources.tabular import PLAIN_NULLS, Row, read_rows

DEFINITIONS_FILE = "soc_2018_definitions.tsv"
DIRECT_MATCH_FILE = "soc_2018_direct_match_title_file.tsv"

SOC_2018_CODE = re.compile(r"\d{2}-\d{4}")
LEVELS = ("Major", "Minor", "Broad", "Detailed")


@dataclass(frozen=True, slots=True)
class SocGroup:
    level: str  # "Major", "Minor", "Broad" or "Detailed"
    code: str  # e.g. "11-1011"
    title: str
    definition: str | None  # only detailed occupations have one
    parent: str | None  # code of the enclosing group; None for major groups
    row: int = field(compare=False)


@dataclass(frozen=True, slots=True)
class DirectMatchTitle:
    code: str
    soc_title: str
    title: str
    illustrative_example: bool  # marked "x" in the file
    row: int = field(compare=False)


def _code(row: Row, column: str) -> str:
    return row.matching(column, SOC_2018_CODE, "a 2018 SOC code like 11-1011")


def read_definitions(path: Path | str) -> Iterator[SocGroup]:
    """The SOC hierarchy in file order; ``parent`` comes from that order, which BLS keeps
    strictly nested (each group follows the group that contains it)."""
    rows = read_rows(Path(path), header_starts="SOC Group", nulls=PLAIN_NULLS,
                     required=("SOC Group", "SOC Code", "SOC Title", "SOC Definition"))
    # The most recent code seen at each level: a group's parent is the nearest one above it.
    open_groups: dict[int, str] = {}
    for r in rows:
        level = r.text("SOC Group")
        if level not in LEVELS:
            raise r.error("SOC Group", f"expected one of {', '.join(LEVELS)}, got {level!r}")
        depth = LEVELS.index(level)
        code = _code(r, "SOC Code")
        parent = next((open_groups[d] for d in range(depth - 1, -1, -1) if d in open_groups),
                      None)
        if depth > 0 and parent is None:
            raise r.error("SOC Group", f"{level} group {code} appears before any major group")
        for deeper in [d for d in open_groups if d >= depth]:
            del open_groups[deeper]
        open_groups[depth] = code
        yield SocGroup(level, code, r.text("SOC Title"), r.text_or_none("SOC Definition"),
                       parent, r.number)


def read_direct_match_titles(path: Path | str) -> Iterator[DirectMatchTitle]:
    columns = ("2018 SOC Code", "2018 SOC Title", "2018 SOC Direct Match Title",
               "Illustrative Example")
    for r in read_rows(Path(path), header_starts=columns[0], nulls=PLAIN_NULLS,
                       required=columns):
        example = r.text_or_none("Illustrative Example")
        if example is not None and example.lower() != "x":
            raise r.error("Illustrative Example", f"expected 'x' or blank, got {example!r}")
        yield DirectMatchTitle(_code(r, "2018 SOC Code"), r.text("2018 SOC Title"),
                               r.text("2018 SOC Direct Match Title"), example is not None,
                               r.number)
