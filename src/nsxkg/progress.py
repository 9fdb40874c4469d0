"""Progress on a terminal, for every long step: build, validate, load, publish and fetch.

One mechanism, drawn by `rich <https://rich.readthedocs.io>`_: a step opens a *task* (a
label, and a total when it is known) and updates it; the build and publish report rows read
from a file, whose bar shows how far the file's reader has got. Bars are drawn only when
standard error is a terminal and ``CI`` is unset: logs and pipes get nothing, and the
commands' own output (summaries on standard output) is unchanged either way.

    with terminal_progress() as progress:
        build(settings, progress)
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import IO, Any, Protocol

from rich.console import Console
from rich.progress import BarColumn, ProgressColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress
from rich.progress import Task as RichTask
from rich.table import Column
from rich.text import Text

Fraction = Callable[[], float | None]

# Readers are generators deep below the typed parsers, and converters see only typed rows; a
# registry keyed by file lets a bar ask how far a file's reader has got without threading a
# handle through every parser. A build reads one file at a time, on one thread.
_readers: dict[str, Fraction] = {}


@contextmanager
def reading(file: str, fraction: Fraction) -> Iterator[None]:
    """Publish how far the reader of ``file`` has got while it is open."""
    _readers[file] = fraction
    try:
        yield
    finally:
        if _readers.get(file) is fraction:
            del _readers[file]


def fraction_read(file: str) -> float | None:
    """How much of ``file`` its open reader has consumed, 0–1; None when unknown."""
    fraction = _readers.get(file)
    if fraction is None:
        return None
    try:
        value = fraction()
    except (OSError, ValueError):  # closed or unseekable: no position to report
        return None
    return None if value is None else min(max(value, 0.0), 1.0)


class Task(Protocol):
    """One step on its own line: ``update`` with how much is done, ``finish`` at the end."""

    def update(self, completed: float) -> None: ...

    def finish(self) -> None: ...


class Progress(Protocol):
    """What long steps report to. ``rows``/``done``: rows converted from (or sent from) a
    file so far, the bar following the file's reader; ``task``: anything else, counted in
    ``unit`` (``bytes`` are shown in MB) against ``total`` when known."""

    def rows(self, label: str, file: str, count: int) -> None: ...

    def done(self, label: str, file: str, count: int) -> None: ...

    def task(self, label: str, total: float | None = None, *, unit: str = "",
             completed: float = 0) -> Task: ...


class _QuietTask:
    def update(self, completed: float) -> None:
        pass

    def finish(self) -> None:
        pass


class Quiet:
    """No output: piped, logged, or under CI."""

    def rows(self, label: str, file: str, count: int) -> None:
        pass

    def done(self, label: str, file: str, count: int) -> None:
        pass

    def task(self, label: str, total: float | None = None, *, unit: str = "",
             completed: float = 0) -> Task:
        return _QuietTask()

    def __enter__(self) -> Quiet:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def _amount(count: float, unit: str) -> str:
    if unit == "bytes":
        return f"{count / 1e6:,.1f} MB"
    return f"{count:,.0f} {unit}".rstrip()


def _rate(per_second: float, unit: str) -> str:
    if unit == "bytes":
        return f"{per_second / 1e6:.1f} MB/s"
    if per_second >= 10_000:
        return f"{per_second / 1000:.0f}k {unit}/s"
    if per_second >= 1000:
        return f"{per_second / 1000:.1f}k {unit}/s"
    return f"{per_second:.0f} {unit}/s"


class _AmountColumn(ProgressColumn):
    """How much is done, of what, and how fast: ``30,000 rows  462 rows/s`` or
    ``12.5 / 45.0 MB  3.1 MB/s``."""

    def render(self, task: RichTask) -> Text:
        unit: str = task.fields.get("unit", "")
        if not unit:  # a step without a count: the bar and the time say it all
            return Text("")
        count: float = task.fields.get("count", task.completed)
        text = _amount(count, unit)
        if unit == "bytes" and task.total:
            text = f"{count / 1e6:,.1f} / {_amount(task.total, unit)}"
        elapsed = task.elapsed or 0.0
        if elapsed > 0:
            text += f"  {_rate((count - task.fields.get('first', 0)) / elapsed, unit)}"
        return Text(text, style="progress.data.speed")


class _PercentColumn(ProgressColumn):
    def render(self, task: RichTask) -> Text:
        return Text("  --%" if task.total is None else f"{task.percentage:4.0f}%",
                    style="progress.percentage")


class _RichTask:
    def __init__(self, bars: RichProgress, task: TaskID, unit: str):
        self._bars, self._id, self._unit = bars, task, unit

    def update(self, completed: float) -> None:
        self._bars.update(self._id, completed=completed, count=completed)

    def finish(self) -> None:
        task = self._bars.tasks[self._id] if self._id < len(self._bars.tasks) else None
        done = task.completed if task is not None else 0
        total = task.total if task is not None and task.total is not None else max(done, 1)
        self._bars.update(self._id, total=total, completed=total)
        self._bars.stop_task(self._id)


class Bars:
    """Bars on a terminal, drawn by rich (redrawn ten times a second at most, so a step may
    report as often as it likes)."""

    def __init__(self, console: Console, *, auto_refresh: bool = True,
                 clock: Callable[[], float] = time.monotonic):
        self.console = console
        # Labels are cut (with an ellipsis) rather than wrapped: a wrapped line cannot be
        # redrawn in place. Widths fit a line in 80 columns.
        self._bars = RichProgress(
            TextColumn("{task.description}", markup=False,
                       table_column=Column(max_width=30, no_wrap=True, overflow="ellipsis")),
            BarColumn(bar_width=10), _PercentColumn(),
            _AmountColumn(table_column=Column(no_wrap=True)), TimeElapsedColumn(),
            console=console, auto_refresh=auto_refresh, refresh_per_second=10,
            get_time=clock)
        self._files: dict[str, TaskID] = {}

    def __enter__(self) -> Bars:
        self._bars.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._bars.stop()

    def refresh(self) -> None:
        self._bars.refresh()

    def task(self, label: str, total: float | None = None, *, unit: str = "",
             completed: float = 0) -> Task:
        task = self._bars.add_task(label, total=total, unit=unit, count=completed,
                                   first=completed)
        self._bars.update(task, completed=completed)
        return _RichTask(self._bars, task, unit)

    def rows(self, label: str, file: str, count: int) -> None:
        task = self._files.get(label)
        if task is None:
            # No total until the reader tells how far it is: rich draws a pulsing bar.
            task = self._files[label] = self._bars.add_task(label, total=None, unit="rows",
                                                            count=0, first=0)
        fraction = fraction_read(file)
        fields: dict[str, Any] = {"count": count}
        if fraction is not None:
            fields.update(total=1.0, completed=fraction)
        self._bars.update(task, **fields)

    def done(self, label: str, file: str, count: int) -> None:
        self.rows(label, file, count)
        task = self._files.pop(label)
        self._bars.update(task, total=1.0, completed=1.0, count=count)
        self._bars.stop_task(task)


def in_ci(environ: Mapping[str, str]) -> bool:
    return environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def terminal_progress(stream: IO[str] | None = None,
                      environ: Mapping[str, str] | None = None) -> Bars | Quiet:
    """Bars on standard error when it is a terminal outside CI; otherwise quiet. Use it as a
    context manager: the bars are drawn from entering to leaving it."""
    out = stream if stream is not None else sys.stderr
    env = os.environ if environ is None else environ
    if in_ci(env) or not out.isatty():
        return Quiet()
    return Bars(Console(file=out, force_terminal=True))
