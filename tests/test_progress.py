"""Progress bars (one mechanism, rich, for build, validate, load, publish and fetch): what a
bar shows, the quiet mode, and the readers' positions (not the timing)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from pyoxigraph import NamedNode
from rich.console import Console

from nsxkg.convert.onet import SourceReport
from nsxkg.progress import Bars, Quiet, fraction_read, reading, terminal_progress
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


def _bars() -> tuple[Bars, _Terminal, _Clock]:
    out, clock = _Terminal(), _Clock()
    console = Console(file=out, force_terminal=True, width=160, color_system=None)
    return Bars(console, auto_refresh=False, clock=clock), out, clock


def _screen(bars: Bars, out: _Terminal) -> str:
    """What the terminal shows last: rich redraws in place, so the final frame."""
    bars.refresh()
    return out.getvalue().rsplit("\r", 1)[-1]


# -- one mechanism for every step: rows of a file, bytes, work units --------------------------


def test_a_file_bar_follows_its_reader_and_shows_rows_rate_and_time() -> None:
    bars, out, clock = _bars()
    position = [0.0]
    with bars, reading("a.txt", lambda: position[0]):
        bars.rows("O*NET 29.3: Skills", "a.txt", 0)
        position[0], clock.now = 0.5, clock.now + 65
        bars.rows("O*NET 29.3: Skills", "a.txt", 30_000)
        screen = _screen(bars, out)
        assert "O*NET 29.3: Skills" in screen
        assert "  50%" in screen and "30,000 rows" in screen
        assert "462 rows/s" in screen  # 30,000 rows in 65 s
        assert "0:01:05" in screen
        bars.done("O*NET 29.3: Skills", "a.txt", 61_530)
        assert " 100%" in _screen(bars, out) and "61,530 rows" in _screen(bars, out)


def test_a_file_whose_position_is_unknown_shows_no_percentage() -> None:
    bars, out, _ = _bars()
    with bars:
        bars.rows("Scales", "s.txt", 10)
        assert "  --%" in _screen(bars, out)


def test_a_download_counts_megabytes_against_its_size() -> None:
    bars, out, clock = _bars()
    with bars:
        task = bars.task("db_29_0_text.zip", 2_000_000, unit="bytes")
        clock.now += 1
        task.update(1_000_000)
        screen = _screen(bars, out)
        assert "  50%" in screen and "1.0 / 2.0 MB" in screen and "1.0 MB/s" in screen
        task.finish()
        assert " 100%" in _screen(bars, out)


def test_a_resumed_download_counts_its_rate_from_where_it_resumed() -> None:
    bars, out, clock = _bars()
    with bars:
        task = bars.task("db.zip", 4_000_000, unit="bytes", completed=3_000_000)
        clock.now += 2
        task.update(4_000_000)
        assert "0.5 MB/s" in _screen(bars, out)


def test_a_task_without_a_total_is_complete_once_finished() -> None:
    bars, out, _ = _bars()
    with bars:
        task = bars.task("load: compact the store")
        assert "  --%" in _screen(bars, out)
        task.finish()
        assert " 100%" in _screen(bars, out)


# -- quiet mode -------------------------------------------------------------------------------


def test_no_bars_when_piped_or_under_ci() -> None:
    assert isinstance(terminal_progress(io.StringIO(), {}), Quiet)
    assert isinstance(terminal_progress(_Terminal(), {"CI": "true"}), Quiet)
    assert isinstance(terminal_progress(_Terminal(), {"CI": "1"}), Quiet)
    assert isinstance(terminal_progress(_Terminal(), {}), Bars)
    assert isinstance(terminal_progress(_Terminal(), {"CI": "false"}), Bars)
    quiet = io.StringIO()
    with terminal_progress(quiet, {}) as progress:
        progress.rows("A", "a.txt", 1)
        progress.task("B", 10).update(5)
    assert quiet.getvalue() == ""


def test_the_build_command_draws_nothing_into_its_output() -> None:
    # CliRunner's output is not a terminal: the summary alone, no escape sequences.
    from click.testing import CliRunner

    from nsxkg.cli import main

    result = CliRunner().invoke(main, ["schema"])
    assert "\x1b[" not in result.output


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
