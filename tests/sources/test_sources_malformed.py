"""Hand-written malformed files: every error names file, row and column."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pytest

from nsxkg.errors import InputError, RowError
from nsxkg.sources import AbsentFile, EscoRelease, OnetRelease
from nsxkg.sources.cip import read_cip_to_onet_soc
from nsxkg.sources.soc import read_definitions


@pytest.fixture
def onet(fixtures_dir: Path) -> OnetRelease:
    return OnetRelease.open(fixtures_dir / "onet" / "29.0_text_malformed")


def _error(rows: Iterable[object]) -> RowError:
    with pytest.raises(RowError) as info:
        for _ in rows:
            pass
    return info.value


def test_release_number_inferred_from_a_directory_without_read_me(onet: OnetRelease) -> None:
    assert (onet.release, onet.kind, onet.published) == ("29.0", "text", None)


def test_bad_onet_soc_code(onet: OnetRelease) -> None:
    err = _error(onet.occupations())
    assert str(err).endswith(
        "Occupation Data.txt: row 3, column 'O*NET-SOC Code': "
        "expected an O*NET-SOC code like 11-2022.00, got '11-2022'")
    assert (Path(err.file).name, err.row, err.column) == (
        "Occupation Data.txt", 3, "O*NET-SOC Code")


def test_non_numeric_data_value(onet: OnetRelease) -> None:
    err = _error(onet.skills())
    assert str(err).endswith(
        "Skills.txt: row 3, column 'Data Value': expected a number, got 'abc'")


def test_row_with_a_missing_column(onet: OnetRelease) -> None:
    err = _error(onet.task_statements())
    assert (Path(err.file).name, err.row, err.column) == ("Task Statements.txt", 3, "Domain Source")
    assert "row has 6 columns, the header has 7" in str(err)


def test_row_with_an_extra_column(onet: OnetRelease) -> None:
    err = _error(onet.job_zones())
    assert re.search(r"Job Zones\.txt: row 2: row has 5 columns, the header has 4", str(err))


def test_bad_flag(onet: OnetRelease) -> None:
    err = _error(onet.technology_skills())
    assert str(err).endswith(
        "Technology Skills.txt: row 3, column 'Hot Technology': expected Y or N, got 'Yes'")


def test_valid_rows_before_an_error_are_yielded(onet: OnetRelease) -> None:
    first = next(onet.occupations())
    assert (first.code, first.title, first.row) == ("11-2022.00", "Sales Managers", 2)
    titles = list(onet.alternate_titles())
    assert [(t.short_title, t.sources) for t in titles] == [(None, ("04", "06")),
                                                            ("VP of Sales", ("08",))]


def test_absent_file_is_signalled_when_asked_not_when_iterated(onet: OnetRelease) -> None:
    assert not onet.has("Knowledge")
    with pytest.raises(AbsentFile, match="O\\*NET 29.0 \\(text\\) has no 'Knowledge' file"):
        onet.knowledge()


def test_the_same_files_read_from_a_zip(fixtures_dir: Path, tmp_path: Path) -> None:
    folder = fixtures_dir / "onet" / "29.0_text_malformed"
    archive = tmp_path / "db_29_0_text.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for file in folder.iterdir():
            z.write(file, f"db_29_0_text/{file.name}")
    release = OnetRelease.open(archive)
    assert (release.release, release.kind) == ("29.0", "text")
    err = _error(release.skills())
    assert str(err) == (f"{archive}/db_29_0_text/Skills.txt: row 3, column 'Data Value': "
                        "expected a number, got 'abc'")


def test_release_name_needed_when_nothing_names_it(fixtures_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "onet_release"
    folder.mkdir()
    source = fixtures_dir / "onet" / "29.0_text_malformed" / "Occupation Data.txt"
    (folder / source.name).write_bytes(source.read_bytes())
    with pytest.raises(InputError, match="pass release="):
        OnetRelease.open(folder)
    assert OnetRelease.open(folder, release="30.1").release == "30.1"
    with pytest.raises(InputError, match="release must look like 29.0"):
        OnetRelease.open(folder, release="latest")


def test_esco_wrong_column_count_counts_records_not_lines(fixtures_dir: Path) -> None:
    esco = EscoRelease.open(fixtures_dir / "esco" / "malformed", version="1.2.0")
    rows = esco.occupations()
    first = next(rows)
    assert first.alt_labels == ("head of sales", "sales director")
    assert first.in_scheme == ("http://data.europa.eu/esco/concept-scheme/occupations",
                               "http://data.europa.eu/esco/concept-scheme/member-occupations")
    err = _error(rows)
    assert str(err).startswith(f"{esco.directory / 'occupations_en.csv'}: row 3, column "
                               "'modifiedDate': row has 7 columns, the header has 14")


def test_esco_bad_isco_code(fixtures_dir: Path) -> None:
    esco = EscoRelease.open(fixtures_dir / "esco" / "malformed", version="1.2.0")
    err = _error(esco.isco_groups())
    assert str(err).endswith("ISCOGroups_en.csv: row 3, column 'code': "
                             "expected an ISCO-08 code, got '12x1'")


def test_esco_version_from_directory_name_or_argument(fixtures_dir: Path) -> None:
    with pytest.raises(InputError, match="pass version="):
        EscoRelease.open(fixtures_dir / "esco" / "malformed")
    assert not EscoRelease.open(fixtures_dir / "esco" / "malformed", version="1.2.0").has(
        "skills_en.csv")


def test_cip_bad_code_keeps_the_file_row_number(fixtures_dir: Path) -> None:
    err = _error(read_cip_to_onet_soc(fixtures_dir / "cip_malformed.tsv"))
    assert str(err).endswith("cip_malformed.tsv: row 5, column '2020 CIP Code': "
                             "expected a CIP code like 01.0000, got '1.0101'")


def test_soc_parents_follow_the_file_order(fixtures_dir: Path) -> None:
    groups = {g.code: g for g in read_definitions(fixtures_dir / "soc_definitions_excerpt.tsv")}
    assert groups["11-0000"].parent is None and groups["11-0000"].row == 5
    assert groups["11-2022"].parent == "11-2020"
    assert groups["11-2020"].parent == "11-2000"
    # Pediatricians sit in broad group 29-1210, which their code alone would not tell.
    assert groups["29-1221"].parent == "29-1210"
    assert groups["29-1221"].definition is not None and groups["29-1210"].definition is None
