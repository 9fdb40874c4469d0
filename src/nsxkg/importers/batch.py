"""Import a batch of NSX pages into a frameworks directory, all or nothing.

Every page is read and checked (nsx_page.parse) before anything is written, so a publisher's
folder of pages either becomes release files or changes nothing; statements keep the keys
the framework's previous release gave them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nsxkg.convert.framework import version_order
from nsxkg.errors import InputError, Location
from nsxkg.frameworks.loader import (
    load_framework,
    load_reference,
    read_yaml,
    reference_path,
)
from nsxkg.frameworks.model import statements
from nsxkg.importers.nsx_page import Imported, parse
from nsxkg.importers.onet_names import OnetNames
from nsxkg.importers.page import Keys


@dataclass(frozen=True)
class Outcome:
    """What importing one page did: the release file and whether it was written."""

    page: Path
    target: Path
    written: bool  # False: the file was already there with the same content


def pages_in(source: Path) -> list[Path]:
    """A page file, or every ``*.txt`` page of a folder (in name order)."""
    if source.is_dir():
        found = sorted(p for p in source.glob("*.txt") if p.is_file())
        if not found:
            raise InputError.at(source, "no NSX page (*.txt) in this folder")
        return found
    if not source.is_file():
        raise InputError.at(source, "no such page file or folder")
    return [source]


def previous_keys(frameworks: Path, code: str, version: str) -> Keys:
    """The keys of the latest other release of a framework, by (kind, title) and (kind, text),
    so that a statement a new release keeps keeps its identity."""
    others = sorted((p for p in (frameworks / code).glob("*.yaml") if p.stem != version),
                    key=lambda p: version_order(p.stem))
    if not others:
        return {}
    keys: Keys = {}
    for st in statements(load_framework(others[-1])):
        keys.setdefault((st.kind.value, st.title), st.key)
        keys.setdefault((st.kind.value, st.text), st.key)
    return keys


def import_pages(sources: list[Path], frameworks: Path, names: OnetNames, *,
                 force: bool = False) -> list[Outcome]:
    """Import every page into ``frameworks`` (<code>/<version>.yaml): all or nothing.

    Every page is read and checked before anything is written; a bad page, two pages of one
    release, or a release file already there with other content (unless ``force``) stops the
    whole batch with every problem found, and nothing is written.
    """
    reference = load_reference(reference_path(frameworks))
    problems: list[tuple[Location, str]] = []
    done: dict[Path, tuple[Path, Imported]] = {}
    for page in sources:
        try:
            text = page.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            problems.append((Location(page), f"not UTF-8 text ({err.reason} at byte "
                                             f"{err.start})"))
            continue
        try:
            first = parse(text, page, names, reference)
            keys = previous_keys(frameworks, first.code, first.version)
            imported = parse(text, page, names, reference, keys) if keys else first
        except InputError as err:
            problems += err.problems
            continue
        target = frameworks / imported.code / f"{imported.version}.yaml"
        if target in done:
            problems.append((Location(page), f"release {imported.version} of {imported.code} "
                                             f"is also imported from {done[target][0]}"))
            continue
        if target.exists() and not force and not _same(target, imported.data):
            problems.append((Location(target), f"already exists with other content; "
                                               f"importing {page} would replace it (use "
                                               f"--force to replace it)"))
            continue
        done[target] = (page, imported)
    if problems:
        raise InputError(problems)
    outcomes = []
    for target, (page, imported) in done.items():
        same = target.exists() and _same(target, imported.data)
        if not same:
            target.parent.mkdir(parents=True, exist_ok=True)
            staging = target.with_name(f".{target.name}.importing")
            staging.write_text(imported.yaml(), encoding="utf-8")
            staging.replace(target)  # a reader sees the old file or the new, never half
        outcomes.append(Outcome(page, target, not same))
    return outcomes


def _same(target: Path, data: dict[str, Any]) -> bool:
    """Whether a release file already says what an import would write (comments and layout
    aside): re-importing an unchanged page leaves a hand-edited file alone."""
    try:
        return bool(read_yaml(target)[0] == data)
    except InputError:
        return False
