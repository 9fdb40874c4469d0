"""Where each minted resource of a framework file comes from (its YAML path), so a
validation report can point at the line to fix."""

from __future__ import annotations

from nsxkg.frameworks.model import Framework, Loc
from nsxkg.iris import Iris, slug


def origins(fw: Framework, iris: Iris) -> dict[str, Loc]:
    code = fw.occupation.code
    out: dict[str, Loc] = {
        iris.occupation(code).value: ("occupation",),
        iris.framework(code, fw.release.version).value: ("release",),
    }
    for i, src in enumerate(fw.sources):
        out[iris.source(src.key).value] = ("sources", i)
    for i, block in enumerate(fw.mastery):
        out[iris.level("mastery", block.level.value).value] = ("mastery", i)
        for j in range(len(block.statements)):
            node = iris.statement(code, "mastery", block.level.value, j + 1)
            out[node.value] = ("mastery", i, "statements", j)
    for i, ablock in enumerate(fw.ai_use):
        for j in range(len(ablock.statements)):
            node = iris.statement(code, "ai-use", ablock.level.value, j + 1)
            out[node.value] = ("ai_use", i, "statements", j)
    for d, domain in enumerate(fw.durable_skills):
        out[iris.durable_skill(slug(domain.name)).value] = ("durable_skills", d)
        for i, dblock in enumerate(domain.levels):
            for j in range(len(dblock.statements)):
                node = iris.statement(code, "durable", slug(domain.name), dblock.level.value,
                                      j + 1)
                out[node.value] = ("durable_skills", d, "levels", i, "statements", j)
    if fw.evidence:
        out[iris.evidence(code, fw.release.version).value] = ("evidence",)
        for part, key in (("ai-usage", "ai_usage"),
                          ("automation-feasibility", "automation_feasibility"),
                          ("skills-cluster", "skills_cluster")):
            out[iris.evidence(code, fw.release.version, part).value] = ("evidence", key)
    return out
