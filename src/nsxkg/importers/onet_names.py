"""What the NSX page importer needs from O*NET: identifiers for the names a page shows, and
the words O*NET uses.

A page names its anchors (skills, knowledge, abilities, work styles, technology, tasks) but
gives no identifiers; a framework file needs them, so the importer looks the names up in the
O*NET releases of the source directory, newest release first (work styles changed
identifiers in 30.x; a page follows the current release).

A page also glues each mastery statement's focus phrase to its text
("Customer complaint recordsdocument and escalate …"). O*NET's own vocabulary (task
statements, occupation descriptions, the content model) tells where the focus phrase ends:
its last word is a word O*NET uses, and O*NET task statements, like the statements, open
with a verb.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from nsxkg.errors import InputError
from nsxkg.sources.discover import discover
from nsxkg.sources.onet import (
    CONTENT_MODEL,
    DWA_REFERENCE,
    OCCUPATION_DATA,
    TASK_STATEMENTS,
    TECHNOLOGY_SKILLS,
    WORK_STYLES,
    OnetRelease,
)

_WORD = re.compile(r"[A-Za-z]+")
# The element ID prefixes of each kind of anchor in the O*NET content model.
KIND_PREFIXES = {"skills": ("2.A", "2.B"), "knowledge": ("2.C",), "abilities": ("1.A",),
                 "work_styles": ("1.C", "1.D")}


@dataclass
class OnetNames:
    elements: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, name) → ID
    tasks: dict[tuple[str, str], int] = field(default_factory=dict)  # (code, text) → task ID
    technology: dict[tuple[str, str], int] = field(default_factory=dict)  # (code, title) → UNSPSC
    words: set[str] = field(default_factory=set)
    verbs: set[str] = field(default_factory=set)
    releases: list[str] = field(default_factory=list)

    def known(self, token: str) -> bool:
        """A word O*NET uses (every part of a hyphenated one)."""
        parts = [p for p in re.split(r"[-,.;:]", token) if p]
        return bool(parts) and all(p.lower() in self.words for p in parts)

    def element(self, kind: str, name: str) -> str | None:
        return self.elements.get((kind, name.casefold()))


def _number(release: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", release))


def load(sources: Path) -> OnetNames:
    """The names and words of every O*NET release under ``sources``, newest first winning."""
    found = discover(sources).onet
    # Excel releases hold the same tables as text ones but read ten times slower: they are
    # read only when the source directory has no text release.
    text = [r for r in found if r.kind == "text"]
    releases = sorted(text or found, key=lambda r: _number(r.release), reverse=True)
    if not releases:
        raise InputError.at(sources, "no O*NET release: importing a page looks its anchors' "
                                     "names up in O*NET (set --sources or NSXKG_SOURCES)")
    names = OnetNames(releases=[r.release for r in releases])
    for release in releases:
        _read(release, names)
    return names


def _read(release: OnetRelease, names: OnetNames) -> None:
    def element(element_id: str, name: str) -> None:
        for kind, prefixes in KIND_PREFIXES.items():
            if element_id.startswith(prefixes):
                names.elements.setdefault((kind, name.casefold()), element_id)
        names.words.update(w.lower() for w in _WORD.findall(name))

    if release.has(WORK_STYLES):
        for rating in release.work_styles():
            element(rating.element_id, rating.element_name)
    if release.has(CONTENT_MODEL):
        for e in release.content_model():
            element(e.element_id, e.name)
            names.words.update(w.lower() for w in _WORD.findall(e.description))
    if release.has(TASK_STATEMENTS):
        for t in release.task_statements():
            words = _WORD.findall(t.task)
            if words:
                names.verbs.add(words[0].lower())
            names.words.update(w.lower() for w in words)
            names.tasks.setdefault((t.code, t.task), t.task_id)
    if release.has(OCCUPATION_DATA):
        for o in release.occupations():
            names.words.update(w.lower() for w in _WORD.findall(f"{o.title} {o.description}"))
    if release.has(DWA_REFERENCE):
        for d in release.dwa_reference():
            names.words.update(w.lower() for w in _WORD.findall(d.title))
    if release.has(TECHNOLOGY_SKILLS):
        for s in release.technology_skills():
            names.technology.setdefault((s.code, s.commodity_title), int(s.commodity_code))
