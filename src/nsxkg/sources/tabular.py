"""One streaming reader for the tabular files source releases ship.

Handles tab-separated text (O*NET ``.txt``, ``.tsv``), CSV (ESCO) and ``.xlsx`` (O*NET's Excel
release), either on disk or as a member of a zip archive. Rows are yielded one at a time so
memory stays flat however large the file.

Row numbers are 1-based record numbers in the file, so the header is row 1 in O*NET and ESCO
files; files with a title preamble (SOC, CIP) keep their physical numbering, which is what a
user sees when they open the file. In CSV a record may span several lines; it is still one row.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from math import isfinite
from pathlib import Path
from typing import IO, Any, Generic, NamedTuple, TypeVar

from nsxkg.errors import InputError, NsxkgError, RowError
from nsxkg.progress import Fraction, reading

# O*NET writes "n/a" for a missing value in text releases; the Excel release leaves the cell empty.
ONET_NULLS = frozenset({"", "n/a"})
PLAIN_NULLS = frozenset({""})

TEXT_SUFFIXES = frozenset({".txt", ".tsv"})
CSV_SUFFIXES = frozenset({".csv"})
EXCEL_SUFFIXES = frozenset({".xlsx"})
TABLE_SUFFIXES = TEXT_SUFFIXES | CSV_SUFFIXES | EXCEL_SUFFIXES

# ESCO's conceptSchemes_en.csv has a hasTopConcept cell of ~650 kB, beyond csv's 128 kB default.
_CSV_FIELD_LIMIT = 64 * 1024 * 1024

# float() also accepts "nan", "inf" and "1_000"; none of those is a number in a source release.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")
_YEAR_MONTH = re.compile(r"(\d{1,2})/(\d{4})")

T = TypeVar("T")


class AbsentFile(NsxkgError):
    """A release does not contain a file: a build reports it as absent instead of failing."""

    def __init__(self, release: str, name: str):
        self.release, self.name = release, name
        super().__init__(f"{release} has no {name!r} file")


class YearMonth(NamedTuple):
    """A month-precision date as O*NET writes them ("08/2023")."""

    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True, slots=True)
class TableFile:
    """A tabular file: a path on disk, or a member of the zip archive at ``path``."""

    path: Path
    member: str | None = None

    @property
    def name(self) -> str:
        return self.member.rsplit("/", 1)[-1] if self.member else self.path.name

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix.lower()

    def __str__(self) -> str:
        return f"{self.path}/{self.member}" if self.member else str(self.path)

    def size(self) -> int | None:
        """Bytes of the (uncompressed) file, for a progress bar; None when unknown."""
        try:
            if self.member is None:
                return self.path.stat().st_size
            with zipfile.ZipFile(self.path) as archive:
                return archive.getinfo(self.member).file_size
        except (OSError, KeyError, zipfile.BadZipFile):
            return None

    @contextmanager
    def open_binary(self) -> Iterator[IO[bytes]]:
        try:
            if self.member is None:
                fh: IO[bytes] = self.path.open("rb")
            else:
                archive = zipfile.ZipFile(self.path)
                try:
                    fh = archive.open(self.member)
                finally:
                    # The member handle keeps the archive's file open on its own.
                    archive.close()
        except (OSError, KeyError, zipfile.BadZipFile) as exc:
            raise InputError.at(str(self), f"cannot open: {exc}") from exc
        with fh:
            yield fh


@dataclass(frozen=True, slots=True)
class Table:
    """What every row of one file shares: where it came from and its header."""

    file: str
    columns: tuple[str, ...]
    header_row: int
    nulls: frozenset[str] = ONET_NULLS
    index: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, int] = {}
        for i, name in enumerate(self.columns):
            index.setdefault(name, i)
        object.__setattr__(self, "index", index)


@dataclass(frozen=True, slots=True)
class Row:
    """One data row; its typed getters raise ``RowError`` naming file, row and column."""

    table: Table
    number: int
    values: tuple[object, ...]

    @property
    def file(self) -> str:
        return self.table.file

    def error(self, column: str | None, message: str) -> RowError:
        return RowError(self.table.file, self.number, column, message)

    def has(self, column: str) -> bool:
        return column in self.table.index

    def raw(self, column: str) -> object:
        """The cell as read: ``str`` from text and CSV, native types from Excel."""
        i = self.table.index.get(column)
        if i is None:
            raise self.error(column, "no such column in this file")
        return self.values[i]

    # -- text ------------------------------------------------------------------------------
    def text_or_none(self, column: str) -> str | None:
        """The cell as stripped text; None when blank, a null marker, or the column is absent."""
        if column not in self.table.index:
            return None
        value = self.raw(column)
        if value is None:
            return None
        text = _as_text(value).strip()
        return None if text.lower() in self.table.nulls else text

    def text(self, column: str) -> str:
        value = self.text_or_none(column)
        if value is None:
            raise self.error(column, "expected a value, got an empty cell")
        return value

    def matching(self, column: str, pattern: re.Pattern[str], what: str) -> str:
        value = self.text(column)
        if not pattern.fullmatch(value):
            raise self.error(column, f"expected {what}, got {value!r}")
        return value

    # -- numbers ---------------------------------------------------------------------------
    def real_or_none(self, column: str) -> float | None:
        value = self._cell(column)
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = float(value)
            if isfinite(number):
                return number
        elif isinstance(value, str) and _NUMBER.fullmatch(value):
            return float(value)
        raise self.error(column, f"expected a number, got {value!r}")

    def real(self, column: str) -> float:
        return self._required(column, self.real_or_none(column), "a number")

    def integer_or_none(self, column: str) -> int | None:
        value = self._cell(column)
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        # Excel may store a whole number as a float (28.0).
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and _INTEGER.fullmatch(value):
            return int(value)
        raise self.error(column, f"expected a whole number, got {value!r}")

    def integer(self, column: str) -> int:
        return self._required(column, self.integer_or_none(column), "a whole number")

    # -- flags and dates -------------------------------------------------------------------
    def flag_or_none(self, column: str) -> bool | None:
        value = self._cell(column)
        if value is None:
            return None
        if isinstance(value, str) and value.upper() in ("Y", "N"):
            return value.upper() == "Y"
        raise self.error(column, f"expected Y or N, got {value!r}")

    def flag(self, column: str) -> bool:
        return self._required(column, self.flag_or_none(column), "Y or N")

    def year_month_or_none(self, column: str) -> YearMonth | None:
        value = self._cell(column)
        if value is None:
            return None
        if isinstance(value, datetime | date):
            return YearMonth(value.year, value.month)
        if isinstance(value, str) and (m := _YEAR_MONTH.fullmatch(value)):
            month, year = int(m.group(1)), int(m.group(2))
            if 1 <= month <= 12:
                return YearMonth(year, month)
        raise self.error(column, f"expected a date like 08/2023, got {value!r}")

    def year_month(self, column: str) -> YearMonth:
        return self._required(column, self.year_month_or_none(column), "a date like 08/2023")

    # -- helpers ---------------------------------------------------------------------------
    def _cell(self, column: str) -> object:
        """The raw cell with blanks and null markers folded to None; strings stripped."""
        if column not in self.table.index:
            return None
        value = self.raw(column)
        if isinstance(value, str):
            value = value.strip()
            return None if value.lower() in self.table.nulls else value
        return value

    def _required(self, column: str, value: T | None, what: str) -> T:
        if value is None:
            raise self.error(column, f"expected {what}, got an empty cell")
        return value


@dataclass(frozen=True, slots=True)
class Parser(Generic[T]):
    """The columns a file must have and how to turn one of its rows into a typed value."""

    required: Sequence[str]
    parse: Callable[[Row], T]


def _as_text(value: object) -> str:
    # Excel stores codes such as UNSPSC commodities as numbers; give them back as written.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


# -- reading ------------------------------------------------------------------------------


def read_rows(
    source: TableFile | Path | str,
    *,
    required: Sequence[str] = (),
    header_starts: str | None = None,
    nulls: frozenset[str] = ONET_NULLS,
) -> Iterator[Row]:
    """Stream the data rows of a tabular file.

    ``required`` columns must be in the header (else ``RowError`` at the header row).
    ``header_starts`` skips a title preamble: the header is the first row whose first cell
    is this text. Blank rows are skipped; a row with the wrong number of cells raises
    ``RowError``.
    """
    table_file = source if isinstance(source, TableFile) else TableFile(Path(source))
    suffix = table_file.suffix
    if suffix not in TABLE_SUFFIXES:
        raise InputError.at(str(table_file), f"not a tabular file (expected one of "
                                             f"{', '.join(sorted(TABLE_SUFFIXES))})")
    records = _excel_records if suffix in EXCEL_SUFFIXES else _delimited_records
    return _rows(table_file, records(table_file), required, header_starts, nulls)


def _rows(
    table_file: TableFile,
    records: Iterator[tuple[int, tuple[object, ...]]],
    required: Sequence[str],
    header_starts: str | None,
    nulls: frozenset[str],
) -> Iterator[Row]:
    name = str(table_file)
    table: Table | None = None
    try:
        table = _header(name, records, header_starts, nulls)
        missing = [c for c in required if c not in table.index]
        if missing:
            raise RowError(name, table.header_row, missing[0],
                           f"missing column; the header has "
                           f"{', '.join(map(repr, table.columns))}")
        width = len(table.columns)
        excel = table_file.suffix in EXCEL_SUFFIXES
        for number, values in records:
            if all(v is None or v == "" for v in values):
                continue
            if len(values) != width:
                values = _fit(table, number, values, excel)
            yield Row(table, number, values)
    except _Undecodable as bad:
        if table is None and bad.number > 1:
            # Text is decoded in chunks: the header's chunk may be the one that failed.
            with contextlib.suppress(NsxkgError):
                table = _header(name, iter(bad.leading[:bad.number - 1]), header_starts, nulls)
        column = table.columns[bad.cell] if table is not None and bad.cell is not None \
            and bad.cell < len(table.columns) else None
        raise RowError(bad.file, bad.number, column, str(bad)) from bad.__cause__


def _header(
    name: str,
    records: Iterator[tuple[int, tuple[object, ...]]],
    header_starts: str | None,
    nulls: frozenset[str],
) -> Table:
    for number, values in records:
        cells = [_as_text(v).strip() if v is not None else "" for v in values]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        if header_starts is None or cells[0] == header_starts:
            return Table(name, tuple(cells), number, nulls)
    wanted = f"a header row starting with {header_starts!r}" if header_starts else "a header row"
    raise InputError.at(name, f"expected {wanted}, found none")


def _fit(table: Table, number: int, values: tuple[object, ...], excel: bool) -> tuple[object, ...]:
    width = len(table.columns)
    if excel:
        # Excel does not store trailing empty cells, and read-only sheets pad rows to the
        # widest row of the sheet; neither is a malformed row.
        if len(values) < width:
            return values + (None,) * (width - len(values))
        if all(v is None or v == "" for v in values[width:]):
            return values[:width]
    if len(values) < width:
        raise RowError(table.file, number, table.columns[len(values)],
                       f"row has {len(values)} columns, the header has {width}: "
                       f"missing column {table.columns[len(values)]!r}")
    raise RowError(table.file, number, None,
                   f"row has {len(values)} columns, the header has {width} "
                   f"(last: {table.columns[-1]!r})")


def _delimited_records(table_file: TableFile) -> Iterator[tuple[int, tuple[object, ...]]]:
    if csv.field_size_limit() < _CSV_FIELD_LIMIT:
        csv.field_size_limit(_CSV_FIELD_LIMIT)
    if table_file.suffix in CSV_SUFFIXES:
        # ESCO quotes fields that hold commas or newlines.
        dialect: dict[str, Any] = {"delimiter": ",", "quoting": csv.QUOTE_MINIMAL}
    else:
        # O*NET text has literal double quotes inside unquoted fields ("head counts").
        dialect = {"delimiter": "\t", "quoting": csv.QUOTE_NONE}
    with (table_file.open_binary() as raw,
          reading(str(table_file), _bytes_read(raw, table_file.size()))):
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        reader = csv.reader(text, strict=True, **dialect)
        number = 0
        try:
            for record in reader:
                number += 1
                yield number, tuple(record)
        except csv.Error as exc:
            raise RowError(str(table_file), number + 1, None, f"malformed CSV: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise _undecodable(table_file, dialect) from exc
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            # A damaged or cut-short zip member; text is decoded ahead in chunks, so the
            # damage is at or after this row.
            raise RowError(str(table_file), number + 1, None,
                           f"the file is damaged or cut short at or after this row: "
                           f"{exc}") from exc


def _member_damage(table_file: TableFile) -> str | None:
    """Why a zip member fails its checksum (garbled compressed data may still inflate to
    bytes, which then read as bad text), or None."""
    if table_file.member is None:
        return None
    try:
        with table_file.open_binary() as member:
            while member.read(1 << 20):
                pass
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        return str(exc)
    return None


class _Undecodable(Exception):
    """Bytes that are not UTF-8, at a record and cell (turned into a ``RowError`` naming the
    column by ``_rows``, which knows the header)."""

    def __init__(self, file: str, number: int, cell: int | None, message: str,
                 leading: list[tuple[int, tuple[object, ...]]]):
        self.file, self.number, self.cell = file, number, cell
        self.leading = leading  # the first records, to find the header if it was not read
        super().__init__(message)


def _undecodable(table_file: TableFile, dialect: dict[str, Any]) -> _Undecodable:
    """Find the record and cell holding the first bytes that are not UTF-8.

    The fast path decodes the file in large chunks, so when it fails the position is lost;
    only then is the file read again line by line to say where."""
    found: list[tuple[bytes, str]] = []
    damage = _member_damage(table_file)

    def lines() -> Iterator[str]:
        with table_file.open_binary() as raw:
            for index, line in enumerate(raw):
                if index == 0:
                    line = line.removeprefix(codecs.BOM_UTF8)
                try:
                    yield line.decode("utf-8")
                except UnicodeDecodeError as err:
                    if not found:
                        found.append((line[max(0, err.start - 20):err.end + 20], err.reason))
                    yield line.decode("utf-8", "surrogateescape")

    leading: list[tuple[int, tuple[object, ...]]] = []
    for number, record in enumerate(csv.reader(lines(), **dialect), start=1):
        if len(leading) < 100:
            leading.append((number, tuple(record)))
        if found:
            context, reason = found[0]
            cell = next((i for i, value in enumerate(record)
                         if any("\udc80" <= ch <= "\udcff" for ch in value)), None)
            message = (f"the file is damaged or cut short at or after this row ({damage}); "
                       f"its bytes here are not text" if damage else
                       f"not UTF-8 text ({reason}) in {context!r}; the file must be saved as "
                       f"UTF-8 (these bytes look like Latin-1 or Windows-1252)")
            return _Undecodable(str(table_file), number, cell, message, leading)
    return _Undecodable(str(table_file), 1, None, "not UTF-8 text; the file must be saved "
                                                  "as UTF-8", leading)


def _excel_records(table_file: TableFile) -> Iterator[tuple[int, tuple[object, ...]]]:
    # calamine (Rust) reads a sheet about 6x faster than openpyxl: O*NET's Excel release was
    # most of a build's time. Its cells are mapped to what openpyxl gave (see _cell), so the
    # converters and the build's output are the same.
    import python_calamine as calamine

    with _seekable(table_file) as fh:
        try:
            # O*NET workbooks hold one sheet, its title truncated to Excel's 31 characters.
            sheet = calamine.CalamineWorkbook.from_filelike(fh).get_sheet_by_index(0)
        except (calamine.CalamineError, zipfile.BadZipFile, OSError, ValueError,
                IndexError) as exc:
            raise InputError.at(str(table_file), f"not a readable .xlsx workbook: {exc}") from exc
    # calamine gives the used range; rows and columns before it are blank in the sheet.
    first_row, first_column = sheet.start or (0, 0)
    total = (first_row + sheet.height) or None  # the last row's number
    number = first_row
    padding = (None,) * first_column
    with reading(str(table_file), lambda: number / total if total else None):
        for number, values in enumerate(sheet.iter_rows(), start=first_row + 1):
            yield number, padding + tuple(_cell(value) for value in values)


def _cell(value: object) -> object:
    """A calamine cell as openpyxl read it: no value is None (calamine: ""), a whole number
    written without a decimal point is an int (calamine: always a float), a date is a
    datetime."""
    if value == "":
        return None
    if type(value) is float and value.is_integer():
        return int(value)
    if type(value) is date:
        return datetime(value.year, value.month, value.day)
    return value


def _bytes_read(raw: IO[bytes], size: int | None) -> Fraction:
    # A zip member's tell() counts uncompressed bytes, like its size; text is read ahead in
    # 8 kB chunks, close enough for a bar.
    return lambda: raw.tell() / size if size else None


@contextmanager
def _seekable(table_file: TableFile) -> Iterator[IO[bytes]]:
    """A seekable handle: the reader seeks within the .xlsx, which is slow on a zip member."""
    if table_file.member is None:
        with table_file.open_binary() as fh:
            yield fh
        return
    with tempfile.TemporaryFile() as spool, table_file.open_binary() as member:
        try:
            shutil.copyfileobj(member, spool)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise InputError.at(str(table_file), f"the zip member is damaged or cut short: "
                                                 f"{exc}") from exc
        spool.seek(0)
        yield spool
