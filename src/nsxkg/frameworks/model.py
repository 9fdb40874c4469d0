"""The typed model of the framework files.

Two kinds of file, both YAML (see docs/frameworks.md):

* ``data/frameworks/reference.yaml``: the reference data every release refers to by key and
  that is described once, in one place: the sources (the works a release cites) and the
  durable-skill domains. :class:`Reference`.
* ``data/frameworks/<code>/<version>.yaml``: one release of one occupation's framework, what
  the NSX page for the occupation says in that version. :class:`Framework`.

Every statement carries a ``key``, stable across the releases of one occupation's framework:
a statement keeps its IRI however the file is reordered, and a reworded statement keeps its
key, so it is recognisably the same statement, revised. The JSON Schemas published at
``data/frameworks/*.schema.json`` are generated from these classes (``nsxkg schema``); a test
keeps them in step.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

SOC_CODE = r"^\d{2}-\d{4}\.\d{2}$"
KEY = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"
ISO_DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"
# A version names a file and an IRI path segment: no slash, no space, nothing to escape.
VERSION = r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$"

Text = Annotated[str, Field(min_length=1)]
Key = Annotated[str, Field(pattern=KEY)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class MasteryLevel(StrEnum):
    """The NSX mastery scale, in rank order."""

    emerging = "emerging"
    developing = "developing"
    proficient = "proficient"
    advanced = "advanced"


class DurableLevel(StrEnum):
    """The durable-skill proficiency scale, in rank order."""

    emerging = "emerging"
    developing = "developing"
    applying = "applying"
    exceeding = "exceeding"


def rank(level: Enum) -> int:
    return list(type(level)).index(level) + 1


class Kind(StrEnum):
    """The three kinds of statement; the value is the IRI segment of the kind."""

    mastery = "mastery"
    ai_use = "ai-use"
    durable = "durable"


# -- the reference file ----------------------------------------------------------------------


class ReferenceSource(Strict):
    """A source as a work, whatever edition a release cites."""

    key: Key
    name: Text = Field(description="The source's name, without edition, e.g. O*NET")
    publisher: Text | None = None
    creator: Text | None = None
    licence: str | None = Field(default=None, pattern=r"^https?://")
    homepage: str | None = Field(default=None, pattern=r"^https?://")


class DurableDomain(Strict):
    key: Key
    number: int = Field(ge=1, description="The domain's number, as the pages show it")
    name: Text


class Reference(Strict):
    """What every framework release refers to by key; described once, in one place."""

    sources: list[ReferenceSource] = Field(min_length=1)
    durable_domains: list[DurableDomain] = []

    def source(self, key: str) -> ReferenceSource | None:
        return next((s for s in self.sources if s.key == key), None)

    def domain(self, key: str) -> DurableDomain | None:
        return next((d for d in self.durable_domains if d.key == key), None)


# -- one release -----------------------------------------------------------------------------


class JobZone(Strict):
    zone: int = Field(ge=1, le=5)
    label: Text


class Occupation(Strict):
    code: str = Field(pattern=SOC_CODE, description="O*NET-SOC 2019 code, NN-NNNN.NN")
    title: Text
    job_zone: JobZone | None = Field(default=None, description="As the page states it; "
                                                               "O*NET rates no zone for some "
                                                               "occupations")


class Release(Strict):
    version: str = Field(pattern=VERSION, description="The framework version as the page "
                                                      "states it, e.g. v.26.05; the file is "
                                                      "named after it")
    context: Text
    issued: str | None = Field(default=None, pattern=ISO_DATE,
                               description="When the release was published, if known")
    publisher: Text | None = None
    rights: Text | None = None
    source_anchor_count: int | None = Field(default=None, ge=0,
                                            description="O*NET source anchors, as stated")
    synthetic: bool = Field(default=False, description="Generated benchmark data, not a "
                                                       "publication: built only when asked")


class SourceEdition(Strict):
    """A reference source as this release cites it: the edition and how the page names it."""

    key: Key = Field(description="The source's key in reference.yaml")
    label: Text = Field(description="The name in the page's source list, e.g. O*NET v30.2")
    citation_label: Text | None = Field(default=None, description="The text of a citation chip")
    title: Text | None = None
    version: Text | None = None
    date: str | None = Field(default=None, pattern=ISO_DATE)
    identifier: Text | None = None


class MasteryStatement(Strict):
    key: Key = Field(description="Stable across releases: the statement's identity")
    focus: Text = Field(description="The focus phrase the page sets before the statement")
    text: Text


class MasteryLevelBlock(Strict):
    level: MasteryLevel
    role: Text = Field(description="The role label of the level in this release, "
                                   "e.g. Entry / Apprentice")
    statements: list[MasteryStatement] = Field(min_length=1)


class CitedStatement(Strict):
    key: Key = Field(description="Stable across releases: the statement's identity")
    title: Text
    text: Text
    cites: list[Key] = Field(min_length=1, description="Keys of sources listed in `sources`")


class AIUseLevelBlock(Strict):
    level: MasteryLevel
    statements: list[CitedStatement] = Field(min_length=1)


class DurableLevelBlock(Strict):
    level: DurableLevel
    statements: list[CitedStatement] = Field(min_length=1)


class DurableSkills(Strict):
    domain: Key = Field(description="The domain's key in reference.yaml")
    levels: list[DurableLevelBlock] = Field(min_length=1)


class Element(Strict):
    """An O*NET content-model element, by its element ID."""

    id: str = Field(pattern=r"^\d(\.[A-Za-z0-9]+)+$")
    name: Text


class Technology(Strict):
    code: int = Field(ge=10_000_000, le=99_999_999, description="UNSPSC commodity code")
    name: Text


class Task(Strict):
    id: int = Field(ge=1, description="O*NET task ID")
    text: Text


class Anchors(Strict):
    related_titles: list[Text] = []
    skills: list[Element] = []
    knowledge: list[Element] = []
    abilities: list[Element] = []
    work_styles: list[Element] = []
    technology: list[Technology] = []
    tasks: list[Task] = []
    cip: list[Annotated[str, Field(pattern=r"^\d{2}\.\d{4}$")]] = []


class AIUsage(Strict):
    source: Key
    task_observations: int = Field(ge=0)
    augment_share_percent: float = Field(ge=0, le=100)
    time_saved_percent: float = Field(ge=0, le=100)
    ai_autonomy: float = Field(ge=0)


class AutomationFeasibility(Strict):
    source: Key
    top_skill: Element
    score: float = Field(ge=0)
    score_max: float = Field(gt=0)
    quadrant: Text
    precision: Text


class Cluster(Strict):
    key: Key
    label: Text


class SkillsClusterEvidence(Strict):
    source: Key
    cluster: Cluster


class Evidence(Strict):
    ai_usage: AIUsage
    automation_feasibility: AutomationFeasibility
    skills_cluster: SkillsClusterEvidence


class Framework(Strict):
    """One release of one occupation's framework: what the NSX page says in that version."""

    occupation: Occupation
    release: Release
    sources: list[SourceEdition] = Field(min_length=1)
    mastery: list[MasteryLevelBlock]
    ai_use: list[AIUseLevelBlock] = []
    evidence: Evidence | None = None
    durable_skills: list[DurableSkills] = []
    anchors: Anchors = Anchors()


Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Placed:
    """One statement where the file puts it: its kind, level, domain, position and path."""

    kind: Kind
    key: str
    level: str
    position: int
    loc: Loc
    title: str  # the focus phrase of a mastery statement
    text: str
    domain: str | None = None
    cites: tuple[str, ...] = ()


def statements(fw: Framework) -> Iterator[Placed]:
    """Every statement of a release, in file order."""
    for i, block in enumerate(fw.mastery):
        for j, st in enumerate(block.statements):
            yield Placed(Kind.mastery, st.key, block.level.value, j + 1,
                         ("mastery", i, "statements", j), st.focus, st.text)
    for i, ablock in enumerate(fw.ai_use):
        for j, cited in enumerate(ablock.statements):
            yield Placed(Kind.ai_use, cited.key, ablock.level.value, j + 1,
                         ("ai_use", i, "statements", j), cited.title, cited.text,
                         cites=tuple(cited.cites))
    for d, domain in enumerate(fw.durable_skills):
        for i, dblock in enumerate(domain.levels):
            for j, cited in enumerate(dblock.statements):
                yield Placed(Kind.durable, cited.key, dblock.level.value, j + 1,
                             ("durable_skills", d, "levels", i, "statements", j), cited.title,
                             cited.text, domain.domain, tuple(cited.cites))


def consistency_problems(fw: Framework) -> list[tuple[Loc, str]]:
    """Cross-field rules a schema cannot express, each with the location it concerns."""
    problems: list[tuple[Loc, str]] = []
    levels = [b.level for b in fw.mastery]
    if levels != list(MasteryLevel):
        expected = ", ".join(level.value for level in MasteryLevel)
        problems.append((("mastery",), f"expected the levels {expected} once each in that "
                         f"order, got {', '.join(level.value for level in levels)}"))
    problems += _duplicates(("ai_use",), [b.level.value for b in fw.ai_use], "level")
    problems += _duplicates(("sources",), [s.key for s in fw.sources], "source key")
    problems += _duplicates(("durable_skills",), [d.domain for d in fw.durable_skills],
                            "domain")
    for d, domain in enumerate(fw.durable_skills):
        problems += _duplicates(("durable_skills", d, "levels"),
                                [b.level.value for b in domain.levels], "level")

    placed = list(statements(fw))
    problems += _duplicate_statements(placed)
    first_key: dict[str, Placed] = {}
    for st in placed:
        if st.key in first_key:
            problems.append(((*st.loc, "key"), f"duplicate statement key {st.key!r}, first at "
                                                f"{'.'.join(map(str, first_key[st.key].loc))}; "
                                                f"a key names one statement of the framework"))
        first_key.setdefault(st.key, st)

    listed = {s.key for s in fw.sources}
    for loc, key in _citations(fw, placed):
        if key not in listed:
            problems.append((loc, f"cites source {key!r}, which the release does not list "
                                  f"under `sources`; listed: {', '.join(sorted(listed))}"))
    return problems


def reference_problems(fw: Framework, ref: Reference) -> list[tuple[Loc, str]]:
    """Keys a release uses that the reference file does not define."""
    problems: list[tuple[Loc, str]] = []
    known_sources = ", ".join(s.key for s in ref.sources)
    for i, src in enumerate(fw.sources):
        if ref.source(src.key) is None:
            problems.append((("sources", i, "key"), f"unknown source {src.key!r}: add it to "
                                                    f"reference.yaml (known: {known_sources})"))
    known_domains = ", ".join(d.key for d in ref.durable_domains) or "none"
    for d, domain in enumerate(fw.durable_skills):
        if ref.domain(domain.domain) is None:
            problems.append((("durable_skills", d, "domain"),
                             f"unknown durable-skill domain {domain.domain!r}: add it to "
                             f"reference.yaml (known: {known_domains})"))
    return problems


def _duplicate_statements(placed: list[Placed]) -> list[tuple[Loc, str]]:
    """A statement repeated anywhere in its section, located at its second occurrence."""
    problems: list[tuple[Loc, str]] = []
    first: dict[tuple[Kind, str], Loc] = {}
    for st in placed:
        text = f"{st.title} {st.text}" if st.kind is Kind.mastery else f"{st.title} — {st.text}"
        if (st.kind, text) in first:
            problems.append((st.loc, f"duplicate statement {text[:60]!r}, first at "
                                     f"{'.'.join(map(str, first[st.kind, text]))}"))
        first.setdefault((st.kind, text), st.loc)
    return problems


def _citations(fw: Framework, placed: list[Placed]) -> list[tuple[Loc, str]]:
    out = [((*st.loc, "cites", k), key) for st in placed for k, key in enumerate(st.cites)]
    if fw.evidence:
        for name in ("ai_usage", "automation_feasibility", "skills_cluster"):
            out.append((("evidence", name, "source"), getattr(fw.evidence, name).source))
    return out


def _duplicates(loc: Loc, values: list[object], what: str) -> list[tuple[Loc, str]]:
    seen: set[object] = set()
    out: list[tuple[Loc, str]] = []
    for i, value in enumerate(values):
        if value in seen:
            out.append(((*loc, i), f"duplicate {what} {value!r}"))
        seen.add(value)
    return out
