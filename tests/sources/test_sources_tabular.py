"""The shared tabular reader: formats, row numbers, typed getters, malformed rows."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from nsxkg.errors import InputError, RowError
from nsxkg.sources.tabular import (
    ONET_NULLS,
    PLAIN_NULLS,
    Row,
    Table,
    TableFile,
    YearMonth,
    read_rows,
)


def _row(**cells: object) -> Row:
    return Row(Table("t.txt", tuple(cells), 1, ONET_NULLS), 2, tuple(cells.values()))


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_tsv_rows_are_numbered_from_the_header(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.txt", 'A\tB\n1\tsay "hi"\n\n2\tx\n')
    rows = list(read_rows(path))
    assert [r.number for r in rows] == [2, 4]  # the blank line counts but yields nothing
    assert rows[0].text("B") == 'say "hi"'  # O*NET quotes are literal, not CSV quoting
    assert rows[1].file == str(path)


def test_csv_fields_may_span_lines_and_rows_count_records(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv", 'uri,labels\nu1,"a\nb\nc"\nu2,d\n')
    rows = list(read_rows(path, nulls=PLAIN_NULLS))
    assert [(r.number, r.text("labels")) for r in rows] == [(2, "a\nb\nc"), (3, "d")]


def test_a_short_row_names_the_missing_column(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.txt", "A\tB\tC\n1\t2\t3\n1\t2\n")
    with pytest.raises(RowError) as info:
        list(read_rows(path))
    assert (info.value.row, info.value.column) == (3, "C")
    assert str(info.value).startswith(f"{path}: row 3, column 'C': row has 2 columns")


def test_a_long_row_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.txt", "A\tB\n1\t2\t3\n")
    with pytest.raises(RowError, match=r"row 2: row has 3 columns, the header has 2"):
        list(read_rows(path))


def test_a_missing_required_column_is_reported_at_the_header(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.txt", "A\tB\n1\t2\n")
    with pytest.raises(RowError) as info:
        list(read_rows(path, required=("A", "Data Value")))
    assert (info.value.row, info.value.column) == (1, "Data Value")


def test_a_title_preamble_is_skipped_and_numbering_kept(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.tsv", "Title line\t\t\n\nCode\tName\n01.0000\tX\n")
    rows = list(read_rows(path, header_starts="Code", nulls=PLAIN_NULLS))
    assert [(r.number, r.text("Code")) for r in rows] == [(4, "01.0000")]
    with pytest.raises(InputError, match="header row starting with 'Nope'"):
        list(read_rows(path, header_starts="Nope"))


def test_unknown_suffix_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a tabular file"):
        read_rows(_write(tmp_path / "t.json", "{}"))


def test_files_inside_a_zip(tmp_path: Path) -> None:
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("top/Job Zones.txt", "A\tB\n1\t2\n")
    source = TableFile(archive, "top/Job Zones.txt")
    assert source.name == "Job Zones.txt" and source.suffix == ".txt"
    [row] = read_rows(source)
    assert row.integer("B") == 2 and row.file == f"{archive}/top/Job Zones.txt"


def _workbook(path: Path, *rows: tuple[object, ...]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for values in rows:
        sheet.append(list(values))
    book.save(path)
    return path


def test_excel_cells_keep_their_types_and_blank_trailing_cells_are_fine(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "Skills.xlsx",
                     ("Code", "Data Value", "N", "Date", "Note"),
                     (43232202, 4.12, 28.0, "08/2023"),  # no Note: Excel drops empty cells
                     (None, None, None, None, None),
                     ("00123", 0, 7, "12/2025", "x"))
    rows = list(read_rows(path))
    assert [r.number for r in rows] == [2, 4]
    first = rows[0]
    assert first.text("Code") == "43232202"  # a numeric code comes back as its digits
    assert first.real("Data Value") == 4.12
    assert first.integer("N") == 28
    assert first.year_month("Date") == YearMonth(2023, 8)
    assert first.text_or_none("Note") is None
    assert rows[1].text("Code") == "00123"


def test_excel_zip_member(tmp_path: Path) -> None:
    book = _workbook(tmp_path / "Scales Reference.xlsx", ("Scale ID", "Minimum"), ("IM", 1))
    archive = tmp_path / "db.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(book, "db/Scales Reference.xlsx")
    [row] = read_rows(TableFile(archive, "db/Scales Reference.xlsx"))
    assert (row.text("Scale ID"), row.real("Minimum")) == ("IM", 1.0)


def test_excel_non_numeric_value_names_file_row_and_column(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "Skills.xlsx", ("Data Value",), (1.5,), ("abc",))
    with pytest.raises(RowError) as info:
        [r.real("Data Value") for r in read_rows(path)]
    assert str(info.value) == f"{path}: row 3, column 'Data Value': expected a number, got 'abc'"


@pytest.mark.parametrize("cell", ["abc", "nan", "inf", "1_000", "1,5", ""])
def test_real_rejects_what_is_not_a_decimal_number(cell: str) -> None:
    row = _row(v=cell)
    if cell == "":
        assert row.real_or_none("v") is None
    with pytest.raises(RowError, match="column 'v'"):
        row.real("v")


def test_typed_getters() -> None:
    row = _row(n="28", x="-0.5e1", na="n/a", y="Y", no="n", d="08/2023", t="  padded  ")
    assert row.integer("n") == 28 and row.real("x") == -5.0
    assert row.integer_or_none("na") is None and row.real_or_none("na") is None
    assert row.flag("y") is True and row.flag("no") is False
    assert row.year_month("d") == YearMonth(2023, 8) and str(row.year_month("d")) == "2023-08"
    assert row.text("t") == "padded"
    assert row.text_or_none("not a column") is None and not row.has("not a column")
    for getter, column in [(row.integer, "x"), (row.flag, "n"), (row.year_month, "n")]:
        with pytest.raises(RowError):
            getter(column)
    with pytest.raises(RowError, match="expected a date like 08/2023, got '13/2023'"):
        _row(d="13/2023").year_month("d")
    with pytest.raises(RowError, match="no such column"):
        row.raw("missing")


def test_broken_csv_quoting_names_the_record(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv", 'A,B\n1,2\n3,"x"y\n')
    with pytest.raises(RowError, match=r"t\.csv: row 3: malformed CSV"):
        list(read_rows(path, nulls=PLAIN_NULLS))


def test_unreadable_files_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="missing.txt: cannot open"):
        list(read_rows(tmp_path / "missing.txt"))
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("x/a.txt", "A\n1\n")
    with pytest.raises(InputError, match="no item named 'x/b.txt'"):
        list(read_rows(TableFile(archive, "x/b.txt")))
