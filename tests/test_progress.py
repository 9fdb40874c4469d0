"""The build's per-file progress bars: the renderer, the quiet mode, and the readers' positions
(not the timing)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from pyoxigraph import NamedNode

from nsxkg.convert.onet import SourceReport
from nsxkg.progress import BAR_WIDTH, FileBars, fraction_read, reading, render, terminal_bars
from nsxkg.sources.tabular import TableFile, read_rows


class _Terminal(io.StringIO):
    encoding = "utf-8"

    def isatty(self) -> bool:
        return True


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _bars(stream: io.StringIO, clock: _Clock) -> FileBars:
    return FileBars(stream, interval=0.1, clock=clock, columns=lambda: 200)


# -- the renderer ------------------------------------------------------------------------------


def test_a_bar_shows_fraction_rows_rate_and_elapsed() -> None:
    line = render("O*NET 29.3: Skills", 0.5, 30_000, 65.0)
    assert "█" * (BAR_WIDTH // 2) + "░" * (BAR_WIDTH // 2) in line
    assert " 50% " in line
    assert "30,000 rows" in line
    assert "462 rows/s" in line  # 30,000 rows in 65 s
    assert line.endswith("1:05")


def test_an_unknown_fraction_shows_no_percentage() -> None:
    line = render("file", None, 10, 1.0)
    assert " --% " in line and "█" not in line


def test_a_bar_never_wraps_and_keeps_the_end_of_a_long_label() -> None:
    label = "O*NET 29.3 (excel): Education, Training, and Experience Categories"
    line = render(label, 1.0, 5, 0.5, width=60)
    assert len(line) == 59
    assert line.startswith("…") and "Categories" in line


def test_a_terminal_without_unicode_gets_ascii() -> None:
    line = render("file", 0.25, 1, 1.0, unicode=False)
    assert "#" * (BAR_WIDTH // 4) + "-" * (BAR_WIDTH * 3 // 4) in line


# -- redrawing in place -----------------------------------------------------------------------


def test_bars_redraw_in_place_at_most_every_interval_and_end_full() -> None:
    out, clock = _Terminal(), _Clock()
    bars = _bars(out, clock)
    position = [0.0]
    with reading("a.txt", lambda: position[0]):
        bars.rows("A", "a.txt", 0)
        position[0], clock.now = 0.4, clock.now + 0.05
        bars.rows("A", "a.txt", 500)  # too soon after the first draw: skipped
        clock.now += 0.1
        bars.rows("A", "a.txt", 1000)
        bars.done("A", "a.txt", 2000)
    bars.rows("B", "b.txt", 0)  # a new file starts a new bar at once
    draws = out.getvalue().split("\r")[1:]
    assert len(draws) == 4
    assert " 0% " in draws[0] and "1,000 rows" in draws[1] and " 40% " in draws[1]
    assert draws[2].startswith("A ") and " 100% " in draws[2] and draws[2].endswith("\033[K\n")
    assert draws[3].startswith("B ")


def test_a_file_done_before_its_first_redraw_still_gets_its_bar() -> None:
    out, clock = _Terminal(), _Clock()
    _bars(out, clock).done("Scales", "s.txt", 29)
    assert out.getvalue().count("\n") == 1 and "100%" in out.getvalue()


# -- quiet mode -------------------------------------------------------------------------------


def test_no_bars_when_piped_or_under_ci() -> None:
    assert terminal_bars(io.StringIO(), {}) is None
    assert terminal_bars(_Terminal(), {"CI": "true"}) is None
    assert terminal_bars(_Terminal(), {"CI": "1"}) is None
    assert isinstance(terminal_bars(_Terminal(), {}), FileBars)
    assert isinstance(terminal_bars(_Terminal(), {"CI": "false"}), FileBars)


# -- readers report how far they have read ------------------------------------------------------


def _positions(source: TableFile) -> list[float | None]:
    seen = [fraction_read(str(source)) for _ in read_rows(source)]
    assert fraction_read(str(source)) is None, "a finished reader must unregister"
    return seen


def _tsv(rows: int) -> str:
    return "Code\tTitle\n" + "".join(f"{i:05d}\tan occupation title {i}\n" for i in range(rows))


def _assert_rises_to_the_end(seen: list[float | None]) -> None:
    values = [s for s in seen if s is not None]
    assert len(values) == len(seen)
    assert values == sorted(values)
    assert values[0] < 0.25 and values[-1] == pytest.approx(1.0)


def test_a_text_file_reports_the_bytes_read(tmp_path: Path) -> None:
    path = tmp_path / "Occupation Data.txt"
    path.write_text(_tsv(5000), encoding="utf-8")
    _assert_rises_to_the_end(_positions(TableFile(path)))


def test_a_zip_member_reports_its_uncompressed_bytes(tmp_path: Path) -> None:
    archive = tmp_path / "db.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("db/Task Statements.txt", _tsv(5000))
    _assert_rises_to_the_end(_positions(TableFile(archive, "db/Task Statements.txt")))


def test_an_excel_sheet_reports_rows_over_its_dimension(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Code", "Title"])
    for i in range(99):
        sheet.append([f"{i:05d}", f"title {i}"])
    path = tmp_path / "Skills.xlsx"
    workbook.save(path)
    seen = _positions(TableFile(path))
    assert seen[0] == pytest.approx(2 / 100) and seen[-1] == pytest.approx(1.0)


# -- the conversion reports rows per file -------------------------------------------------------


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str, int]] = []

    def rows(self, label: str, file: str, count: int) -> None:
        self.calls.append(("rows", label, file, count))

    def done(self, label: str, file: str, count: int) -> None:
        self.calls.append(("done", label, file, count))


def test_a_conversion_reports_its_rows_and_its_end() -> None:
    recorder = _Recorder()
    report = SourceReport(progress=recorder)
    converted = ((row, []) for row in range(2, 1202))
    assert list(report.quads(NamedNode("https://example.org/g"), converted, "X", "x.txt")) == []
    assert recorder.calls == [("rows", "X", "x.txt", 0), ("rows", "X", "x.txt", 500),
                              ("rows", "X", "x.txt", 1000), ("done", "X", "x.txt", 1200)]
    assert report.rows == {"X": 1200}
