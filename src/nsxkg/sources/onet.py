"""An O*NET database release: the text or Excel files, in a directory or the published zip.

``OnetRelease.open(path)`` accepts

* a text-release directory (``29.0_text/``, files ``Skills.txt`` ...),
* an Excel-release directory (``29.3_excel/``, files ``Skills.xlsx`` ...),
* a directory holding one such directory (where ``db_29_0_text.zip`` was extracted), or
* the zip itself (``db_29_0_text.zip``, whose files sit under a ``db_29_0_text/`` folder).

The release number comes from the first line of ``Read Me.txt`` ("O*NET 29.0 Database").
Partial mirrors without a Read Me (``30.1_text_partial/``) take it from ``release=``, or else
from the directory or zip name: the first ``NN.N`` or ``NN_N`` in it (``30.1_text_partial``,
``db_29_3_excel.zip``). An explicit ``release=`` always wins.

Every per-file method raises ``AbsentFile`` when called, not when iterated, if the release
lacks that file; ``has(name)`` asks first. Rows are streamed and validated as they are read.
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal, TypeVar

from nsxkg.errors import InputError
from nsxkg.sources import onet_rows as rows
from nsxkg.sources.onet_rows import (
    AlternateTitle,
    Category,
    ContentElement,
    Dwa,
    EmergingTask,
    Iwa,
    JobZone,
    JobZoneReference,
    Occupation,
    Rating,
    RelatedOccupation,
    ReportedTitle,
    Scale,
    TaskDwa,
    TaskStatement,
    TechnologySkill,
)
from nsxkg.sources.tabular import AbsentFile, Parser, Row, TableFile, YearMonth, read_rows

__all__ = ["AbsentFile", "OnetRelease", "Kind"]

T = TypeVar("T")
Kind = Literal["text", "excel"]

README = "Read Me"
OCCUPATION_DATA = "Occupation Data"
TASK_STATEMENTS = "Task Statements"
EMERGING_TASKS = "Emerging Tasks"
TASKS_TO_DWAS = "Tasks to DWAs"
SKILLS = "Skills"
KNOWLEDGE = "Knowledge"
WORK_STYLES = "Work Styles"
INTERESTS = "Interests"
WORK_VALUES = "Work Values"
EDUCATION = "Education, Training, and Experience"
EDUCATION_CATEGORIES = "Education, Training, and Experience Categories"
TECHNOLOGY_SKILLS = "Technology Skills"
ALTERNATE_TITLES = "Alternate Titles"
REPORTED_TITLES = "Sample of Reported Titles"
RELATED_OCCUPATIONS = "Related Occupations"
JOB_ZONES = "Job Zones"
JOB_ZONE_REFERENCE = "Job Zone Reference"
CONTENT_MODEL = "Content Model Reference"
SCALES = "Scales Reference"
DWA_REFERENCE = "DWA Reference"
IWA_REFERENCE = "IWA Reference"

_SUFFIX: Mapping[Kind, str] = {"text": ".txt", "excel": ".xlsx"}
_README_RELEASE = re.compile(r"O\*NET\s+(\d+\.\d+)\s+Database")
_README_MONTH = re.compile(r"^\s*([A-Z][a-z]+)\s+(\d{4})\s+Release", re.MULTILINE)
_NAME_RELEASE = re.compile(r"(?<!\d)(\d{2})[._](\d)(?!\d)")
_RELEASE = re.compile(r"\d+\.\d+")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where a release's files are: the data tables by name, and its Read Me if any."""

    kind: Kind
    files: Mapping[str, TableFile]
    readme: TableFile | None
    name: str  # the directory or zip stem the release number can be inferred from


class OnetRelease:
    """One O*NET database release, text or Excel; see the module docstring for ``open``."""

    def __init__(self, location: Path, release: str, kind: Kind,
                 files: Mapping[str, TableFile], published: YearMonth | None = None):
        self.location = location
        self.release = release
        self.kind = kind
        self.published = published  # month of publication, from the Read Me
        self._files = dict(files)

    @classmethod
    def open(cls, path: Path | str, *, release: str | None = None) -> OnetRelease:
        location = Path(path)
        if location.is_dir():
            layout = _directory_layout(location)
        elif location.is_file() and zipfile.is_zipfile(location):
            layout = _zip_layout(location)
        elif location.is_file() and location.suffix.lower() == ".zip":
            # A zip's directory is at its end: a download cut short has none.
            raise InputError.at(location, "not a readable zip archive: cut short or damaged "
                                          "(download it again, e.g. `nsxkg fetch onet`)")
        else:
            raise InputError.at(location, "expected an O*NET release directory or zip archive")
        readme = _read_text(layout.readme) if layout.readme else ""
        if release is None:
            release = _release_from(readme, layout.name, location)
        elif not _RELEASE.fullmatch(release):
            raise InputError.at(location, f"release must look like 29.0, got {release!r}")
        return cls(location, release, layout.kind, layout.files, _published(readme))

    def __repr__(self) -> str:
        return f"OnetRelease({self.location!s}, release={self.release!r}, kind={self.kind!r})"

    @property
    def label(self) -> str:
        return f"O*NET {self.release} ({self.kind})"

    @property
    def names(self) -> list[str]:
        """The file names (without suffix) this release contains."""
        return sorted(self._files)

    def has(self, name: str) -> bool:
        return name in self._files

    def table(self, name: str) -> TableFile:
        try:
            return self._files[name]
        except KeyError:
            raise AbsentFile(self.label, name) from None

    def rows(self, name: str) -> Iterator[Row]:
        """Untyped rows of any file, for files without a typed reader."""
        return read_rows(self.table(name))

    def _read(self, name: str, parser: Parser[T]) -> Iterator[T]:
        table = self.table(name)  # raise AbsentFile now, not at the first next()
        return map(parser.parse, read_rows(table, required=parser.required))

    # -- one method per file -----------------------------------------------------------------
    def occupations(self) -> Iterator[Occupation]:
        return self._read(OCCUPATION_DATA, rows.OCCUPATION)

    def task_statements(self) -> Iterator[TaskStatement]:
        return self._read(TASK_STATEMENTS, rows.TASK_STATEMENT)

    def emerging_tasks(self) -> Iterator[EmergingTask]:
        return self._read(EMERGING_TASKS, rows.EMERGING_TASK)

    def tasks_to_dwas(self) -> Iterator[TaskDwa]:
        return self._read(TASKS_TO_DWAS, rows.TASK_DWA)

    def ratings(self, name: str) -> Iterator[Rating]:
        """Any ratings file: Skills, Knowledge, Abilities, Work Activities, Work Context, ..."""
        return self._read(name, rows.RATING)

    def skills(self) -> Iterator[Rating]:
        return self.ratings(SKILLS)

    def knowledge(self) -> Iterator[Rating]:
        return self.ratings(KNOWLEDGE)

    def work_styles(self) -> Iterator[Rating]:
        """IM ratings with N/SE/CI up to 29.x; DR and WI ratings only from 30.x."""
        return self.ratings(WORK_STYLES)

    def interests(self) -> Iterator[Rating]:
        return self.ratings(INTERESTS)

    def work_values(self) -> Iterator[Rating]:
        return self.ratings(WORK_VALUES)

    def education_training_experience(self) -> Iterator[Rating]:
        """Ratings with ``category`` set (None for the IM-scale rows)."""
        return self.ratings(EDUCATION)

    def education_categories(self) -> Iterator[Category]:
        return self._read(EDUCATION_CATEGORIES, rows.CATEGORY)

    def technology_skills(self) -> Iterator[TechnologySkill]:
        return self._read(TECHNOLOGY_SKILLS, rows.TECHNOLOGY_SKILL)

    def alternate_titles(self) -> Iterator[AlternateTitle]:
        return self._read(ALTERNATE_TITLES, rows.ALTERNATE_TITLE)

    def reported_titles(self) -> Iterator[ReportedTitle]:
        return self._read(REPORTED_TITLES, rows.REPORTED_TITLE)

    def related_occupations(self) -> Iterator[RelatedOccupation]:
        return self._read(RELATED_OCCUPATIONS, rows.RELATED_OCCUPATION)

    def job_zones(self) -> Iterator[JobZone]:
        return self._read(JOB_ZONES, rows.JOB_ZONE)

    def job_zone_reference(self) -> Iterator[JobZoneReference]:
        return self._read(JOB_ZONE_REFERENCE, rows.JOB_ZONE_REFERENCE)

    def content_model(self) -> Iterator[ContentElement]:
        return self._read(CONTENT_MODEL, rows.CONTENT_ELEMENT)

    def scales(self) -> Iterator[Scale]:
        return self._read(SCALES, rows.SCALE)

    def dwa_reference(self) -> Iterator[Dwa]:
        return self._read(DWA_REFERENCE, rows.DWA)

    def iwa_reference(self) -> Iterator[Iwa]:
        return self._read(IWA_REFERENCE, rows.IWA)


# -- finding the files --------------------------------------------------------------------


def _layout(kind_files: Mapping[str, list[TableFile]], readme: TableFile | None, name: str,
            where: Path) -> _Layout:
    """Pick the release kind by which data files are present, Excel over text."""
    if kind_files["excel"]:
        kind: Kind = "excel"
    elif kind_files["text"]:
        kind = "text"
    else:
        raise InputError.at(where, "no O*NET data files (.txt or .xlsx) found")
    files = {PurePosixPath(f.name).stem: f for f in kind_files[kind]}
    return _Layout(kind, files, readme, name)


def _directory_layout(directory: Path) -> _Layout:
    entries = sorted(directory.iterdir())
    found: dict[str, list[TableFile]] = {"text": [], "excel": []}
    readme = None
    for entry in entries:
        if not entry.is_file():
            continue
        if entry.name == README + ".txt":
            readme = TableFile(entry)
        elif entry.suffix == ".txt":
            found["text"].append(TableFile(entry))
        elif entry.suffix == ".xlsx" and not entry.name.startswith("~$"):
            found["excel"].append(TableFile(entry))
    subdirs = [e for e in entries if e.is_dir() and not e.name.startswith(".")]
    # A folder where the release zip was extracted holds the release folder alone.
    if not found["text"] and not found["excel"] and len(subdirs) == 1:
        return _directory_layout(subdirs[0])
    return _layout(found, readme, directory.name, directory)


def _zip_layout(archive: Path) -> _Layout:
    with zipfile.ZipFile(archive) as z:
        members = [m for m in z.namelist()
                   if not m.endswith("/") and not m.startswith("__MACOSX/")]
    # The data files all sit in one folder (db_29_0_text/); take the folder holding the most.
    folders = Counter(str(PurePosixPath(m).parent) for m in members
                      if PurePosixPath(m).suffix in _SUFFIX.values())
    if not folders:
        raise InputError.at(archive, "no O*NET data files (.txt or .xlsx) in this zip")
    folder = folders.most_common(1)[0][0]
    found: dict[str, list[TableFile]] = {"text": [], "excel": []}
    readme = None
    for member in members:
        path = PurePosixPath(member)
        if str(path.parent) != folder:
            continue
        if path.name == README + ".txt":
            readme = TableFile(archive, member)
        elif path.suffix == ".txt":
            found["text"].append(TableFile(archive, member))
        elif path.suffix == ".xlsx":
            found["excel"].append(TableFile(archive, member))
    name = folder if folder != "." else archive.stem
    return _layout(found, readme, name, archive)


def _read_text(table_file: TableFile) -> str:
    with table_file.open_binary() as fh:
        return fh.read().decode("utf-8-sig", errors="replace")


def _release_from(readme: str, name: str, where: Path) -> str:
    if m := _README_RELEASE.search(readme):
        return m.group(1)
    if m := _NAME_RELEASE.search(PurePosixPath(name).name):
        return f"{m.group(1)}.{m.group(2)}"
    raise InputError.at(where, "cannot tell the O*NET release: no 'Read Me.txt' naming it and "
                               "no release number like 29.0 in the name; pass release=")


def _published(readme: str) -> YearMonth | None:
    m = _README_MONTH.search(readme)
    if m and m.group(1) in _MONTHS:
        return YearMonth(int(m.group(2)), _MONTHS.index(m.group(1)) + 1)
    return None
