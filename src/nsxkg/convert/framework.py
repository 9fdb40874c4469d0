"""Framework model → quads. Pure: no I/O, same input gives the same quads."""

from __future__ import annotations

from pyoxigraph import NamedNode, Quad

from nsxkg.convert.terms import GraphWriter, date, decimal, en, integer, string
from nsxkg.frameworks.model import (
    CitedStatement,
    DurableLevel,
    Element,
    Framework,
    MasteryLevel,
    Source,
    rank,
)
from nsxkg.iris import Iris, slug
from nsxkg.namespaces import DCTERMS, FOAF, NSX, OWL, PROV, RDF, SKOS

MASTERY_SCALE = "mastery"
DURABLE_SCALE = "durable"

SCALE_LABELS = {
    MASTERY_SCALE: "NSX mastery levels",
    DURABLE_SCALE: "NSX durable-skill proficiency levels",
}

SCHEMES = {
    "onet-soc-2019": "O*NET-SOC 2019 taxonomy",
    "onet-content-model": "O*NET Content Model",
    "unspsc": "UNSPSC commodities (technology categories)",
    "cip-2020": "Classification of Instructional Programs 2020",
    "durable-skills": "NSX durable-skill domains",
    "job-zones": "O*NET job zones",
    "skills-clusters": "WEF skills clusters",
}


def framework_graph(fw: Framework, iris: Iris) -> NamedNode:
    return iris.graph("framework", fw.occupation.code)


def framework_quads(fw: Framework, iris: Iris) -> list[Quad]:
    """Every quad of one framework, in its own named graph."""
    out = GraphWriter(framework_graph(fw, iris))
    code = fw.occupation.code
    occupation = iris.occupation(code)
    release = iris.framework(code, fw.release.version)

    _occupation(out, fw, iris, occupation)
    _release(out, fw, iris, occupation, release)
    _scales(out, fw, iris)
    for source in fw.sources:
        _source(out, iris, source)

    context = (occupation, release)
    for block in fw.mastery:
        for position, st in enumerate(block.statements, start=1):
            node = iris.statement(code, "mastery", block.level.value, position)
            _statement(out, node, NSX.MasteryStatement, context, position,
                       iris.level(MASTERY_SCALE, block.level.value))
            out.add(node, DCTERMS.title, en(st.focus))
            out.add(node, NSX.statementText, en(st.text))
    for ablock in fw.ai_use:
        for position, cited in enumerate(ablock.statements, start=1):
            node = iris.statement(code, "ai-use", ablock.level.value, position)
            _statement(out, node, NSX.AIUseStatement, context, position,
                       iris.level(MASTERY_SCALE, ablock.level.value))
            _cited(out, iris, node, cited)
    for domain in fw.durable_skills:
        domain_node = iris.durable_skill(slug(domain.name))
        _concept(out, domain_node, NSX.DurableSkillDomain, domain.name,
                 _scheme(out, iris, "durable-skills"), notation=str(domain.number))
        for dblock in domain.levels:
            for position, cited in enumerate(dblock.statements, start=1):
                node = iris.statement(code, "durable", slug(domain.name), dblock.level.value,
                                      position)
                _statement(out, node, NSX.DurableSkillStatement, context, position,
                           iris.level(DURABLE_SCALE, dblock.level.value))
                out.add(node, NSX.domain, domain_node)
                _cited(out, iris, node, cited)
    _anchors(out, fw, iris, occupation, release)
    _evidence(out, fw, iris, release)
    return out.quads


def _occupation(out: GraphWriter, fw: Framework, iris: Iris, occupation: NamedNode) -> None:
    occ = fw.occupation
    _concept(out, occupation, NSX.Occupation, occ.title, _scheme(out, iris, "onet-soc-2019"),
             notation=occ.code)
    zone = iris.job_zone(occ.job_zone.zone)
    out.add(occupation, NSX.jobZone, zone)
    _concept(out, zone, NSX.JobZone, occ.job_zone.label, _scheme(out, iris, "job-zones"),
             notation=str(occ.job_zone.zone))
    out.add(zone, NSX.rank, integer(occ.job_zone.zone))


def _release(out: GraphWriter, fw: Framework, iris: Iris, occupation: NamedNode,
             release: NamedNode) -> None:
    rel = fw.release
    out.add(release, RDF.type, NSX.FrameworkRelease)
    out.add(release, DCTERMS.title,
            en(f"NSX skills framework: {fw.occupation.title} ({rel.version})"))
    out.add(release, NSX.occupation, occupation)
    out.add(release, OWL.versionInfo, string(rel.version))
    out.add(release, NSX.contextText, en(rel.context))
    out.add(release, DCTERMS.publisher, string(rel.publisher) if rel.publisher else None)
    out.add(release, DCTERMS.rights, string(rel.rights) if rel.rights else None)
    if rel.source_anchor_count is not None:
        out.add(release, NSX.sourceAnchorCount, integer(rel.source_anchor_count))
    out.add_all(release, DCTERMS.source, [iris.source(s.key) for s in fw.sources])
    out.add(release, NSX.masteryScale, iris.scale(MASTERY_SCALE))
    if fw.durable_skills:
        out.add(release, NSX.durableSkillScale, iris.scale(DURABLE_SCALE))
        out.add(release, NSX.durableSkillScheme, _scheme(out, iris, "durable-skills"))


def _scales(out: GraphWriter, fw: Framework, iris: Iris) -> None:
    roles = {block.level: block.role for block in fw.mastery}
    levels: list[tuple[str, NamedNode, MasteryLevel | DurableLevel, str | None]] = [
        (MASTERY_SCALE, NSX.MasteryLevel, level, roles.get(level)) for level in MasteryLevel]
    if fw.durable_skills:
        levels += [(DURABLE_SCALE, NSX.DurableSkillLevel, level, None) for level in DurableLevel]
    for scale_key, cls, level, role in levels:
        scale = iris.scale(scale_key)
        out.add(scale, RDF.type, NSX.ProficiencyScale)
        out.add(scale, RDF.type, SKOS.ConceptScheme)
        out.add(scale, SKOS.prefLabel, en(SCALE_LABELS[scale_key]))
        node = iris.level(scale_key, level.value)
        _concept(out, node, cls, level.value.capitalize(), scale)
        out.add(scale, SKOS.hasTopConcept, node)
        out.add(node, NSX.scale, scale)
        out.add(node, NSX.rank, integer(rank(level)))
        out.add(node, NSX.roleLabel, en(role) if role else None)


def _source(out: GraphWriter, iris: Iris, src: Source) -> None:
    node = iris.source(src.key)
    out.add(node, RDF.type, NSX.Source)
    out.add(node, SKOS.prefLabel, en(src.label))
    out.add(node, NSX.citationLabel, en(src.citation_label) if src.citation_label else None)
    out.add(node, DCTERMS.title, en(src.title) if src.title else None)
    out.add(node, DCTERMS.publisher, string(src.publisher) if src.publisher else None)
    out.add(node, DCTERMS.creator, string(src.creator) if src.creator else None)
    out.add(node, OWL.versionInfo, string(src.version) if src.version else None)
    out.add(node, DCTERMS.issued, date(src.date) if src.date else None)
    out.add(node, DCTERMS.license, NamedNode(src.licence) if src.licence else None)
    out.add(node, FOAF.homepage, NamedNode(src.homepage) if src.homepage else None)
    out.add(node, DCTERMS.identifier, string(src.identifier) if src.identifier else None)


def _statement(out: GraphWriter, node: NamedNode, cls: NamedNode,
               context: tuple[NamedNode, NamedNode], position: int, level: NamedNode) -> None:
    occupation, release = context
    out.add(node, RDF.type, cls)
    out.add(node, NSX.occupation, occupation)
    out.add(node, NSX.framework, release)
    out.add(node, NSX.level, level)
    out.add(node, NSX.position, integer(position))


def _cited(out: GraphWriter, iris: Iris, node: NamedNode, st: CitedStatement) -> None:
    out.add(node, DCTERMS.title, en(st.title))
    out.add(node, NSX.statementText, en(st.text))
    out.add_all(node, NSX.cites, [iris.source(key) for key in st.cites])


def _concept(out: GraphWriter, node: NamedNode, cls: NamedNode, label: str,
             scheme: NamedNode, notation: str | None = None) -> None:
    out.add(node, RDF.type, cls)
    out.add(node, RDF.type, SKOS.Concept)
    out.add(node, SKOS.prefLabel, en(label))
    out.add(node, SKOS.notation, string(notation) if notation else None)
    out.add(node, SKOS.inScheme, scheme)


def _scheme(out: GraphWriter, iris: Iris, key: str) -> NamedNode:
    node = iris.scheme(key)
    out.add(node, RDF.type, SKOS.ConceptScheme)
    out.add(node, SKOS.prefLabel, en(SCHEMES[key]))
    return node


def _element(out: GraphWriter, iris: Iris, cls: NamedNode, element: Element) -> NamedNode:
    node = iris.element(element.id)
    _concept(out, node, cls, element.name, _scheme(out, iris, "onet-content-model"), element.id)
    return node


def _anchors(out: GraphWriter, fw: Framework, iris: Iris, occupation: NamedNode,
             release: NamedNode) -> None:
    a = fw.anchors
    out.add_all(release, NSX.relatedTitle, [en(title) for title in a.related_titles])
    families = ((NSX.anchorSkill, NSX.ONetSkill, a.skills),
                (NSX.anchorKnowledge, NSX.Knowledge, a.knowledge),
                (NSX.anchorAbility, NSX.Ability, a.abilities),
                (NSX.anchorWorkStyle, NSX.WorkStyle, a.work_styles))
    for prop, cls, elements in families:
        out.add_all(release, prop, [_element(out, iris, cls, e) for e in elements])
    for tech in a.technology:
        node = iris.technology(str(tech.code))
        _concept(out, node, NSX.TechnologyCategory, tech.name, _scheme(out, iris, "unspsc"),
                 str(tech.code))
        out.add(release, NSX.anchorTechnology, node)
    for task in a.tasks:
        node = iris.task(str(task.id))
        out.add(node, RDF.type, NSX.Task)
        out.add(node, SKOS.notation, string(str(task.id)))
        out.add(node, SKOS.prefLabel, en(task.text))
        out.add(node, NSX.occupation, occupation)
        out.add(release, NSX.anchorTask, node)
    for cip in a.cip:
        node = iris.cip(cip)
        out.add(node, RDF.type, NSX.EducationProgram)
        out.add(node, SKOS.notation, string(cip))
        out.add(node, SKOS.inScheme, _scheme(out, iris, "cip-2020"))
        out.add(release, NSX.educationProgram, node)


def _evidence(out: GraphWriter, fw: Framework, iris: Iris, release: NamedNode) -> None:
    ev = fw.evidence
    if ev is None:
        return
    code, version = fw.occupation.code, fw.release.version
    pack = iris.evidence(code, version)
    out.add(release, NSX.evidence, pack)
    out.add(pack, RDF.type, NSX.EvidencePack)

    usage = iris.evidence(code, version, "ai-usage")
    out.add(pack, NSX.aiUsage, usage)
    out.add(usage, RDF.type, NSX.AIUsageEvidence)
    out.add(usage, PROV.wasDerivedFrom, iris.source(ev.ai_usage.source))
    out.add(usage, NSX.taskObservations, integer(ev.ai_usage.task_observations))
    out.add(usage, NSX.augmentSharePercent, decimal(ev.ai_usage.augment_share_percent))
    out.add(usage, NSX.timeSavedPercent, decimal(ev.ai_usage.time_saved_percent))
    out.add(usage, NSX.aiAutonomy, decimal(ev.ai_usage.ai_autonomy))

    feas = iris.evidence(code, version, "automation-feasibility")
    af = ev.automation_feasibility
    out.add(pack, NSX.automationFeasibility, feas)
    out.add(feas, RDF.type, NSX.AutomationFeasibilityEvidence)
    out.add(feas, PROV.wasDerivedFrom, iris.source(af.source))
    out.add(feas, NSX.topSkill, _element(out, iris, NSX.ONetSkill, af.top_skill))
    out.add(feas, NSX.feasibilityScore, decimal(af.score))
    out.add(feas, NSX.feasibilityScoreMax, decimal(af.score_max))
    out.add(feas, NSX.feasibilityQuadrant, string(af.quadrant))
    out.add(feas, NSX.matchPrecision, string(af.precision))

    cluster_ev = iris.evidence(code, version, "skills-cluster")
    sc = ev.skills_cluster
    out.add(pack, NSX.skillsClusterEvidence, cluster_ev)
    out.add(cluster_ev, RDF.type, NSX.SkillsClusterEvidence)
    out.add(cluster_ev, PROV.wasDerivedFrom, iris.source(sc.source))
    cluster = iris.skills_cluster(sc.cluster.key)
    _concept(out, cluster, NSX.SkillsCluster, sc.cluster.label,
             _scheme(out, iris, "skills-clusters"), sc.cluster.key)
    out.add(cluster_ev, NSX.skillsCluster, cluster)
