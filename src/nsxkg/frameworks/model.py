"""The typed model of one occupation framework file (data/frameworks/<code>.yaml).

The JSON Schema published at data/frameworks/framework.schema.json is generated from
these classes (``nsxkg schema``); a test keeps the two in step.
"""

from __future__ import annotations

from enum import Enum, StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

SOC_CODE = r"^\d{2}-\d{4}\.\d{2}$"
KEY = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"
ISO_DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"

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


class JobZone(Strict):
    zone: int = Field(ge=1, le=5)
    label: Text


class Occupation(Strict):
    code: str = Field(pattern=SOC_CODE, description="O*NET-SOC 2019 code, NN-NNNN.NN")
    title: Text
    job_zone: JobZone


class Release(Strict):
    version: Text = Field(description="The framework version as the page states it, e.g. v.26.05")
    context: Text
    publisher: Text | None = None
    rights: Text | None = None
    source_anchor_count: int | None = Field(default=None, ge=0,
                                            description="O*NET source anchors, as stated")


class Source(Strict):
    key: Key
    label: Text = Field(description="The short name in the page's source list")
    citation_label: Text | None = Field(default=None, description="The text of a citation chip")
    title: Text | None = None
    publisher: Text | None = None
    creator: Text | None = None
    version: Text | None = None
    date: str | None = Field(default=None, pattern=ISO_DATE)
    licence: str | None = Field(default=None, pattern=r"^https?://")
    homepage: str | None = Field(default=None, pattern=r"^https?://")
    identifier: Text | None = None


class MasteryStatement(Strict):
    focus: Text = Field(description="The focus phrase the page sets before the statement")
    text: Text


class MasteryLevelBlock(Strict):
    level: MasteryLevel
    role: Text = Field(description="The role label of the level, e.g. Entry / Apprentice")
    statements: list[MasteryStatement] = Field(min_length=1)


class CitedStatement(Strict):
    title: Text
    text: Text
    cites: list[Key] = Field(min_length=1, description="Keys of sources declared in `sources`")


class AIUseLevelBlock(Strict):
    level: MasteryLevel
    statements: list[CitedStatement] = Field(min_length=1)


class DurableLevelBlock(Strict):
    level: DurableLevel
    statements: list[CitedStatement] = Field(min_length=1)


class DurableDomain(Strict):
    number: int = Field(ge=1)
    name: Text
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
    """One occupation framework: what the NSX page for an occupation says."""

    occupation: Occupation
    release: Release
    sources: list[Source] = Field(min_length=1)
    mastery: list[MasteryLevelBlock]
    ai_use: list[AIUseLevelBlock] = []
    evidence: Evidence | None = None
    durable_skills: list[DurableDomain] = []
    anchors: Anchors = Anchors()



Loc = tuple[str | int, ...]


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
    problems += _duplicates(("durable_skills",), [d.name for d in fw.durable_skills], "domain")
    problems += _duplicates(("durable_skills",), [d.number for d in fw.durable_skills],
                            "domain number")
    for d, domain in enumerate(fw.durable_skills):
        problems += _duplicates(("durable_skills", d, "levels"),
                                [b.level.value for b in domain.levels], "level")

    problems += _duplicate_statements(fw)

    known = {s.key for s in fw.sources}
    for loc, key in _citations(fw):
        if key not in known:
            problems.append((loc, f"cites undeclared source {key!r}; declared sources: "
                                  f"{', '.join(sorted(known))}"))
    return problems


def _duplicate_statements(fw: Framework) -> list[tuple[Loc, str]]:
    """A statement repeated anywhere in its section, located at its second occurrence."""
    sections: dict[str, list[tuple[Loc, str]]] = {"mastery": [], "ai_use": [], "durable": []}
    for i, block in enumerate(fw.mastery):
        sections["mastery"] += [(("mastery", i, "statements", j), f"{s.focus} {s.text}")
                                for j, s in enumerate(block.statements)]
    for i, ablock in enumerate(fw.ai_use):
        sections["ai_use"] += [(("ai_use", i, "statements", j), f"{s.title} — {s.text}")
                               for j, s in enumerate(ablock.statements)]
    for d, domain in enumerate(fw.durable_skills):
        for i, dblock in enumerate(domain.levels):
            sections["durable"] += [
                (("durable_skills", d, "levels", i, "statements", j), f"{s.title} — {s.text}")
                for j, s in enumerate(dblock.statements)]
    problems: list[tuple[Loc, str]] = []
    for items in sections.values():
        first: dict[str, Loc] = {}
        for loc, text in items:
            if text in first:
                problems.append((loc, f"duplicate statement {text[:60]!r}, first at "
                                      f"{'.'.join(map(str, first[text]))}"))
            first.setdefault(text, loc)
    return problems


def _citations(fw: Framework) -> list[tuple[Loc, str]]:
    out: list[tuple[Loc, str]] = []
    for i, ablock in enumerate(fw.ai_use):
        for j, st in enumerate(ablock.statements):
            out += [(("ai_use", i, "statements", j, "cites", k), key)
                    for k, key in enumerate(st.cites)]
    for d, domain in enumerate(fw.durable_skills):
        for i, dblock in enumerate(domain.levels):
            for j, st in enumerate(dblock.statements):
                out += [(("durable_skills", d, "levels", i, "statements", j, "cites", k), key)
                        for k, key in enumerate(st.cites)]
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
