"""The ESCO classification's English CSV export (v1.2.0 layout).

Multi-valued cells hold one value per line (labels) or a comma-and-newline separated list
(``inScheme``, ``hasTopConcept``); both are returned as tuples. The version comes from the
directory name (``v1.2.0``) unless ``version=`` is given.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from nsxkg.errors import InputError
from nsxkg.sources.tabular import PLAIN_NULLS, AbsentFile, Parser, Row, TableFile, read_rows

T = TypeVar("T")

__all__ = [
    "AbsentFile", "BroaderRelation", "ConceptScheme", "EscoOccupation", "EscoRelease", "IscoGroup",
]

OCCUPATIONS = "occupations_en.csv"
ISCO_GROUPS = "ISCOGroups_en.csv"
BROADER_OCCUPATIONS = "broaderRelationsOccPillar_en.csv"
CONCEPT_SCHEMES = "conceptSchemes_en.csv"

_VERSION = re.compile(r"v?(\d+\.\d+(?:\.\d+)?)")
_URI = re.compile(r"https?://\S+")
_ISCO_UNIT = re.compile(r"\d{4}")
_ISCO_CODE = re.compile(r"\d{1,4}")
# An ESCO occupation code extends its ISCO unit group: 2654.1.7.
_OCCUPATION_CODE = re.compile(r"\d{4}(?:\.\d+)+")
_LIST_SEPARATOR = re.compile(r"[,\n]")


def _lines(row: Row, column: str) -> tuple[str, ...]:
    return tuple(s for s in (p.strip() for p in (row.text_or_none(column) or "").split("\n")) if s)


def _uris(row: Row, column: str) -> tuple[str, ...]:
    parts = (p.strip() for p in _LIST_SEPARATOR.split(row.text_or_none(column) or ""))
    uris = tuple(p for p in parts if p)
    for uri in uris:
        if not _URI.fullmatch(uri):
            raise row.error(column, f"expected a list of URIs, got {uri!r}")
    return uris


def _uri(row: Row, column: str) -> str:
    return row.matching(column, _URI, "a URI")


def _timestamp(row: Row, column: str) -> datetime:
    value = row.text(column)
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise row.error(column, f"expected an ISO 8601 timestamp, got {value!r}") from None


def _concept_type(row: Row, column: str, expected: str) -> None:
    value = row.text(column)
    if value != expected:
        raise row.error(column, f"expected {expected!r}, got {value!r}")


@dataclass(frozen=True, slots=True)
class EscoOccupation:
    uri: str
    isco_group: str  # the ISCO-08 unit group code, e.g. "2654"
    preferred_label: str
    alt_labels: tuple[str, ...]
    hidden_labels: tuple[str, ...]
    status: str
    modified: datetime
    regulated_profession_note: str | None  # a URI: .../regulated-professions/(un)regulated
    scope_note: str | None
    definition: str | None
    in_scheme: tuple[str, ...]
    description: str | None
    code: str  # e.g. "2654.1.7"
    row: int = field(compare=False)


def _occupation(r: Row) -> EscoOccupation:
    _concept_type(r, "conceptType", "Occupation")
    return EscoOccupation(
        _uri(r, "conceptUri"), r.matching("iscoGroup", _ISCO_UNIT, "a 4-digit ISCO code"),
        r.text("preferredLabel"), _lines(r, "altLabels"), _lines(r, "hiddenLabels"),
        r.text("status"), _timestamp(r, "modifiedDate"),
        r.text_or_none("regulatedProfessionNote"), r.text_or_none("scopeNote"),
        r.text_or_none("definition"), _uris(r, "inScheme"), r.text_or_none("description"),
        r.matching("code", _OCCUPATION_CODE, "an ESCO occupation code like 2654.1.7"), r.number,
    )


OCCUPATION = Parser(
    ("conceptType", "conceptUri", "iscoGroup", "preferredLabel", "altLabels", "hiddenLabels",
     "status", "modifiedDate", "regulatedProfessionNote", "scopeNote", "definition", "inScheme",
     "description", "code"),
    _occupation,
)


@dataclass(frozen=True, slots=True)
class IscoGroup:
    uri: str
    code: str  # 1 to 4 digits; the major groups are "0" to "9"
    preferred_label: str
    status: str
    alt_labels: tuple[str, ...]
    in_scheme: tuple[str, ...]
    description: str | None
    row: int = field(compare=False)


def _isco_group(r: Row) -> IscoGroup:
    _concept_type(r, "conceptType", "ISCOGroup")
    return IscoGroup(
        _uri(r, "conceptUri"), r.matching("code", _ISCO_CODE, "an ISCO-08 code"),
        r.text("preferredLabel"), r.text("status"), _lines(r, "altLabels"),
        _uris(r, "inScheme"), r.text_or_none("description"), r.number,
    )


ISCO_GROUP = Parser(
    ("conceptType", "conceptUri", "code", "preferredLabel", "status", "altLabels", "inScheme",
     "description"),
    _isco_group,
)


@dataclass(frozen=True, slots=True)
class BroaderRelation:
    """``uri`` skos:broader ``broader_uri``; types are "Occupation" or "ISCOGroup"."""

    concept_type: str
    uri: str
    broader_type: str
    broader_uri: str
    row: int = field(compare=False)


def _broader(r: Row) -> BroaderRelation:
    return BroaderRelation(r.text("conceptType"), _uri(r, "conceptUri"), r.text("broaderType"),
                           _uri(r, "broaderUri"), r.number)


BROADER = Parser(("conceptType", "conceptUri", "broaderType", "broaderUri"), _broader)


@dataclass(frozen=True, slots=True)
class ConceptScheme:
    uri: str
    preferred_label: str
    title: str | None
    status: str | None
    description: str | None
    top_concepts: tuple[str, ...]
    row: int = field(compare=False)


def _concept_scheme(r: Row) -> ConceptScheme:
    _concept_type(r, "conceptType", "ConceptScheme")
    return ConceptScheme(
        _uri(r, "conceptSchemeUri"), r.text("preferredLabel"), r.text_or_none("title"),
        r.text_or_none("status"), r.text_or_none("description"), _uris(r, "hasTopConcept"),
        r.number,
    )


CONCEPT_SCHEME = Parser(
    ("conceptType", "conceptSchemeUri", "preferredLabel", "title", "status", "description",
     "hasTopConcept"),
    _concept_scheme,
)


class EscoRelease:
    """An ESCO CSV export directory; each reader raises ``AbsentFile`` if its file is missing."""

    def __init__(self, directory: Path, version: str):
        self.directory = directory
        self.version = version

    @classmethod
    def open(cls, path: Path | str, *, version: str | None = None) -> EscoRelease:
        directory = Path(path)
        if not directory.is_dir():
            raise InputError.at(directory, "expected an ESCO CSV export directory")
        if version is None:
            m = _VERSION.fullmatch(directory.name)
            if m is None:
                raise InputError.at(directory, "cannot tell the ESCO version from the directory "
                                               "name (expected like v1.2.0); pass version=")
            version = m.group(1)
        return cls(directory, version)

    def __repr__(self) -> str:
        return f"EscoRelease({self.directory!s}, version={self.version!r})"

    @property
    def label(self) -> str:
        return f"ESCO v{self.version}"

    def has(self, name: str) -> bool:
        return (self.directory / name).is_file()

    def table(self, name: str) -> TableFile:
        if not self.has(name):
            raise AbsentFile(self.label, name)
        return TableFile(self.directory / name)

    def _read(self, name: str, parser: Parser[T]) -> Iterator[T]:
        table = self.table(name)
        return map(parser.parse, read_rows(table, required=parser.required, nulls=PLAIN_NULLS))

    def occupations(self) -> Iterator[EscoOccupation]:
        return self._read(OCCUPATIONS, OCCUPATION)

    def isco_groups(self) -> Iterator[IscoGroup]:
        return self._read(ISCO_GROUPS, ISCO_GROUP)

    def broader_relations(self) -> Iterator[BroaderRelation]:
        """The occupation pillar's hierarchy: ISCO groups and occupations."""
        return self._read(BROADER_OCCUPATIONS, BROADER)

    def concept_schemes(self) -> Iterator[ConceptScheme]:
        return self._read(CONCEPT_SCHEMES, CONCEPT_SCHEME)
