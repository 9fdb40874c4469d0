"""A release as a 1EdTech CASE 1.1 ``CFPackage`` (the JSON a CASE server such as OpenSALT or
the CASE Network imports).

The tree: the ``CFDocument`` (the framework) → its mastery levels, its AI-use levels and its
durable-skill domains (→ their levels) → the statements, each parent and child joined by an
``isChildOf`` association whose ``sequenceNumber`` is the child's place among its siblings.

Identity: every identifier is the UUID v5 of an nsxkg IRI (iris.uuid_of). The document is the
framework across its releases (``id/framework/{code}``) and a statement item is the statement
across releases (``id/statement/{code}/{kind}/{key}``), so importing the next release into a
CASE server updates the document and its items; ``version`` names the release and
``officialSourceURL`` is the release's own IRI. Levels and domains exist only within one
framework here, so their UUIDs are those of the framework IRI joined with what they group.
Nothing depends on the clock: the same release exports the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

from nsxkg.export.release import Release, last_changed
from nsxkg.iris import uuid_of, uuid_urn
from nsxkg.namespaces import NSX

MEDIA_TYPE = "application/json"
SUFFIX = ".case.json"

# CFItemTypes: the name their UUID is made of (the ontology class of what the item is), title
# and description.
TYPES: dict[str, tuple[str, str, str]] = {
    "mastery-level": (NSX.MasteryLevel.value, "Mastery level",
                      "A level of the NSX mastery scale, with the role this release gives it"),
    "ai-use-level": (NSX.MasteryLevel.value + " ai-use", "AI-use level",
                     "A mastery level, grouping the statements of how AI is used at it"),
    "domain": (NSX.DurableSkillDomain.value, "Durable-skill domain",
               "One of the durable-skill domains"),
    "durable-level": (NSX.DurableSkillLevel.value, "Durable-skill level",
                      "A level of the durable-skill proficiency scale within a domain"),
    "mastery": (NSX.MasteryStatement.value, "Mastery statement",
                "What a worker at a mastery level does"),
    "ai-use": (NSX.AIUseStatement.value, "AI-use statement",
               "How a worker at a mastery level uses, directs and evaluates AI tools"),
    "durable": (NSX.DurableSkillStatement.value, "Durable-skill statement",
                "A durable skill at a level, within its domain"),
}
ANCHORS_GROUP = "O*NET anchors"
CITATIONS_GROUP = "Citations"


def package(release: Release) -> dict[str, Any]:
    """The CFPackage of a release, as JSON-ready data."""
    return _Builder(release).build()


def render(release: Release) -> bytes:
    return (json.dumps(package(release), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


class _Builder:
    def __init__(self, release: Release):
        self.view = release.view
        self.iris = release.iris
        self.stamp = last_changed(release.view)
        self.framework = self.iris.framework(release.code).value
        self.doc_id = uuid_of(self.framework)
        title = f"{self.view['label']} skills framework"
        self.doc_link = {"title": title, "identifier": self.doc_id, "uri": self.framework}
        self.items: list[dict[str, Any]] = []
        self.associations: list[dict[str, Any]] = []
        self.groups: dict[str, dict[str, Any]] = {}

    def build(self) -> dict[str, Any]:
        view, rel = self.view, self.view["release"]
        document = {
            "identifier": self.doc_id, "uri": self.framework,
            "creator": rel.get("publisher") or "NSX",
            "title": self.doc_link["title"],
            "lastChangeDateTime": self.stamp,
            "officialSourceURL": rel["rel"],
            "publisher": rel.get("publisher") or "NSX",
            "description": rel.get("context") or "",
            "subject": [view["label"]],
            "language": "en",
            "version": view["version"],
            "adoptionStatus": "Adopted",
            "caseVersion": "1.1",
            "frameworkType": "Occupational skills framework",
            "notes": _notes(view),
        }
        document = {k: v for k, v in document.items() if v not in ("", None)}
        order = 0
        for block in view["mastery"]:
            order += 1
            self._level("mastery-level", "mastery", block, order, self.doc_link,
                        f"M{block['rank']}", f"{block['label']}: {block['role']}"
                        if block.get("role") else block["label"], "mastery")
        for block in view["ai_use"]:
            order += 1
            self._level("ai-use-level", "ai-use", block, order, self.doc_link,
                        f"AI{block['rank']}", f"AI use — {block['label']}", "ai-use")
        for domain in view["domains"]:
            order += 1
            number = domain["number"]
            item = self._item(f"{self.framework} {domain['iri']}", "domain",
                              domain["label"], f"D{number}", str(number))
            self._child(item, self.doc_link, order)
            for block in domain["levels"]:
                self._level("durable-level", f"durable {domain['iri']}", block, block["rank"],
                            self._link(item), f"D{number}.{block['rank']}", block["label"],
                            "durable")
        self._anchors()
        definitions = {"CFItemTypes": [_item_type(key, self.stamp) for key in TYPES]}
        if self.groups:
            definitions["CFAssociationGroupings"] = list(self.groups.values())
        return {"CFDocument": document, "CFItems": self.items,
                "CFAssociations": self.associations, "CFDefinitions": definitions}

    def _level(self, kind: str, section: str, block: dict[str, Any], order: int,
               parent: dict[str, str], code: str, statement: str, statement_kind: str) -> None:
        item = self._item(f"{self.framework} {section} {block['iri']}", kind,
                          statement, code, str(block["rank"]),
                          abbreviated=block["label"], label=block.get("role"))
        self._child(item, parent, order)
        for st in block["statements"]:
            child = self._item(
                st["lineage"], statement_kind, f"{st['focus']} — {st['text']}",
                f"{code}.{st['position']}", str(st["position"]), abbreviated=st["focus"],
                uri=st["lineage"], notes=_citations(st["cites"]))
            self._child(child, self._link(item), st["position"])
            for cited in st["cites"]:
                self._associate("isRelatedTo", self._link(child),
                                {"title": cited["label"], "identifier": cited["iri"],
                                 "uri": cited["iri"]}, None, CITATIONS_GROUP)

    def _item(self, name: str, kind: str, statement: str, code: str, enumeration: str,
              *, abbreviated: str | None = None, label: str | None = None,
              uri: str | None = None, notes: str | None = None) -> dict[str, Any]:
        """An item whose identifier is the UUID v5 of ``name``: the IRI it exports, or the
        IRIs of what it groups when it has none (its ``uri`` is then the UUID's URN)."""
        type_name, type_title, _ = TYPES[kind]
        item = {
            "identifier": uuid_of(name), "uri": uri or uuid_urn(name),
            "fullStatement": statement, "alternativeLabel": label,
            "abbreviatedStatement": abbreviated,
            "CFItemType": type_title,
            "CFItemTypeURI": {"title": type_title, "identifier": uuid_of(type_name),
                              "uri": uuid_urn(type_name)},
            "humanCodingScheme": code, "listEnumeration": enumeration,
            "language": "en", "notes": notes,
            "lastChangeDateTime": self.stamp,
        }
        clean = {k: v for k, v in item.items() if v not in (None, "")}
        self.items.append(clean)
        return clean

    def _link(self, item: dict[str, Any]) -> dict[str, str]:
        return {"title": item["fullStatement"], "identifier": item["identifier"],
                "uri": item["uri"]}

    def _child(self, item: dict[str, Any], parent: dict[str, str], order: int) -> None:
        self._associate("isChildOf", self._link(item), parent, order)

    def _associate(self, kind: str, origin: dict[str, str], destination: dict[str, str],
                   order: int | None, group: str | None = None) -> None:
        name = f"{origin['uri']} {kind} {destination['uri']}"
        association: dict[str, Any] = {
            "identifier": uuid_of(name), "associationType": kind, "uri": uuid_urn(name),
            "originNodeURI": origin, "destinationNodeURI": destination,
            "lastChangeDateTime": self.stamp}
        if order is not None:
            association["sequenceNumber"] = order
        if group is not None:
            association["CFAssociationGroupingURI"] = self._group(group)
        self.associations.append(association)

    def _group(self, title: str) -> dict[str, str]:
        name = f"{self.framework} {title}"
        link = {"title": title, "identifier": uuid_of(name), "uri": uuid_urn(name)}
        self.groups.setdefault(title, {**link, "lastChangeDateTime": self.stamp})
        return link

    def _anchors(self) -> None:
        for _kind, rows in self.view["anchors"]:
            for row in rows:
                self._associate("isRelatedTo", self.doc_link,
                                {"title": f"{row['label'] or row['code']}",
                                 "identifier": str(row["code"]), "uri": row["iri"]},
                                None, ANCHORS_GROUP)
        for cip in self.view["cip"]:
            self._associate("isRelatedTo", self.doc_link,
                            {"title": f"CIP {cip['code']}", "identifier": cip["code"],
                             "uri": cip["iri"]}, None, ANCHORS_GROUP)


def _item_type(key: str, stamp: str) -> dict[str, str]:
    name, title, description = TYPES[key]
    return {"identifier": uuid_of(name), "uri": uuid_urn(name), "title": title,
            "description": description, "hierarchyCode": key, "typeCode": key,
            "lastChangeDateTime": stamp}


def _citations(cites: list[dict[str, str]]) -> str | None:
    return "; ".join(f"{c['label']} ({c['title']})" if c["title"] != c["label"] else c["label"]
                     for c in cites) or None


def _notes(view: dict[str, Any]) -> str:
    rel = view["release"]
    parts = [f"Release {view['version']} of the NSX framework for {view['label']} "
             f"(O*NET-SOC {view['code']}): {rel['rel']}."]
    if rel.get("rights"):
        parts.append(str(rel["rights"]))
    return " ".join(parts)
