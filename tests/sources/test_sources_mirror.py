"""Against the real source releases (NSXKG_SOURCES): release detection and row counts.

Counts were checked against the raw files with awk (text) and openpyxl (Excel). Each large
file is streamed once per session; the Excel Skills and Knowledge files dominate the time.
"""

from __future__ import annotations

import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

import pytest

from nsxkg.sources import AbsentFile, EscoRelease, OnetRelease, YearMonth
from nsxkg.sources.cip import read_cip_to_onet_soc
from nsxkg.sources.soc import read_definitions, read_direct_match_titles

pytestmark = pytest.mark.sources

SALES_MANAGERS = "11-2022.00"
Mirror = Callable[[str], Path]


@cache
def _release(path: Path) -> OnetRelease:
    return OnetRelease.open(path)


@cache
def _counts(path: Path, method: str) -> tuple[int, int]:
    """(all rows, rows for Sales Managers) of one O*NET file, read once per session."""
    rows: Iterable[object] = getattr(_release(path), method)()
    total = ours = 0
    for row in rows:
        total += 1
        ours += getattr(row, "code", None) == SALES_MANAGERS
    return total, ours


@pytest.fixture(scope="module")
def text29(mirror: Mirror) -> Path:
    return mirror("onet/29.0_text")


@pytest.fixture(scope="module")
def excel29(mirror: Mirror) -> Path:
    return mirror("onet/29.3_excel")


@pytest.fixture(scope="module")
def text30(mirror: Mirror) -> Path:
    return mirror("onet/30.1_text_partial")


# -- release detection ------------------------------------------------------------------------


def test_text_release_detected(text29: Path) -> None:
    release = _release(text29)
    assert (release.release, release.kind, release.published) == ("29.0", "text",
                                                                   YearMonth(2024, 8))
    assert not release.has("Skills") and release.has("Technology Skills")


def test_excel_release_detected(excel29: Path) -> None:
    release = _release(excel29)
    assert (release.release, release.kind, release.published) == ("29.3", "excel",
                                                                  YearMonth(2025, 5))
    assert release.has("Skills") and release.has("Knowledge")


def test_partial_release_without_read_me(text30: Path) -> None:
    release = OnetRelease.open(text30)
    assert (release.release, release.kind, release.published) == ("30.1", "text", None)
    assert release.names == ["Interests", "Occupation Data", "Work Styles", "Work Values"]
    assert OnetRelease.open(text30, release="30.2").release == "30.2"
    with pytest.raises(AbsentFile):
        release.task_statements()


def _zip(folder: Path, archive: Path, top: str, names: list[str]) -> Path:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{top}/", "")
        for name in names:
            z.write(folder / name, f"{top}/{name}")
    return archive


def test_text_zip(text29: Path, tmp_path: Path) -> None:
    archive = _zip(text29, tmp_path / "db_29_0_text.zip", "db_29_0_text",
                   ["Read Me.txt", "Occupation Data.txt", "Job Zones.txt"])
    release = OnetRelease.open(archive)
    assert (release.release, release.kind, release.published) == ("29.0", "text",
                                                                   YearMonth(2024, 8))
    assert release.names == ["Job Zones", "Occupation Data"]
    assert sum(1 for _ in release.occupations()) == 1016
    assert not release.has("Task Statements")


def test_excel_zip(excel29: Path, tmp_path: Path) -> None:
    archive = _zip(excel29, tmp_path / "db_29_3_excel.zip", "db_29_3_excel",
                   ["Read Me.txt", "Occupation Data.xlsx", "Scales Reference.xlsx"])
    release = OnetRelease.open(archive)
    assert (release.release, release.kind) == ("29.3", "excel")
    assert sum(1 for _ in release.occupations()) == 1016
    assert list(release.scales()) == list(_release(excel29).scales())


def test_zip_without_read_me_takes_the_release_from_its_name(excel29: Path,
                                                             tmp_path: Path) -> None:
    archive = _zip(excel29, tmp_path / "db_29_3_excel.zip", "db_29_3_excel",
                   ["Job Zone Reference.xlsx"])
    assert OnetRelease.open(archive).release == "29.3"


def test_extracted_zip_folder(text29: Path, tmp_path: Path) -> None:
    inner = tmp_path / "download" / "db_29_0_text"
    inner.mkdir(parents=True)
    for name in ["Read Me.txt", "Scales Reference.txt"]:
        (inner / name).write_bytes((text29 / name).read_bytes())
    release = OnetRelease.open(tmp_path / "download")
    assert (release.release, release.names) == ("29.0", ["Scales Reference"])


# -- counts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("folder", "method", "total", "sales_managers"), [
    ("29.0", "occupations", 1016, 1),
    ("29.0", "task_statements", 18796, 17),
    ("29.0", "alternate_titles", 55120, 46),
    ("29.0", "technology_skills", 32470, 103),
    ("29.0", "work_styles", 14064, 16),
    ("29.0", "job_zones", 923, 1),
    ("29.0", "related_occupations", 18460, 20),
    ("29.0", "reported_titles", 7798, 8),
    ("29.0", "education_training_experience", 36209, 41),
    ("29.0", "tasks_to_dwas", 23233, 19),
    ("29.0", "emerging_tasks", 240, 0),
    ("29.3", "alternate_titles", 56560, 47),
    ("29.3", "skills", 61530, 70),
    ("29.3", "knowledge", 58014, 66),
    ("29.3", "technology_skills", 32681, 103),
    ("29.3", "occupations", 1016, 1),
    ("30.1", "work_styles", 37422, 42),
    ("30.1", "occupations", 1016, 1),
])
def test_onet_counts(mirror: Mirror, folder: str, method: str, total: int,
                     sales_managers: int) -> None:
    path = mirror({"29.0": "onet/29.0_text", "29.3": "onet/29.3_excel",
                   "30.1": "onet/30.1_text_partial"}[folder])
    assert _counts(path, method) == (total, sales_managers)


@pytest.mark.parametrize(("method", "total"), [
    ("content_model", 627), ("scales", 29), ("job_zone_reference", 5),
    ("education_categories", 41), ("dwa_reference", 2087), ("iwa_reference", 332),
])
def test_onet_reference_counts(text29: Path, method: str, total: int) -> None:
    assert _counts(text29, method)[0] == total


def test_text_and_excel_releases_parse_to_the_same_rows(text29: Path, excel29: Path) -> None:
    # Files unchanged between 29.0 and 29.3 must read identically whatever the format.
    text, excel = _release(text29), _release(excel29)
    for method in ("occupations", "scales", "dwa_reference", "education_categories",
                   "job_zone_reference"):
        assert list(getattr(text, method)()) == list(getattr(excel, method)()), method


def test_work_styles_layouts(text29: Path, text30: Path) -> None:
    old = next(_release(text29).work_styles())
    assert (old.code, old.scale_id, old.n, old.standard_error, old.recommend_suppress) == (
        "11-1011.00", "IM", 28, 0.1218, False)
    new = [r for r in _release(text30).work_styles() if r.code == SALES_MANAGERS]
    assert Counter(r.scale_id for r in new) == {"DR": 21, "WI": 21}
    assert all(r.n is None and r.standard_error is None and r.recommend_suppress is None
               for r in new)
    assert all(r.element_id.startswith("1.D.") for r in new)
    assert new[0].date == YearMonth(2025, 12)


def test_sales_managers_rows(text29: Path) -> None:
    release = _release(text29)
    tasks = [t for t in release.task_statements() if t.code == SALES_MANAGERS]
    assert Counter(t.task_type for t in tasks) == {"Core": 13, "Supplemental": 4}
    content = {e.element_id: e for e in release.content_model()}
    assert content["2.A.1.a"].parent_id == "2.A.1" and content["1"].parent_id is None


# -- ESCO, SOC, CIP ---------------------------------------------------------------------------


def test_esco(mirror: Mirror) -> None:
    esco = EscoRelease.open(mirror("esco/v1.2.0"))
    assert esco.version == "1.2.0"
    occupations = list(esco.occupations())
    assert len(occupations) == 3039
    assert sum(len(o.alt_labels) for o in occupations) == 30373
    assert sum(1 for _ in esco.isco_groups()) == 619
    assert Counter((b.concept_type, b.broader_type) for b in esco.broader_relations()) == {
        ("Occupation", "ISCOGroup"): 1795, ("Occupation", "Occupation"): 1248,
        ("ISCOGroup", "ISCOGroup"): 609}
    schemes = {s.uri.rsplit("/", 1)[-1]: s for s in esco.concept_schemes()}
    assert len(schemes) == 19 and len(schemes["isco"].top_concepts) == 10
    with pytest.raises(AbsentFile):
        esco.table("skills_en.csv")


def test_soc_2018(mirror: Mirror) -> None:
    groups = list(read_definitions(mirror("soc2018/soc_2018_definitions.tsv")))
    assert Counter(g.level for g in groups) == {"Major": 23, "Minor": 98, "Broad": 459,
                                                "Detailed": 867}
    titles = list(read_direct_match_titles(mirror("soc2018/soc_2018_direct_match_title_file.tsv")))
    assert len(titles) == 6539 and sum(t.illustrative_example for t in titles) == 2413


def test_cip_crosswalk(mirror: Mirror) -> None:
    rows = list(read_cip_to_onet_soc(mirror("crosswalks/onet_cip/Education_CIP_to_ONET_SOC.tsv")))
    assert len(rows) == 8501 and rows[0].row == 4
    assert sum(1 for r in rows if r.code == SALES_MANAGERS) == 5
