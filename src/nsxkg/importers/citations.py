"""The citations of an NSX page: its source list, and the chips glued to statements.

A chip is a source's label run into the title of the edition cited, then ". Opens in new
tab." (``Jadhav & Danve, 2026Skill Automation Feasibility Index — …. Opens in new tab.``).
Labels and titles are told apart by the page's own source list: a chip's label is a name of
that list, the start of one, or what one has in parentheses.
"""

from __future__ import annotations

import re
from typing import Any

from nsxkg.frameworks.model import Reference
from nsxkg.importers.page import GLUE, Chip, Page

SOURCES = "Sources: "
CHIP_END = ". Opens in new tab."
_MONTHS = {m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug",
                                       "sep", "oct", "nov", "dec"], start=1)}


def chips(page: Page, line: int, body: str, trailing: str) -> tuple[str, list[str]]:
    """Split the citation chips ("LabelTitle — Publisher. Opens in new tab.") off a statement:
    the statement (with ``trailing``, the period the page sets after the chips) and the keys
    of the sources cited."""
    parts = body.split(CHIP_END)
    if len(parts) < 2:
        raise page.fail(line, "expected citation chips ('… Opens in new tab.') after the "
                              "statement")
    if parts[-1] != trailing:
        raise page.fail(line, f"expected the statement to end with its citation chips"
                              f"{' and a period' if trailing else ''}, got {parts[-1]!r}")
    first, rest = parts[0], [p.strip() for p in parts[1:-1]]
    statement, chip = _first_chip(page, line, first)
    keys = [chip.key]
    for text in rest:
        keys.append(_chip(page, line, text).key)
    return statement + trailing, keys


def _first_chip(page: Page, line: int, segment: str) -> tuple[str, Chip]:
    dash = segment.rfind(" — ")
    for glue in reversed([m.start() for m in GLUE.finditer(segment, 0, max(dash, 0))]):
        for space in reversed([i for i in range(glue) if segment[i] == " "]):
            source = source_for_label(page, segment[space + 1:glue])
            if source is not None:
                return segment[:space], _chip(page, line, segment[space + 1:])
    raise page.fail(line, f"unknown citation: no chip at the end of {segment[-80:]!r} names a "
                          f"source of the page's source list "
                          f"({', '.join(s['label'] for s in page.sources)})")


def _chip(page: Page, line: int, chip: str) -> Chip:
    for m in GLUE.finditer(chip):
        label, title = chip[:m.start()], chip[m.start():]
        key = source_for_label(page, label)
        if key is not None and " — " in title:
            known = page.chips.get(key)
            if known is not None and (known.label, known.title) != (label, title):
                raise page.fail(line, f"source {key!r} is cited as {label!r} ({title!r}) here "
                                      f"but as {known.label!r} ({known.title!r}) before")
            page.chips[key] = Chip(key, label, title)
            return page.chips[key]
    raise page.fail(line, f"unknown citation {chip[:60]!r}: expected a chip naming a source of "
                          f"the page's source list "
                          f"({', '.join(s['label'] for s in page.sources)})")


def source_for_label(page: Page, label: str) -> str | None:
    """The source a chip label names: its label in the page's source list, the start of it
    (WEF Skills Taxonomy / WEF Skills Taxonomy 2021) or what it has in parentheses
    (Jadhav & Danve, 2026 / SAFI (Jadhav & Danve, 2026))."""
    label = label.strip()
    if not label:
        return None
    for source in page.sources:
        listed = source["label"]
        if label == listed or listed.startswith(label + " ") or f"({label})" in listed:
            return str(source["key"])
    return None


def read_sources(page: Page, at: int) -> tuple[str | None, str | None]:
    """The source list at the foot of the page, and the publisher and rights after it."""
    text = page.lines[at].strip().removeprefix(SOURCES)
    listed, _, after = text.partition("©")
    rights = ("©" + after).strip().rstrip(".") if after else None
    publisher = (re.sub(r"^©\s*\d{4}\s*", "", rights).strip() or None) if rights else None
    labels = [s.strip() for s in _split_commas(listed.strip().rstrip("."))]
    for n, label in enumerate(labels):
        label = re.sub(r"\s*\((?:CC[ -]|licen)[^)]*\)$", "", label, flags=re.I)
        key = _reference_source(page.reference, label)
        if key is None:
            known = ", ".join(s.name for s in page.reference.sources)
            raise page.fail(at + 1, f"unknown source {label!r} in the source list: add it to "
                                    f"reference.yaml (known: {known})")
        page.sources.append({"key": key, "label": label})
        page.at[("sources", n)] = at + 1
    return publisher, rights


def _split_commas(text: str) -> list[str]:
    out, depth, current = [], 0, ""
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            out.append(current)
            current = ""
        else:
            current += ch
    return [*out, current] if current.strip() else out


def _reference_source(reference: Reference, label: str) -> str | None:
    for source in reference.sources:
        acronym = re.search(r"\(([A-Z][A-Z0-9*]+)\)", source.name)
        if label == source.name or label.startswith(source.name + " ") or (
                acronym and label.split(" ")[0] == acronym[1]):
            return source.key
    return None


def edition(source: dict[str, Any], chip: Chip | None) -> dict[str, Any]:
    """A source as the release cites it: the chip's label and title, and the version, date and
    identifier its title gives."""
    if chip is None:
        return source
    out = {**source, "citation_label": chip.label, "title": chip.title}
    version = re.search(r"\b(v\d+(?:\.\d+)+|release_[\d_]+\d)\b", chip.title)
    if version:
        out["version"] = version[1]
    day = re.search(r"\brelease_(\d{4})_(\d{2})_(\d{2})\b", chip.title)
    month = re.search(r"\(([A-Za-z]{3})[a-z]*\.? (\d{4})\)", chip.title)
    year = re.search(r"\b((?:19|20)\d{2})\b", chip.title)
    if day:
        out["date"] = "-".join(day.groups())
    elif month and month[1].lower() in _MONTHS:
        out["date"] = f"{month[2]}-{_MONTHS[month[1].lower()]:02d}"
    elif year:
        out["date"] = year[1]
    identifier = re.search(r"\b(arXiv:\d{4}\.\d{4,5}|10\.\d{4,9}/\S+?)(?=[)\s]|$)", chip.title)
    if identifier:
        out["identifier"] = identifier[1]
    return out


def source_for_word(page: Page, word: str) -> str | None:
    """The listed source an evidence heading names by its short form: initials (AEI),
    the acronym of its reference name (SAFI) or the first word of its label (WEF)."""
    for source in page.sources:
        label = source["label"]
        name = page.reference.source(source["key"])
        initials = "".join(w[0] for w in label.split() if w[:1].isupper())
        if word in (initials, label.split(" ")[0]) or (
                name is not None and f"({word})" in name.name):
            return str(source["key"])
    return None
