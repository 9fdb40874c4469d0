"""What changed between two releases of one occupation's framework.

Statements are matched by key (their identity across releases, see docs/frameworks.md), so a
reordered file changes nothing, and each statement of either release is one of:

* added: its key is only in the later release;
* removed: only in the earlier one (it stays in the earlier release's graph, served);
* reworded: its focus phrase or title, or its text, changed;
* moved: it sits at another level (a durable-skill statement stays in its domain);
* moved and reworded: both.

Statements are read from a loaded store (a release's own named graph, so a diff costs two
index scans) or from framework files; ``nsxkg diff``, the framework pages and the example
query ``framework-diff.rq`` give the same answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from nsxkg.convert.framework import release_graph
from nsxkg.frameworks.model import Framework, statements
from nsxkg.iris import Iris
from nsxkg.namespaces import DCTERMS, NSX, RDF

KINDS = {NSX.MasteryStatement.value: "mastery", NSX.AIUseStatement.value: "ai-use",
         NSX.DurableSkillStatement.value: "durable"}
CHANGES = ("added", "removed", "reworded", "moved", "moved and reworded")


@dataclass(frozen=True)
class Version:
    """A statement as one release states it."""

    kind: str
    key: str
    level: str  # the level key, e.g. proficient
    position: int
    title: str
    text: str
    domain: str | None = None
    iri: str | None = None


@dataclass(frozen=True)
class Change:
    change: str
    kind: str
    key: str
    old: Version | None
    new: Version | None

    @property
    def level_from(self) -> str | None:
        return self.old.level if self.old else None

    @property
    def level_to(self) -> str | None:
        return self.new.level if self.new else None


def diff(old: Iterable[Version], new: Iterable[Version]) -> list[Change]:
    """The changes from ``old`` to ``new``, in the later release's order (removed ones
    after, in the earlier release's order)."""
    before = {(v.kind, v.key): v for v in old}
    after = {(v.kind, v.key): v for v in new}
    changes = []
    for ident, v in after.items():
        was = before.get(ident)
        if was is None:
            changes.append(Change("added", v.kind, v.key, None, v))
            continue
        moved = was.level != v.level
        reworded = (was.title, was.text) != (v.title, v.text)
        if moved or reworded:
            what = "moved and reworded" if moved and reworded else "moved" if moved \
                else "reworded"
            changes.append(Change(what, v.kind, v.key, was, v))
    changes += [Change("removed", v.kind, v.key, v, None)
                for ident, v in before.items() if ident not in after]
    order = {"mastery": 0, "ai-use": 1, "durable": 2}
    return sorted(changes, key=lambda c: (order.get(c.kind, 9), CHANGES.index(c.change)))


def from_framework(fw: Framework) -> list[Version]:
    return [Version(p.kind.value, p.key, p.level, p.position, p.title, p.text, p.domain)
            for p in statements(fw)]


def from_store(store: ox.Store, iris: Iris, code: str, version: str) -> list[Version]:
    """The statements of one release, from its named graph (empty if it is not loaded)."""
    graph = release_graph(iris, code, version)
    facts: dict[str, dict[str, list[ox.NamedNode | ox.Literal]]] = {}
    for q in store.quads_for_pattern(None, None, None, graph):
        if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode | ox.Literal):
            facts.setdefault(q.subject.value, {}).setdefault(q.predicate.value, []).append(
                q.object)
    out = []
    for iri, props in facts.items():
        kind = next((KINDS[t.value] for t in props.get(RDF.type.value, ())
                     if t.value in KINDS), None)
        if kind is None:
            continue
        domain = props.get(NSX.domain.value)
        out.append(Version(kind, iri.rsplit("/", 1)[-1],
                           _last(props[NSX.level.value][0].value),
                           int(props[NSX.position.value][0].value),
                           props[DCTERMS.title.value][0].value,
                           props[NSX.statementText.value][0].value,
                           _last(domain[0].value) if domain else None, iri))
    out.sort(key=lambda v: (v.kind, v.domain or "", v.level, v.position))
    return out


def _last(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def render(changes: list[Change], code: str, old: str, new: str) -> str:
    """The diff for people at a terminal."""
    if not changes:
        return f"{code}: no statement changed from {old} to {new}\n"
    counts = ", ".join(f"{sum(c.change == what for c in changes)} {what}" for what in CHANGES
                       if any(c.change == what for c in changes))
    lines = [f"{code}: {old} → {new}: {counts}", ""]
    for c in changes:
        where = f"{c.kind}{'/' + (c.new or c.old).domain if (c.new or c.old).domain else ''}"  # type: ignore[union-attr]
        head = f"{c.change:<18} {where:<28} {c.key}"
        if c.change == "added" and c.new:
            lines += [head + f"  [{c.new.level}]", f"{'':21}+ {c.new.title} — {c.new.text}"]
        elif c.change == "removed" and c.old:
            lines += [head + f"  [{c.old.level}]", f"{'':21}- {c.old.title} — {c.old.text}"]
        elif c.old and c.new:
            level = f"  [{c.old.level} → {c.new.level}]" if c.old.level != c.new.level \
                else f"  [{c.new.level}]"
            lines.append(head + level)
            if (c.old.title, c.old.text) != (c.new.title, c.new.text):
                lines += [f"{'':21}- {c.old.title} — {c.old.text}",
                          f"{'':21}+ {c.new.title} — {c.new.text}"]
    return "\n".join(lines) + "\n"
