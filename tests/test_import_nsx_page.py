"""Importing the publisher's page: the seed page gives the hand-transcribed release, field by
field; a malformed page is refused with its line and what was expected, and nothing is
written; a folder of pages is imported all or nothing, keeping statement keys across
releases. Needs the O*NET releases (NSXKG_SOURCES): a page's anchors are names, which are
looked up in O*NET."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from nsxkg.cli import main
from nsxkg.errors import InputError
from nsxkg.frameworks.loader import load_framework, load_reference, read_release, read_yaml
from nsxkg.importers.batch import import_pages
from nsxkg.importers.nsx_page import parse
from nsxkg.importers.onet_names import OnetNames, load
from support import FRAMEWORKS, PROJECT_ROOT, locate_sources

SEED = PROJECT_ROOT.parent / "shared" / "seeds" / "nsx-sales-managers-framework.txt"
HAND = FRAMEWORKS / "11-2022.00" / "v.26.05.yaml"
REFERENCE = load_reference(FRAMEWORKS / "reference.yaml")


def _seed() -> Path:
    if not SEED.is_file():
        pytest.skip("the seed page (../shared/seeds/nsx-sales-managers-framework.txt, beside "
                    "the checkout) is not here")
    return SEED


@pytest.fixture(scope="module")
def names() -> OnetNames:
    sources = locate_sources()
    if sources is None:
        pytest.skip("NSXKG_SOURCES is not set; point it at the source-release mirror")
    return load(sources)


@pytest.fixture(scope="module")
def seed_text() -> str:
    return _seed().read_text(encoding="utf-8")


@pytest.fixture
def frameworks(tmp_path: Path) -> Path:
    """An empty frameworks directory: the project's reference data, no release."""
    directory = tmp_path / "frameworks"
    directory.mkdir()
    shutil.copyfile(FRAMEWORKS / "reference.yaml", directory / "reference.yaml")
    return directory


def fields(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every leaf of a release file's data with its path (mastery.0.statements.3.text …)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from fields(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        yield (f"{path}#", len(value))
        for n, item in enumerate(value):
            yield from fields(item, f"{path}.{n}")
    else:
        yield path, value


# -- the seed -----------------------------------------------------------------------------------


def test_seed_page_equals_the_hand_transcribed_release_field_by_field(
        names: OnetNames, seed_text: str) -> None:
    imported = dict(fields(parse(seed_text, _seed(), names, REFERENCE).data))
    hand = dict(fields(read_yaml(HAND)[0]))
    differing = {p: (hand.get(p), imported.get(p)) for p in hand.keys() | imported.keys()
                 if hand.get(p) != imported.get(p)}
    assert differing == {}
    # The parts the issue names, so a failure says which one broke.
    assert imported["mastery.0.statements.0.focus"] == "Customer complaint records"
    assert imported["mastery.3.statements.9.text"].startswith("represent the organization")
    assert imported["mastery.1.role"] == "Mid-level / Established"
    assert imported["durable_skills.2.domain"] == "metacognition"
    assert imported["ai_use.1.statements.0.cites.1"] == "safi"
    assert imported["evidence.automation_feasibility.top_skill.id"] == "2.A.1.d"
    assert imported["anchors.work_styles.0.id"] == "1.D.1.i"
    assert imported["anchors.technology.0.code"] == 43232303


def test_imported_file_loads_as_the_same_release(names: OnetNames, frameworks: Path) -> None:
    [outcome] = import_pages([_seed()], frameworks, names)
    assert outcome.written and outcome.target == frameworks / "11-2022.00" / "v.26.05.yaml"
    assert read_release(outcome.target).framework == load_framework(HAND)
    schema = json.loads((FRAMEWORKS / "framework.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(read_yaml(outcome.target)[0], schema)


# -- malformed pages ----------------------------------------------------------------------------


def replace_line(at: str, new: str | None = None) -> Callable[[list[str]], int]:
    """Blank (or replace) the first line starting with ``at``; returns its number."""
    def mutate(lines: list[str]) -> int:
        n = next(i for i, line in enumerate(lines) if line.startswith(at))
        lines[n] = "" if new is None else new
        return n + 1
    return mutate


def blank_domain(header: str) -> Callable[[list[str]], int]:
    """Keep a domain's heading, drop its levels and statements."""
    def mutate(lines: list[str]) -> int:
        n = lines.index(header)
        end = next(i for i in range(n + 1, len(lines)) if lines[i][:1].isdigit())
        for i in range(n + 1, end):
            lines[i] = ""
        return n + 1
    return mutate


def unknown_chip(lines: list[str]) -> int:
    n = next(i for i, line in enumerate(lines) if line.startswith("  2. Internal reporting"))
    lines[n] = lines[n].replace("O*NET v30.2O*NET Resource Center",
                                "Gartner HypeGartner Research Center")
    return n + 1


# (mutation, where the error is relative to the line mutated, what it says): a blanked line
# is noticed at the line that follows it, which is not what the layout expects there.
MUTATIONS: dict[str, tuple[Callable[[list[str]], int], int, str]] = {
    "a missing level": (replace_line("Developing"), 1,
                        "expected a level (Emerging, Developing, Proficient, Advanced) or a "
                        "numbered statement, got 'Mid-level / Established'"),
    "a count that disagrees": (replace_line("1Communication12 statements",
                                            "1Communication13 statements"), 0,
                               "domain Communication says 13 statements but lists 12"),
    "an unknown citation": (unknown_chip, 0, "unknown citation"),
    "an empty domain": (blank_domain("3Metacognition10 statements"), 0,
                        "domain Metacognition lists no statements"),
    "a statement out of sequence": (replace_line(
        "  3. Sales operational reports",
        "  4. Sales operational reportsreview and summarize basic metrics."), 0,
        "expected statement 3 of level Emerging, got number 4"),
    "an unknown domain": (replace_line("7Creativity10 statements", "7Curiosity10 statements"), 0,
                          "unknown durable-skill domain 7 'Curiosity'"),
    "an unknown source": (replace_line("Sources: ", "Sources: O*NET v30.2, Gallup. © 2026 X."), 0,
                          "unknown source 'Gallup' in the source list"),
    "an unknown O*NET skill": (replace_line("SpeakingActive Listening",
                                            "SpeakingTelepathyNegotiation"), 0,
                               "unknown O*NET skills 'Telepathy'"),
    "a missing evidence field": (replace_line("Time saved: "), 1,
                                 "expected 'Time saved: …' in the evidence pack"),
}


@pytest.mark.parametrize("case", list(MUTATIONS))
def test_malformed_page_names_line_and_expectation_and_writes_nothing(
        case: str, names: OnetNames, seed_text: str, frameworks: Path, tmp_path: Path) -> None:
    mutate, offset, expected = MUTATIONS[case]
    lines = seed_text.splitlines()
    line = mutate(lines) + offset
    page = tmp_path / "page.txt"
    page.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        import_pages([page], frameworks, names)
    [(where, message)] = err.value.problems
    assert (where.file, where.line) == (page, line), message
    assert expected in message
    assert sorted(p.name for p in frameworks.iterdir()) == ["reference.yaml"]


def test_one_bad_page_in_a_folder_writes_none(names: OnetNames, seed_text: str,
                                              frameworks: Path, tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a-good.txt").write_text(seed_text, encoding="utf-8")
    (folder / "b-bad.txt").write_text(seed_text.replace("Context covered", "Context"),
                                      encoding="utf-8")
    result = CliRunner().invoke(main, ["import", "nsx-page", str(folder), "-o",
                                       str(frameworks), "--sources", str(locate_sources())])
    assert result.exit_code == 2
    assert "b-bad.txt, line 8: expected 'Context covered'" in result.output
    assert not (frameworks / "11-2022.00").exists()


# -- a batch of releases ------------------------------------------------------------------------


def next_release(seed_text: str) -> str:
    """The seed as its next release would read: a new version, one statement reworded."""
    return (seed_text.replace("Preparationv.26.05", "Preparationv.26.11")
            .replace("Customer complaint recordsdocument and escalate under supervisor guidance",
                     "Customer complaint recordsdocument, triage and escalate under supervisor "
                     "guidance"))


def test_folder_import_writes_each_release_and_keeps_keys(
        names: OnetNames, seed_text: str, frameworks: Path, tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "sales-managers.txt").write_text(seed_text, encoding="utf-8")
    first = import_pages([folder / "sales-managers.txt"], frameworks, names)
    assert [o.written for o in first] == [True]
    (folder / "sales-managers-next.txt").write_text(
        next_release(seed_text).replace("Organizational sales strategyset",
                                        "Company-wide sales strategyset"), encoding="utf-8")
    result = CliRunner().invoke(main, ["import", "nsx-page", str(folder), "-o",
                                       str(frameworks), "--sources", str(locate_sources())])
    assert result.exit_code == 0, result.output
    assert "unchanged" in result.output and "written" in result.output
    old = load_framework(frameworks / "11-2022.00" / "v.26.05.yaml")
    new = load_framework(frameworks / "11-2022.00" / "v.26.11.yaml")
    reworded = new.mastery[0].statements[0]
    assert reworded.text.startswith("document, triage") and \
        reworded.key == old.mastery[0].statements[0].key
    # a retitled statement keeps its key by its unchanged text
    assert new.mastery[3].statements[0].focus == "Company-wide sales strategy"
    assert new.mastery[3].statements[0].key == "organizational-sales-strategy"


def test_a_different_existing_release_is_replaced_only_with_force(
        names: OnetNames, seed_text: str, frameworks: Path, tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text(seed_text, encoding="utf-8")
    target = frameworks / "11-2022.00" / "v.26.05.yaml"
    target.parent.mkdir()
    edited = HAND.read_text(encoding="utf-8").replace("Entry / Apprentice", "Entry")
    target.write_text(edited, encoding="utf-8")
    with pytest.raises(InputError, match="already exists with other content.*--force"):
        import_pages([page], frameworks, names)
    assert target.read_text(encoding="utf-8") == edited
    [outcome] = import_pages([page], frameworks, names, force=True)
    assert outcome.written and "Entry / Apprentice" in target.read_text(encoding="utf-8")


def test_reimporting_an_unchanged_page_leaves_the_file_alone(
        names: OnetNames, frameworks: Path) -> None:
    target = frameworks / "11-2022.00" / "v.26.05.yaml"
    target.parent.mkdir()
    shutil.copyfile(HAND, target)  # hand-written: its comments differ from an import's
    [outcome] = import_pages([_seed()], frameworks, names)
    assert not outcome.written and target.read_bytes() == HAND.read_bytes()


def test_import_without_sources_is_refused(frameworks: Path) -> None:
    result = CliRunner().invoke(main, ["import", "nsx-page", str(_seed()), "-o",
                                       str(frameworks)], env={"NSXKG_SOURCES": ""})
    assert result.exit_code == 2 and "set --sources or NSXKG_SOURCES" in result.output
