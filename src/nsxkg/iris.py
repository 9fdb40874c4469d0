"""The only place instance IRIs are minted.

IRIs are readable and stable: they are built from codes the sources publish (O*NET-SOC
codes, O*NET element and task IDs, UNSPSC and CIP codes), from the framework's own keys, or,
where a source publishes no identifier (titles, technology examples), from the exact text,
percent-encoded; never from row positions in a file or from hashes. ESCO resources keep
ESCO's own URIs and are not minted here.
"""

from __future__ import annotations

import re
import uuid
from functools import lru_cache
from urllib.parse import quote

from pyoxigraph import NamedNode

_UNSAFE = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=65536)
def _segment(part: str) -> str:
    return quote(part, safe=".-_~")


def slug(text: str) -> str:
    """A lower-case, hyphenated key: 'Critical Thinking' -> 'critical-thinking'."""
    return _UNSAFE.sub("-", text.lower()).strip("-")


def uuid_of(name: str) -> str:
    """The lowercase RFC 4122 version-5 UUID of a name (an IRI, or IRIs joined by spaces).

    Exports (CASE, CTDL-ASN) identify what they describe by UUID; deriving it from the IRI
    gives the same identifier on every export, so a registry re-importing a release updates
    what it holds instead of adding a copy.
    """
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def uuid_urn(name: str) -> str:
    """``urn:uuid:`` of :func:`uuid_of`: for what an export must name that the graph does not
    hold as a resource of its own (a framework's section, a level within one framework)."""
    return "urn:uuid:" + uuid_of(name)


class Iris:
    def __init__(self, base: str):
        self.base = base if base.endswith("/") else base + "/"

    def _id(self, *parts: str) -> NamedNode:
        return NamedNode(self.base + "id/" + "/".join(map(_segment, parts)))

    # -- resources -----------------------------------------------------------------------
    def occupation(self, code: str) -> NamedNode:
        return self._id("occupation", code)

    def framework(self, code: str, version: str | None = None) -> NamedNode:
        """An occupation's framework: one release of it, or, without a version, the
        framework across its releases (whose current version is the latest release)."""
        return self._id("framework", code, *([version] if version else []))

    def evidence(self, code: str, version: str, part: str | None = None) -> NamedNode:
        return self._id("framework", code, version, "evidence", *([part] if part else []))

    def release_statement(self, code: str, version: str, kind: str, key: str) -> NamedNode:
        """A statement as one release states it (immutable, citable)."""
        return self._id("framework", code, version, "statement", kind, key)

    def statement(self, code: str, kind: str, key: str) -> NamedNode:
        """A statement across the releases of its framework, identified by its key."""
        return self._id("statement", code, kind, key)

    def level_role(self, code: str, version: str, scale: str, level: str) -> NamedNode:
        """The role one release gives a level (e.g. Emerging: Entry / Apprentice)."""
        return self._id("framework", code, version, "role", scale, level)

    def source_edition(self, code: str, version: str, key: str) -> NamedNode:
        """A source as one release cites it: its edition, title and citation label."""
        return self._id("framework", code, version, "source", key)

    def scale(self, key: str) -> NamedNode:
        return self._id("scale", key)

    def level(self, scale: str, key: str) -> NamedNode:
        return self._id("level", scale, key)

    def source(self, key: str) -> NamedNode:
        return self._id("source", key)

    def durable_skill(self, key: str) -> NamedNode:
        return self._id("durable-skill", key)

    def element(self, element_id: str) -> NamedNode:
        """An O*NET content-model element (skill, knowledge, ability, work style, ...)."""
        return self._id("element", element_id)

    def technology(self, commodity_code: str) -> NamedNode:
        """A technology category: a UNSPSC commodity."""
        return self._id("technology", commodity_code)

    def task(self, task_id: str) -> NamedNode:
        return self._id("task", task_id)

    def job_zone(self, zone: int) -> NamedNode:
        return self._id("job-zone", str(zone))

    def cip(self, code: str) -> NamedNode:
        return self._id("cip", code)

    def skills_cluster(self, key: str) -> NamedNode:
        return self._id("skills-cluster", key)

    def rating(self, release: str, code: str, element_id: str, scale_id: str,
               category: int | None = None) -> NamedNode:
        """One rating row of one O*NET release: values differ between releases."""
        tail = [str(category)] if category is not None else []
        return self._id("rating", f"onet-{release}", code, element_id, scale_id, *tail)

    def rating_scale(self, scale_id: str) -> NamedNode:
        return self._id("onet-scale", scale_id)

    def rating_category(self, element_id: str, scale_id: str, category: int) -> NamedNode:
        return self._id("onet-category", element_id, scale_id, str(category))

    def technology_skill(self, code: str, commodity_code: str, example: str) -> NamedNode:
        # Titles and product names are published without identifiers; percent-encoding
        # keeps them exact (a slug would merge "C Developer" with "C++ Developer").
        return self._id("technology-skill", code, commodity_code, example)

    def alternate_title(self, code: str, title: str, short_title: str | None) -> NamedNode:
        return self._id("title", code, title, *([short_title] if short_title else []))

    def reported_title(self, code: str, title: str) -> NamedNode:
        return self._id("reported-title", code, title)

    def emerging_task(self, release: str, code: str, task: str) -> NamedNode:
        return self._id("emerging-task", f"onet-{release}", code, task)

    def work_activity(self, activity_id: str) -> NamedNode:
        """A detailed (DWA) or intermediate (IWA) work activity, by its O*NET ID."""
        return self._id("work-activity", activity_id)

    def soc_group(self, code: str) -> NamedNode:
        """A SOC 2018 major, minor, broad or detailed group, e.g. 11-2022."""
        return self._id("soc2018", code)

    def occupation_relation(self, code: str, related: str) -> NamedNode:
        return self._id("related-occupation", code, related)

    def scheme(self, key: str) -> NamedNode:
        return self._id("scheme", key)

    def soc2010(self, code: str) -> NamedNode:
        """A SOC 2010 detailed occupation (only crosswalks refer to SOC 2010), e.g. 11-2022."""
        return self._id("soc2010", code)

    def mapping(self, mapping_set: str, key: str) -> NamedNode:
        """One crosswalk link; ``key`` is built from the codes or URIs it joins."""
        return self._id("mapping", mapping_set, key)

    def mapping_set(self, key: str) -> NamedNode:
        return self._id("mapping-set", key)

    def query(self, kind: str, name: str) -> NamedNode:
        """A catalogue query (queries/examples/*.rq, queries/qc/*.rq), by folder and name."""
        return self._id("query", kind, name)

    # -- named graphs --------------------------------------------------------------------
    def graph(self, *parts: str) -> NamedNode:
        return NamedNode(self.base + "graph/" + "/".join(map(_segment, parts)))
