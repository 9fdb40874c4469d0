"""A release as CTDL-ASN JSON-LD (what the Credential Engine Registry and CaSS import).

A ``ceasn:CompetencyFramework`` whose top children are one competency per section (mastery,
AI use, each durable-skill domain), each with the section's statements as children in page
order. The levels are two ``asn:ProgressionModel`` (the mastery scale and the durable-skill
scale); a statement points at its level with ``asn:hasProgressionLevel``.

``@id`` is the nsxkg IRI where the graph has one (the framework across releases, each
statement across releases, the scales and levels), a ``urn:uuid:`` otherwise (a section);
``ceterms:ctid`` is ``ce-`` and the UUID v5 of the ``@id``. Re-publishing the next release
therefore updates the same framework and competencies.
"""

from __future__ import annotations

import json
from typing import Any

from nsxkg.convert.framework import DURABLE_SCALE, MASTERY_SCALE
from nsxkg.export.release import Release, last_changed
from nsxkg.iris import uuid_of, uuid_urn
from nsxkg.namespaces import ASN, CEASN, CETERMS, SKOS

MEDIA_TYPE = "application/ld+json"
SUFFIX = ".ctdl.jsonld"
CONTEXT = "https://credreg.net/ctdlasn/schema/context/json"
LANGUAGE = "en"


def ctid(iri: str) -> str:
    return "ce-" + uuid_of(iri)


def _term(term: Any) -> str:
    """``ceasn:name`` for CEASN.name: the compact form the CTDL-ASN context defines."""
    for ns in (CEASN, CETERMS, ASN, SKOS):
        if term.value.startswith(ns.iri):
            return f"{ns.prefix}:{term.value.removeprefix(ns.iri)}"
    raise ValueError(term)


def _text(value: str) -> dict[str, str]:
    return {LANGUAGE: value}  # a language map, as the context declares these terms


def document(release: Release) -> dict[str, Any]:
    view, iris = release.view, release.iris
    rel = view["release"]
    framework = iris.framework(release.code).value
    stamp = last_changed(view)[:10]
    graph: list[dict[str, Any]] = []
    models: dict[str, dict[str, Any]] = {}

    def level(block: dict[str, Any], scale: str, scale_title: str) -> str:
        model = models.get(scale)
        if model is None:
            model = models[scale] = {
                "@id": scale, "@type": _term(ASN.ProgressionModel), "ceterms:ctid": ctid(scale),
                "ceasn:name": _text(scale_title), "ceasn:inLanguage": [LANGUAGE],
                "skos:hasTopConcept": [], "levels": {}}
        if block["iri"] not in model["levels"]:
            model["skos:hasTopConcept"].append(block["iri"])
            model["levels"][block["iri"]] = {
                "@id": block["iri"], "@type": _term(ASN.ProgressionLevel),
                "ceterms:ctid": ctid(block["iri"]), "skos:prefLabel": _text(block["label"]),
                "skos:inScheme": scale, "ceasn:listID": str(block["rank"])}
        return str(block["iri"])

    top: list[str] = []
    competencies: list[dict[str, Any]] = []

    def section(name: str, title: str, blocks: list[dict[str, Any]], scale: str,
                scale_title: str, category: str) -> None:
        node_id = uuid_urn(f"{framework} {name}")
        children: list[str] = []
        header = {"@id": node_id, "@type": _term(CEASN.Competency), "ceterms:ctid":
                  ctid(node_id), "ceasn:competencyText": _text(title),
                  "ceasn:inLanguage": [LANGUAGE], "ceasn:isPartOf": framework,
                  "ceasn:isTopChildOf": framework, "ceasn:listID": str(len(top) + 1),
                  "ceasn:hasChild": children}
        top.append(node_id)
        competencies.append(header)
        for block in blocks:
            level_iri = level(block, scale, scale_title)
            for st in block["statements"]:
                children.append(st["lineage"])
                node: dict[str, Any] = {
                    "@id": st["lineage"], "@type": _term(CEASN.Competency),
                    "ceterms:ctid": ctid(st["lineage"]),
                    "ceasn:competencyLabel": _text(st["focus"]),
                    "ceasn:competencyText": _text(f"{st['focus']} — {st['text']}"),
                    "ceasn:competencyCategory": _text(category),
                    "ceasn:inLanguage": [LANGUAGE], "ceasn:isPartOf": framework,
                    "ceasn:isChildOf": [node_id], "asn:hasProgressionLevel": [level_iri],
                    "ceasn:listID": f"{block['rank']}.{st['position']}"}
                if st["cites"]:
                    node["ceasn:comment"] = {LANGUAGE: [
                        f"Cites {c['label']}" + (f" ({c['title']})" if c["title"] != c["label"]
                                                 else "") for c in st["cites"]]}
                competencies.append(node)

    mastery = iris.scale(MASTERY_SCALE).value
    durable = iris.scale(DURABLE_SCALE).value
    section("mastery", "Mastery", view["mastery"], mastery, "NSX mastery scale",
            "Mastery")
    if view["ai_use"]:
        section("ai-use", "AI use", view["ai_use"], mastery, "NSX mastery scale", "AI use")
    for domain in view["domains"]:
        section(f"durable {domain['iri']}", domain["label"], domain["levels"], durable,
                "Durable-skill proficiency scale", f"Durable skills: {domain['label']}")

    head: dict[str, Any] = {
        "@id": framework, "@type": _term(CEASN.CompetencyFramework),
        "ceterms:ctid": ctid(framework),
        "ceasn:name": _text(f"{view['label']} skills framework"),
        "ceasn:description": _text(rel.get("context") or view["label"]),
        "ceasn:inLanguage": [LANGUAGE],
        "ceasn:publisherName": _text(rel.get("publisher") or "NSX"),
        "ceasn:dateModified": stamp,
        "ceasn:source": [rel["rel"]],
        "ceasn:hasTopChild": top,
    }
    if rel.get("rights"):
        head["ceasn:rights"] = _text(rel["rights"])
    graph.append(head)
    for model in models.values():
        levels = model.pop("levels")
        graph.append(model)
        graph.extend(levels.values())
    graph.extend(competencies)
    return {"@context": CONTEXT, "@graph": graph}


def render(release: Release) -> bytes:
    return (json.dumps(document(release), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
