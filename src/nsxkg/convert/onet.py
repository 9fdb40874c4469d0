"""O*NET release rows → quads. Each function converts one row and is pure; ``onet_quads``
streams a whole release into its own named graph, noting the files the release lacks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol, TextIO, TypeVar

from pyoxigraph import NamedNode, Quad

from nsxkg import origins
from nsxkg.convert.terms import (
    Term,
    Triple,
    boolean,
    date,
    decimal,
    en,
    integer,
    quads,
    string,
)
from nsxkg.iris import Iris
from nsxkg.namespaces import DCAT, DCTERMS, FOAF, NSX, OWL, PROV, RDF, SKOS
from nsxkg.progress import Progress
from nsxkg.sources import onet_rows as r
from nsxkg.sources.onet import OnetRelease
from nsxkg.sources.tabular import AbsentFile, YearMonth


class HasRow(Protocol):
    @property
    def row(self) -> int: ...


R = TypeVar("R", bound=HasRow)

CC_BY = NamedNode("https://creativecommons.org/licenses/by/4.0/")
ONET_ATTRIBUTION = (
    "This product includes information from the O*NET {release} Database by the U.S. "
    "Department of Labor, Employment and Training Administration (USDOL/ETA). Used under the "
    "CC BY 4.0 license. O*NET® is a trademark of USDOL/ETA.")

# Rating files and the skill family their elements belong to.
RATING_FILES: tuple[tuple[str, NamedNode | None], ...] = (
    ("Skills", NSX.ONetSkill),
    ("Knowledge", NSX.Knowledge),
    ("Abilities", NSX.Ability),
    ("Work Styles", NSX.WorkStyle),
    ("Interests", None),
    ("Work Values", None),
    ("Work Activities", None),
    ("Education, Training, and Experience", None),
)

# 30.1 introduces scales and elements that no mirrored reference file describes yet.
EXTRA_SCALES = {
    "DR": ("Distinctiveness Rank", 0.0, 10.0),
    "WI": ("Work Style Impact", -3.0, 3.0),
}


@dataclass
class SourceReport:
    """What a source conversion read: rows per file, files the release lacks, and where each
    resource came from (file and row), so a validation report can point at the row."""

    rows: dict[str, int] = field(default_factory=dict)
    absent: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)  # crosswalk rows with no target
    origins: TextIO | None = None
    progress: Progress | None = None

    def origin(self, subject: NamedNode, file: str, row: int) -> None:
        if self.origins is not None:
            self.origins.write(origins.row(subject.value, f"{file}, row {row}"))

    def quads(self, graph: NamedNode, converted: Iterable[tuple[int, list[Triple]]],
              name: str, file: str) -> Iterator[Quad]:
        """The quads of a file's converted rows; counts rows, notes where each resource came
        from, and reports progress along the way."""
        progress = self.progress
        count = 0
        if progress is not None:
            progress.rows(name, file, 0)
        for row, triples in converted:
            count += 1
            if triples:
                self.origin(triples[0][0], file, row)
            # Every row would cost a call per row; the bar redraws ten times a second anyway.
            if progress is not None and count % 500 == 0:
                progress.rows(name, file, count)
            yield from quads(graph, triples)
        self.rows[name] = count
        if progress is not None:
            progress.done(name, file, count)


def ym(value: YearMonth) -> Term:
    return date(str(value))


def onet_quads(release: OnetRelease, iris: Iris, graph: NamedNode,
               report: SourceReport) -> Iterator[Quad]:
    rel = release.release
    scheme = iris.scheme("onet-soc-2019")
    content_model = iris.scheme("onet-content-model")

    steps: list[Step] = [
        _step("Occupation Data", release.occupations, partial(occupation, iris, scheme)),
        _step("Task Statements", release.task_statements, partial(task, iris)),
        _step("Emerging Tasks", release.emerging_tasks, partial(emerging_task, iris, rel)),
        _step("Tasks to DWAs", release.tasks_to_dwas, partial(task_dwa, iris)),
        _step("DWA Reference", release.dwa_reference, partial(dwa, iris)),
        _step("IWA Reference", release.iwa_reference, partial(iwa, iris)),
        _step("Content Model Reference", release.content_model,
         partial(content_element, iris, content_model)),
        _step("Scales Reference", release.scales, partial(scale, iris)),
        _step("Education, Training, and Experience Categories", release.education_categories,
         partial(category, iris)),
        _step("Technology Skills", release.technology_skills, partial(technology_skill, iris)),
        _step("Alternate Titles", release.alternate_titles, partial(alternate_title, iris)),
        _step("Sample of Reported Titles", release.reported_titles, partial(reported_title, iris)),
        _step("Related Occupations", release.related_occupations,
         partial(related_occupation, iris)),
        _step("Job Zones", release.job_zones, partial(job_zone, iris)),
        _step("Job Zone Reference", release.job_zone_reference,
         partial(job_zone_reference, iris)),
    ]
    steps += [_step(name, _ratings_of(release, name), _rating_converter(iris, rel, family))
              for name, family in RATING_FILES]

    yield from quads(graph, dataset(iris, release, graph))
    yield from quads(graph, extra_scales(iris))
    for name, run in steps:
        try:
            converted = run()
        except AbsentFile:
            report.absent.append(f"{release.label}: {name}")
            continue
        yield from report.quads(graph, converted, f"{release.label}: {name}",
                                str(release.table(name)))


Step = tuple[str, Callable[[], Iterator[tuple[int, list[Triple]]]]]


def _step(name: str, read: Callable[[], Iterable[R]],
          convert: Callable[[R], list[Triple]]) -> Step:
    def run() -> Iterator[tuple[int, list[Triple]]]:
        rows = read()  # raises AbsentFile here, before any row is converted
        return ((row.row, convert(row)) for row in rows)

    return name, run


def _ratings_of(release: OnetRelease, name: str) -> Callable[[], Iterator[r.Rating]]:
    return lambda: release.ratings(name)


def _rating_converter(iris: Iris, rel: str,
                      family: NamedNode | None) -> Callable[[r.Rating], list[Triple]]:
    described: set[str] = set()

    def convert(row: r.Rating) -> list[Triple]:
        triples = rating(iris, rel, row)
        if row.element_id not in described:
            described.add(row.element_id)
            triples += rated_element(iris, family, row)
        return triples

    return convert


def dataset(iris: Iris, release: OnetRelease, graph: NamedNode) -> list[Triple]:
    out: list[Triple] = [
        (graph, RDF.type, DCAT.Dataset),
        (graph, DCTERMS.title, en(f"O*NET {release.release} Database ({release.kind} release)")),
        (graph, DCTERMS.publisher,
         string("National Center for O*NET Development, for USDOL/ETA")),
        (graph, DCAT.version, string(release.release)),
        (graph, OWL.versionInfo, string(release.release)),
        (graph, DCTERMS.license, CC_BY),
        (graph, DCTERMS.rights, en(ONET_ATTRIBUTION.format(release=release.release))),
        (graph, DCAT.landingPage, NamedNode("https://www.onetcenter.org/database.html")),
        (graph, FOAF.homepage, NamedNode("https://www.onetcenter.org/")),
        (graph, PROV.wasDerivedFrom,
         NamedNode(f"https://www.onetcenter.org/database.html#{release.kind}-{release.release}")),
    ]
    if release.published:
        out.append((graph, DCTERMS.issued, ym(release.published)))
    return out


def occupation(iris: Iris, scheme: NamedNode, row: r.Occupation) -> list[Triple]:
    occ = iris.occupation(row.code)
    return [
        (occ, RDF.type, NSX.Occupation), (occ, RDF.type, SKOS.Concept),
        (occ, SKOS.notation, string(row.code)),
        (occ, SKOS.prefLabel, en(row.title)),
        (occ, SKOS.definition, en(row.description)),
        (occ, SKOS.inScheme, scheme),
        (scheme, RDF.type, SKOS.ConceptScheme),
        (scheme, SKOS.prefLabel, en("O*NET-SOC 2019 taxonomy")),
        # Every O*NET-SOC code NN-NNNN.NN details the SOC 2018 occupation NN-NNNN.
        (occ, SKOS.broader, iris.soc_group(row.code[:7])),
    ]


def task(iris: Iris, row: r.TaskStatement) -> list[Triple]:
    node = iris.task(str(row.task_id))
    out: list[Triple] = [
        (node, RDF.type, NSX.Task),
        (node, SKOS.notation, string(str(row.task_id))),
        (node, SKOS.prefLabel, en(row.task)),
        (node, NSX.occupation, iris.occupation(row.code)),
        (node, DCTERMS.date, ym(row.date)),
        (node, NSX.domainSource, string(row.domain_source)),
    ]
    if row.task_type:
        out.append((node, NSX.taskType, string(row.task_type)))
    if row.incumbents_responding is not None:
        out.append((node, NSX.incumbentsResponding, integer(row.incumbents_responding)))
    return out


def emerging_task(iris: Iris, rel: str, row: r.EmergingTask) -> list[Triple]:
    node = iris.emerging_task(rel, row.code, row.task)
    out: list[Triple] = [
        (node, RDF.type, NSX.EmergingTask),
        (node, SKOS.prefLabel, en(row.task)),
        (node, NSX.occupation, iris.occupation(row.code)),
        (node, NSX.emergingCategory, string(row.category)),
        (node, DCTERMS.date, ym(row.date)),
        (node, NSX.domainSource, string(row.domain_source)),
    ]
    if row.original_task_id is not None:
        out.append((node, NSX.originalTask, iris.task(str(row.original_task_id))))
    return out


def task_dwa(iris: Iris, row: r.TaskDwa) -> list[Triple]:
    return [(iris.task(str(row.task_id)), NSX.detailedWorkActivity, iris.work_activity(row.dwa_id))]


def dwa(iris: Iris, row: r.Dwa) -> list[Triple]:
    node = iris.work_activity(row.dwa_id)
    return [
        (node, RDF.type, NSX.WorkActivity), (node, RDF.type, SKOS.Concept),
        (node, SKOS.notation, string(row.dwa_id)),
        (node, SKOS.prefLabel, en(row.title)),
        (node, SKOS.broader, iris.work_activity(row.iwa_id)),
    ]


def iwa(iris: Iris, row: r.Iwa) -> list[Triple]:
    node = iris.work_activity(row.iwa_id)
    return [
        (node, RDF.type, NSX.WorkActivity), (node, RDF.type, SKOS.Concept),
        (node, SKOS.notation, string(row.iwa_id)),
        (node, SKOS.prefLabel, en(row.title)),
        (node, SKOS.broader, iris.element(row.element_id)),
    ]


def content_element(iris: Iris, scheme: NamedNode, row: r.ContentElement) -> list[Triple]:
    node = iris.element(row.element_id)
    out: list[Triple] = [
        (node, RDF.type, NSX.ContentModelElement), (node, RDF.type, SKOS.Concept),
        (node, SKOS.notation, string(row.element_id)),
        (node, SKOS.prefLabel, en(row.name)),
        (node, SKOS.definition, en(row.description)),
        (node, SKOS.inScheme, scheme),
    ]
    if row.parent_id:
        out.append((node, SKOS.broader, iris.element(row.parent_id)))
    else:
        out += [(node, SKOS.topConceptOf, scheme), (scheme, SKOS.hasTopConcept, node),
                (scheme, RDF.type, SKOS.ConceptScheme),
                (scheme, SKOS.prefLabel, en("O*NET Content Model"))]
    return out


def scale(iris: Iris, row: r.Scale) -> list[Triple]:
    return _scale(iris, row.scale_id, row.name, row.minimum, row.maximum)


def extra_scales(iris: Iris) -> list[Triple]:
    return [t for sid, (name, low, high) in EXTRA_SCALES.items()
            for t in _scale(iris, sid, name, low, high)]


def _scale(iris: Iris, scale_id: str, name: str, low: float, high: float) -> list[Triple]:
    node = iris.rating_scale(scale_id)
    return [
        (node, RDF.type, NSX.RatingScale), (node, RDF.type, SKOS.Concept),
        (node, SKOS.notation, string(scale_id)),
        (node, SKOS.prefLabel, en(name)),
        (node, NSX.scaleMinimum, decimal(low)),
        (node, NSX.scaleMaximum, decimal(high)),
    ]


def category(iris: Iris, row: r.Category) -> list[Triple]:
    node = iris.rating_category(row.element_id, row.scale_id, row.category)
    return [
        (node, RDF.type, NSX.RatingCategory), (node, RDF.type, SKOS.Concept),
        (node, SKOS.notation, string(str(row.category))),
        (node, SKOS.prefLabel, en(row.description)),
        (node, NSX.element, iris.element(row.element_id)),
        (node, NSX.ratingScale, iris.rating_scale(row.scale_id)),
    ]


def rated_element(iris: Iris, family: NamedNode | None, row: r.Rating) -> list[Triple]:
    """The element a rating rates. Its name travels with the ratings so releases whose
    reference files are not mirrored (30.1) still label their elements."""
    element = iris.element(row.element_id)
    out: list[Triple] = [
        (element, RDF.type, SKOS.Concept),
        (element, SKOS.prefLabel, en(row.element_name)),
        (element, SKOS.notation, string(row.element_id)),
    ]
    if family is not None:
        out.append((element, RDF.type, family))
    return out


def rating(iris: Iris, rel: str, row: r.Rating) -> list[Triple]:
    node = iris.rating(rel, row.code, row.element_id, row.scale_id, row.category)
    element = iris.element(row.element_id)
    out: list[Triple] = [
        (node, RDF.type, NSX.Rating),
        (node, NSX.occupation, iris.occupation(row.code)),
        (node, NSX.element, element),
        (node, NSX.ratingScale, iris.rating_scale(row.scale_id)),
        (node, NSX.dataValue, decimal(row.data_value)),
        (node, DCTERMS.date, ym(row.date)),
        (node, NSX.domainSource, string(row.domain_source)),
    ]
    if row.category is not None:
        out.append((node, NSX.category, iris.rating_category(row.element_id, row.scale_id,
                                                              row.category)))
    optional: list[tuple[NamedNode, Term | None]] = [
        (NSX.sampleSize, integer(row.n) if row.n is not None else None),
        (NSX.standardError, _dec(row.standard_error)),
        (NSX.lowerCIBound, _dec(row.lower_ci_bound)),
        (NSX.upperCIBound, _dec(row.upper_ci_bound)),
        (NSX.recommendSuppress,
         boolean(row.recommend_suppress) if row.recommend_suppress is not None else None),
        (NSX.notRelevant, boolean(row.not_relevant) if row.not_relevant is not None else None),
    ]
    out += [(node, p, o) for p, o in optional if o is not None]
    return out


def _dec(value: float | None) -> Term | None:
    return None if value is None else decimal(value)


def technology_skill(iris: Iris, row: r.TechnologySkill) -> list[Triple]:
    node = iris.technology_skill(row.code, row.commodity_code, row.example)
    commodity = iris.technology(row.commodity_code)
    unspsc = iris.scheme("unspsc")
    return [
        (node, RDF.type, NSX.TechnologySkill),
        (node, SKOS.prefLabel, en(row.example)),
        (node, NSX.occupation, iris.occupation(row.code)),
        (node, NSX.technology, commodity),
        (node, NSX.hotTechnology, boolean(row.hot_technology)),
        (node, NSX.inDemand, boolean(row.in_demand)),
        (commodity, RDF.type, NSX.TechnologyCategory), (commodity, RDF.type, SKOS.Concept),
        (commodity, SKOS.notation, string(row.commodity_code)),
        (commodity, SKOS.prefLabel, en(row.commodity_title)),
        (commodity, SKOS.inScheme, unspsc),
        (unspsc, RDF.type, SKOS.ConceptScheme),
        (unspsc, SKOS.prefLabel, en("UNSPSC commodities (technology categories)")),
    ]


def alternate_title(iris: Iris, row: r.AlternateTitle) -> list[Triple]:
    node = iris.alternate_title(row.code, row.title, row.short_title)
    occ = iris.occupation(row.code)
    out: list[Triple] = [
        (node, RDF.type, NSX.AlternateTitle),
        (node, SKOS.prefLabel, en(row.title)),
        (node, NSX.occupation, occ),
        (occ, SKOS.altLabel, en(row.title)),
    ]
    if row.short_title:
        out.append((node, NSX.shortTitle, en(row.short_title)))
    out += [(node, NSX.titleSource, string(code)) for code in row.sources]
    return out


def reported_title(iris: Iris, row: r.ReportedTitle) -> list[Triple]:
    node = iris.reported_title(row.code, row.title)
    return [
        (node, RDF.type, NSX.ReportedTitle),
        (node, SKOS.prefLabel, en(row.title)),
        (node, NSX.occupation, iris.occupation(row.code)),
        (node, NSX.shownInMyNextMove, boolean(row.shown_in_my_next_move)),
    ]


def related_occupation(iris: Iris, row: r.RelatedOccupation) -> list[Triple]:
    node = iris.occupation_relation(row.code, row.related_code)
    return [
        (node, RDF.type, NSX.OccupationRelation),
        (node, NSX.occupation, iris.occupation(row.code)),
        (node, NSX.relatedOccupation, iris.occupation(row.related_code)),
        (node, NSX.relatednessTier, string(row.relatedness_tier)),
        (node, NSX.relatednessIndex, integer(row.index)),
    ]


def job_zone(iris: Iris, row: r.JobZone) -> list[Triple]:
    return [(iris.occupation(row.code), NSX.jobZone, iris.job_zone(row.job_zone))]


def job_zone_reference(iris: Iris, row: r.JobZoneReference) -> list[Triple]:
    node = iris.job_zone(row.job_zone)
    scheme = iris.scheme("job-zones")
    return [
        (node, RDF.type, NSX.JobZone), (node, RDF.type, SKOS.Concept),
        (node, SKOS.notation, string(str(row.job_zone))),
        (node, SKOS.prefLabel, en(row.name)),
        (node, NSX.rank, integer(row.job_zone)),
        (node, SKOS.inScheme, scheme),
        (node, NSX.experience, en(row.experience)),
        (node, NSX.education, en(row.education)),
        (node, NSX.jobTraining, en(row.job_training)),
        (node, NSX.jobZoneExamples, en(row.examples)),
        (node, NSX.svpRange, string(row.svp_range)),
        (scheme, RDF.type, SKOS.ConceptScheme),
        (scheme, SKOS.prefLabel, en("O*NET job zones")),
    ]
