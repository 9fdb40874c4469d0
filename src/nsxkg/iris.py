"""The only place instance IRIs are minted.

IRIs are readable and stable: they are built from codes the sources publish (O*NET-SOC
codes, O*NET element and task IDs, UNSPSC and CIP codes) and from the framework's own keys,
never from row positions in a file or from hashes.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from pyoxigraph import NamedNode

_UNSAFE = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """A lower-case, hyphenated key: 'Critical Thinking' -> 'critical-thinking'."""
    return _UNSAFE.sub("-", text.lower()).strip("-")


class Iris:
    def __init__(self, base: str):
        self.base = base if base.endswith("/") else base + "/"

    def _id(self, *parts: str) -> NamedNode:
        return NamedNode(self.base + "id/" + "/".join(quote(p, safe=".-_~") for p in parts))

    # -- resources -----------------------------------------------------------------------
    def occupation(self, code: str) -> NamedNode:
        return self._id("occupation", code)

    def framework(self, code: str, version: str) -> NamedNode:
        return self._id("framework", code, version)

    def evidence(self, code: str, version: str, part: str | None = None) -> NamedNode:
        return self._id("framework", code, version, "evidence", *([part] if part else []))

    def scale(self, key: str) -> NamedNode:
        return self._id("scale", key)

    def level(self, scale: str, key: str) -> NamedNode:
        return self._id("level", scale, key)

    def statement(self, code: str, kind: str, *path: str | int) -> NamedNode:
        return self._id("statement", code, kind, *(str(p) for p in path))

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

    def scheme(self, key: str) -> NamedNode:
        return self._id("scheme", key)

    # -- named graphs --------------------------------------------------------------------
    def graph(self, *parts: str) -> NamedNode:
        return NamedNode(self.base + "graph/" + "/".join(quote(p, safe=".-_~") for p in parts))
