"""One NSX page being read: its lines, what it has been found to say so far, and where.

Shared by the page reader (nsx_page.py) and the reading of its citations (citations.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nsxkg.errors import InputError
from nsxkg.frameworks.loader import LineMap
from nsxkg.frameworks.model import Reference
from nsxkg.importers.onet_names import OnetNames

# Lines a page carries that say nothing about the framework.
BOILERPLATE = (re.compile(r"Authoritative source data identified for [\d,]+ occupations"),)
# Where the page runs two names together: a lower-case letter, digit or bracket, then a capital.
GLUE = re.compile(r"(?<=[a-z0-9)])(?=[A-Z])")

# (kind, title) and (kind, text) of a previous release's statements → their keys
Keys = dict[tuple[str, str], str]


@dataclass
class Chip:
    """How a page cites one source: the chip's label and the edition's title."""

    key: str
    label: str
    title: str


@dataclass
class Page:
    """A page's lines and what reading them has found: the page line of each field of the
    release file (``at``), the sources it lists, how it cites them, the keys given."""

    path: Path
    lines: list[str]
    names: OnetNames
    reference: Reference
    keys: Keys
    at: LineMap = field(default_factory=dict)
    sources: list[dict[str, Any]] = field(default_factory=list)
    chips: dict[str, Chip] = field(default_factory=dict)
    used_keys: set[str] = field(default_factory=set)

    def fail(self, line: int, message: str) -> InputError:
        return InputError.at(self.path, message, line=line)

    def find(self, start: int, predicate: Callable[[str], bool], what: str) -> int:
        for i in range(start, len(self.lines)):
            if predicate(self.lines[i]):
                return i
        raise self.fail(start + 1, f"expected {what} further down the page; it is missing")

    def nonblank(self, start: int, end: int) -> Iterator[int]:
        for i in range(start, end):
            text = self.lines[i].strip()
            if text and not any(b.fullmatch(text) for b in BOILERPLATE):
                yield i
