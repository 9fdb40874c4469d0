"""Typed rows of the O*NET database files, and the parsers that validate them.

Text and Excel releases name their columns alike; Excel adds denormalised columns (Title,
Scale Name, Related Title, ...) that are ignored here because the reference files carry them.
Each row keeps ``row``, its 1-based row number in the file (header = 1), so later stages can
point at the source line; it does not take part in equality.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nsxkg.sources.tabular import Parser, Row, YearMonth

SOC_CODE = re.compile(r"\d{2}-\d{4}\.\d{2}")
# Content-model elements (1.A.1.a.1), IWAs (4.A.1.a.1.I01) and DWAs (….I01.D01).
ELEMENT_ID = re.compile(r"\d+(?:\.[A-Za-z0-9]+)*")
UNSPSC_CODE = re.compile(r"\d{8}")

CODE = "O*NET-SOC Code"
TASK_TYPES = frozenset({"Core", "Supplemental"})


def _soc(row: Row, column: str = CODE) -> str:
    return row.matching(column, SOC_CODE, "an O*NET-SOC code like 11-2022.00")


def _element(row: Row, column: str = "Element ID") -> str:
    return row.matching(column, ELEMENT_ID, "an O*NET element ID like 2.A.1.a")


def _one_of(row: Row, column: str, allowed: frozenset[str]) -> str | None:
    value = row.text_or_none(column)
    if value is not None and value not in allowed:
        raise row.error(column, f"expected one of {', '.join(sorted(allowed))} or blank, "
                                f"got {value!r}")
    return value


# -- occupations and tasks ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Occupation:
    code: str
    title: str
    description: str
    row: int = field(compare=False)


def _occupation(r: Row) -> Occupation:
    return Occupation(_soc(r), r.text("Title"), r.text("Description"), r.number)


OCCUPATION = Parser((CODE, "Title", "Description"), _occupation)


@dataclass(frozen=True, slots=True)
class TaskStatement:
    code: str
    task_id: int
    task: str
    task_type: str | None  # "Core", "Supplemental", or None when not rated
    incumbents_responding: int | None
    date: YearMonth
    domain_source: str
    row: int = field(compare=False)


def _task_statement(r: Row) -> TaskStatement:
    return TaskStatement(
        _soc(r), r.integer("Task ID"), r.text("Task"), _one_of(r, "Task Type", TASK_TYPES),
        r.integer_or_none("Incumbents Responding"), r.year_month("Date"),
        r.text("Domain Source"), r.number,
    )


TASK_STATEMENT = Parser(
    (CODE, "Task ID", "Task", "Task Type", "Incumbents Responding", "Date", "Domain Source"),
    _task_statement,
)


@dataclass(frozen=True, slots=True)
class EmergingTask:
    code: str
    task: str
    category: str  # "New" or "Revision"
    original_task_id: int | None
    original_task: str | None
    date: YearMonth
    domain_source: str
    row: int = field(compare=False)


def _emerging_task(r: Row) -> EmergingTask:
    return EmergingTask(
        _soc(r), r.text("Task"), r.text("Category"), r.integer_or_none("Original Task ID"),
        r.text_or_none("Original Task"), r.year_month("Date"), r.text("Domain Source"), r.number,
    )


EMERGING_TASK = Parser(
    (CODE, "Task", "Category", "Original Task ID", "Original Task", "Date", "Domain Source"),
    _emerging_task,
)


@dataclass(frozen=True, slots=True)
class TaskDwa:
    code: str
    task_id: int
    dwa_id: str
    date: YearMonth
    domain_source: str
    row: int = field(compare=False)


def _task_dwa(r: Row) -> TaskDwa:
    return TaskDwa(_soc(r), r.integer("Task ID"), _element(r, "DWA ID"), r.year_month("Date"),
                   r.text("Domain Source"), r.number)


TASK_DWA = Parser((CODE, "Task ID", "DWA ID", "Date", "Domain Source"), _task_dwa)


# -- ratings ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rating:
    """One value on one scale for one occupation and element.

    Covers Skills, Knowledge, Abilities, Work Activities, Work Context, Work Styles (both the
    29.x IM layout and the 30.x DR/WI layout), Interests, Work Values and Education, Training,
    and Experience. Columns a layout lacks are None.
    """

    code: str
    element_id: str
    element_name: str
    scale_id: str
    data_value: float
    category: int | None
    n: int | None
    standard_error: float | None
    lower_ci_bound: float | None
    upper_ci_bound: float | None
    recommend_suppress: bool | None
    not_relevant: bool | None
    date: YearMonth
    domain_source: str
    row: int = field(compare=False)


def _rating(r: Row) -> Rating:
    return Rating(
        _soc(r), _element(r), r.text("Element Name"), r.text("Scale ID"), r.real("Data Value"),
        r.integer_or_none("Category"), r.integer_or_none("N"), r.real_or_none("Standard Error"),
        r.real_or_none("Lower CI Bound"), r.real_or_none("Upper CI Bound"),
        r.flag_or_none("Recommend Suppress"), r.flag_or_none("Not Relevant"),
        r.year_month("Date"), r.text("Domain Source"), r.number,
    )


RATING = Parser(
    (CODE, "Element ID", "Element Name", "Scale ID", "Data Value", "Date", "Domain Source"),
    _rating,
)


# -- titles, technology, related occupations, job zones ---------------------------------


@dataclass(frozen=True, slots=True)
class AlternateTitle:
    code: str
    title: str
    short_title: str | None
    sources: tuple[str, ...]  # O*NET source codes, e.g. ("04", "06")
    row: int = field(compare=False)


def _alternate_title(r: Row) -> AlternateTitle:
    sources = tuple(s.strip() for s in (r.text_or_none("Source(s)") or "").split(",") if s.strip())
    return AlternateTitle(_soc(r), r.text("Alternate Title"), r.text_or_none("Short Title"),
                          sources, r.number)


ALTERNATE_TITLE = Parser((CODE, "Alternate Title", "Short Title", "Source(s)"), _alternate_title)


@dataclass(frozen=True, slots=True)
class ReportedTitle:
    code: str
    title: str
    shown_in_my_next_move: bool
    row: int = field(compare=False)


def _reported_title(r: Row) -> ReportedTitle:
    return ReportedTitle(_soc(r), r.text("Reported Job Title"), r.flag("Shown in My Next Move"),
                         r.number)


REPORTED_TITLE = Parser((CODE, "Reported Job Title", "Shown in My Next Move"), _reported_title)


@dataclass(frozen=True, slots=True)
class TechnologySkill:
    code: str
    example: str
    commodity_code: str  # UNSPSC, 8 digits, kept as text because it is an identifier
    commodity_title: str
    hot_technology: bool
    in_demand: bool
    row: int = field(compare=False)


def _technology_skill(r: Row) -> TechnologySkill:
    return TechnologySkill(
        _soc(r), r.text("Example"),
        r.matching("Commodity Code", UNSPSC_CODE, "an 8-digit UNSPSC code"),
        r.text("Commodity Title"), r.flag("Hot Technology"), r.flag("In Demand"), r.number,
    )


TECHNOLOGY_SKILL = Parser(
    (CODE, "Example", "Commodity Code", "Commodity Title", "Hot Technology", "In Demand"),
    _technology_skill,
)


@dataclass(frozen=True, slots=True)
class RelatedOccupation:
    code: str
    related_code: str
    relatedness_tier: str  # "Primary-Short", "Primary-Long" or "Supplemental"
    index: int  # 1 = most related
    row: int = field(compare=False)


def _related_occupation(r: Row) -> RelatedOccupation:
    return RelatedOccupation(_soc(r), _soc(r, "Related O*NET-SOC Code"),
                             r.text("Relatedness Tier"), r.integer("Index"), r.number)


RELATED_OCCUPATION = Parser(
    (CODE, "Related O*NET-SOC Code", "Relatedness Tier", "Index"), _related_occupation
)


@dataclass(frozen=True, slots=True)
class JobZone:
    code: str
    job_zone: int
    date: YearMonth
    domain_source: str
    row: int = field(compare=False)


def _job_zone_number(r: Row) -> int:
    zone = r.integer("Job Zone")
    if not 1 <= zone <= 5:
        raise r.error("Job Zone", f"expected a job zone from 1 to 5, got {zone}")
    return zone


def _job_zone(r: Row) -> JobZone:
    return JobZone(_soc(r), _job_zone_number(r), r.year_month("Date"), r.text("Domain Source"),
                   r.number)


JOB_ZONE = Parser((CODE, "Job Zone", "Date", "Domain Source"), _job_zone)


@dataclass(frozen=True, slots=True)
class JobZoneReference:
    job_zone: int
    name: str
    experience: str
    education: str
    job_training: str
    examples: str
    svp_range: str
    row: int = field(compare=False)


def _job_zone_reference(r: Row) -> JobZoneReference:
    return JobZoneReference(
        _job_zone_number(r), r.text("Name"), r.text("Experience"), r.text("Education"),
        r.text("Job Training"), r.text("Examples"), r.text("SVP Range"), r.number,
    )


JOB_ZONE_REFERENCE = Parser(
    ("Job Zone", "Name", "Experience", "Education", "Job Training", "Examples", "SVP Range"),
    _job_zone_reference,
)


# -- reference files ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContentElement:
    element_id: str
    name: str
    description: str
    parent_id: str | None  # the ID minus its last segment; None for the six domains
    row: int = field(compare=False)


def _content_element(r: Row) -> ContentElement:
    element_id = _element(r)
    parent = element_id.rsplit(".", 1)[0] if "." in element_id else None
    return ContentElement(element_id, r.text("Element Name"), r.text("Description"), parent,
                          r.number)


CONTENT_ELEMENT = Parser(("Element ID", "Element Name", "Description"), _content_element)


@dataclass(frozen=True, slots=True)
class Scale:
    scale_id: str
    name: str
    minimum: float
    maximum: float
    row: int = field(compare=False)


def _scale(r: Row) -> Scale:
    return Scale(r.text("Scale ID"), r.text("Scale Name"), r.real("Minimum"),
                 r.real("Maximum"), r.number)


SCALE = Parser(("Scale ID", "Scale Name", "Minimum", "Maximum"), _scale)


@dataclass(frozen=True, slots=True)
class Category:
    """A category of a categorical scale (Education, Training, and Experience; Work Context)."""

    element_id: str
    element_name: str
    scale_id: str
    category: int
    description: str
    row: int = field(compare=False)


def _category(r: Row) -> Category:
    return Category(_element(r), r.text("Element Name"), r.text("Scale ID"),
                    r.integer("Category"), r.text("Category Description"), r.number)


CATEGORY = Parser(
    ("Element ID", "Element Name", "Scale ID", "Category", "Category Description"), _category
)


@dataclass(frozen=True, slots=True)
class Iwa:
    element_id: str  # the Work Activities element it details
    iwa_id: str
    title: str
    row: int = field(compare=False)


def _iwa(r: Row) -> Iwa:
    return Iwa(_element(r), _element(r, "IWA ID"), r.text("IWA Title"), r.number)


IWA = Parser(("Element ID", "IWA ID", "IWA Title"), _iwa)


@dataclass(frozen=True, slots=True)
class Dwa:
    element_id: str
    iwa_id: str
    dwa_id: str
    title: str
    row: int = field(compare=False)


def _dwa(r: Row) -> Dwa:
    return Dwa(_element(r), _element(r, "IWA ID"), _element(r, "DWA ID"), r.text("DWA Title"),
               r.number)


DWA = Parser(("Element ID", "IWA ID", "DWA ID", "DWA Title"), _dwa)
