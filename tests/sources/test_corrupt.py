"""Corrupt and truncated source files: the error names the file and the row (and the column
when there is one), and a build that meets one leaves the previous build as it was.

Malformed values, short rows and missing columns are in test_sources_malformed.py and
test_sources_tabular.py; these are the files that cannot even be read as text or as a zip.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from nsxkg.build import build
from nsxkg.errors import InputError, RowError
from nsxkg.sources import OnetRelease
from nsxkg.sources.discover import SOC_DEFINITIONS
from nsxkg.sources.tabular import PLAIN_NULLS, TableFile, read_rows
from support import make_settings

LATIN1_CAFE = "Caf\u00e9 Managers".encode("latin-1")  # b"Caf\xe9 Managers": not UTF-8


def _tsv(path: Path, good_rows: int, bad: bytes) -> Path:
    """A UTF-8 TSV whose row ``good_rows + 2`` has a Latin-1 title (well past the first
    8 kB that the reader decodes at once, so the row must be found, not guessed)."""
    lines = [b"O*NET-SOC Code\tTitle\tDescription"]
    lines += [f"11-{i:04d}.00\tManager \u2116 {i}\tPlans things.".encode()
              for i in range(good_rows)]
    lines.append(b"11-9999.00\t" + bad + b"\tServes coffee.")
    lines.append(b"11-9998.00\tLast\tFine.")
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_latin1_bytes_in_a_utf8_file_name_row_and_column(tmp_path: Path) -> None:
    path = _tsv(tmp_path / "Occupation Data.txt", 2000, LATIN1_CAFE)
    with pytest.raises(RowError) as info:
        list(read_rows(path))
    err = info.value
    assert (err.file, err.row, err.column) == (str(path), 2002, "Title")
    assert "not UTF-8" in str(err) and "Caf\\xe9 Managers" in str(err)


def test_latin1_in_csv_counts_records_not_lines(tmp_path: Path) -> None:
    # The quoted field spans two lines: the bad record is row 4 of the file, on line 5.
    path = tmp_path / "occupations_en.csv"
    path.write_bytes(b'conceptUri,preferredLabel,altLabels\n'
                     b'http://e/1,sales manager,"head of sales\nsales director"\n'
                     b'http://e/2,baker,\n'
                     b'http://e/3,' + LATIN1_CAFE + b',\n')
    with pytest.raises(RowError) as info:
        list(read_rows(path, nulls=PLAIN_NULLS))
    assert (info.value.row, info.value.column) == (4, "preferredLabel")


def test_a_bad_byte_in_the_header_names_the_header_row(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_bytes(b"Code\tT\xeftle\n1\t2\n")
    with pytest.raises(RowError) as info:
        list(read_rows(path))
    assert info.value.row == 1


def test_a_zip_cut_short_is_named(tmp_path: Path) -> None:
    archive = tmp_path / "db_29_0_text.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(_tsv(tmp_path / "Occupation Data.txt", 2000, b"Fine"),
                "db_29_0_text/Occupation Data.txt")
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="db_29_0_text.zip: not a readable zip archive: cut "
                                         "short or damaged"):
        OnetRelease.open(archive)


def test_a_damaged_zip_member_names_file_and_row(tmp_path: Path) -> None:
    archive = tmp_path / "a.zip"
    source = _tsv(tmp_path / "Occupation Data.txt", 5000, b"Fine")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(source, "x/Occupation Data.txt")
    data = bytearray(archive.read_bytes())
    # Flip bytes in the middle of the compressed data; the zip's directory stays readable.
    middle = len(data) // 2
    data[middle:middle + 64] = bytes(b ^ 0xFF for b in data[middle:middle + 64])
    archive.write_bytes(bytes(data))
    table = TableFile(archive, "x/Occupation Data.txt")
    with pytest.raises(RowError) as info:
        list(read_rows(table))
    err = info.value
    assert err.file == str(table)
    assert 2 <= err.row <= 5002
    assert "damaged or cut short" in str(err)


def test_a_workbook_cut_short_is_named(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for i in range(2000):
        sheet.append([f"11-{i:04d}.00", "Plans things.", i])
    path = tmp_path / "Skills.xlsx"
    book.save(path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(InputError, match=f"{path}: not a readable .xlsx workbook"):
        list(read_rows(path))


def test_a_corrupt_source_stops_the_build_and_keeps_the_previous_one(tmp_path: Path) -> None:
    good = make_settings(tmp_path)
    build(good)
    before = {p.relative_to(good.build_dir): p.read_bytes()
              for p in good.build_dir.rglob("*") if p.is_file()}
    sources = tmp_path / "sources"
    soc = sources / SOC_DEFINITIONS
    soc.parent.mkdir(parents=True)
    shutil.copy(Path(__file__).parents[1] / "data" / "sources" / "soc_definitions_excerpt.tsv",
                soc)
    with soc.open("ab") as out:
        out.write(b"Detailed\t11-2023\t" + LATIN1_CAFE + b"\tServes coffee.\n")
    with pytest.raises(RowError) as info:
        build(good.with_overrides(sources=sources))
    assert info.value.file == str(soc) and info.value.column == "SOC Title"
    after = {p.relative_to(good.build_dir): p.read_bytes()
             for p in good.build_dir.rglob("*") if p.is_file()}
    assert after == before
    # Nothing half-written is left beside it either (the empty lock file is not data).
    assert sorted(p.name for p in tmp_path.iterdir()) == [".build.lock", "build", "sources"]
    assert (tmp_path / ".build.lock").stat().st_size == 0
