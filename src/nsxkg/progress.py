"""A build's progress on a terminal: one bar per source file, redrawn in place.

Each bar shows how far the file has been read (bytes for text and CSV, rows over the sheet's
declared size for Excel), the rows converted so far, the rate and the elapsed time. Bars are
drawn only when standard error is a terminal and ``CI`` is unset: logs and pipes get nothing.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import IO, Protocol

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


class Progress(Protocol):
    """What a conversion reports: rows converted from a file so far, and when it is done."""

    def rows(self, label: str, file: str, count: int) -> None: ...

    def done(self, label: str, file: str, count: int) -> None: ...


LABEL_WIDTH = 44
BAR_WIDTH = 24


def render(label: str, fraction: float | None, rows: int, elapsed: float,
           *, width: int = 120, unicode: bool = True) -> str:
    """One bar line, cut to ``width`` so it never wraps (a wrapped line cannot be redrawn)."""
    full, empty = ("█", "░") if unicode else ("#", "-")
    if fraction is None:
        bar, percent = empty * BAR_WIDTH, " --%"
    else:
        filled = round(fraction * BAR_WIDTH)
        bar, percent = full * filled + empty * (BAR_WIDTH - filled), f"{fraction * 100:3.0f}%"
    if len(label) > LABEL_WIDTH:
        label = "…" + label[-(LABEL_WIDTH - 1):]
    rate = rows / elapsed if elapsed > 0 else 0.0
    minutes, seconds = divmod(int(elapsed), 60)
    line = (f"{label:<{LABEL_WIDTH}} {bar} {percent} {rows:>10,} rows "
            f"{_rate(rate):>7} rows/s {minutes}:{seconds:02d}")
    return line[:max(width - 1, 0)]


def _rate(per_second: float) -> str:
    if per_second >= 10_000:
        return f"{per_second / 1000:.0f}k"
    if per_second >= 1000:
        return f"{per_second / 1000:.1f}k"
    return f"{per_second:.0f}"


class FileBars:
    """The bars of one build: the current file's bar is redrawn in place (at most every
    ``interval`` seconds, as a terminal write per row would slow the build), and left on its
    own line, full, when the file is done."""

    def __init__(self, stream: IO[str], *, interval: float = 0.1,
                 clock: Callable[[], float] = time.monotonic,
                 columns: Callable[[], int] | None = None):
        self.stream = stream
        self.interval = interval
        self.clock = clock
        self.columns = columns or (lambda: shutil.get_terminal_size((120, 24)).columns)
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        self.unicode = encoding.startswith("utf")
        self._label: str | None = None
        self._began = 0.0
        self._drawn = 0.0

    def rows(self, label: str, file: str, count: int) -> None:
        now = self.clock()
        if label != self._label:
            self._start(label, now)
        elif now - self._drawn < self.interval:
            return
        self._draw(label, fraction_read(file), count, now)

    def done(self, label: str, file: str, count: int) -> None:
        now = self.clock()
        if label != self._label:
            self._start(label, now)
        self._draw(label, 1.0, count, now)
        self.stream.write("\n")
        self.stream.flush()
        self._label = None

    def _start(self, label: str, now: float) -> None:
        self._label, self._began = label, now

    def _draw(self, label: str, fraction: float | None, rows: int, now: float) -> None:
        self._drawn = now
        line = render(label, fraction, rows, now - self._began, width=self.columns(),
                      unicode=self.unicode)
        self.stream.write(f"\r{line}\033[K")
        self.stream.flush()


def in_ci(environ: Mapping[str, str]) -> bool:
    return environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def terminal_bars(stream: IO[str] | None = None,
                  environ: Mapping[str, str] | None = None) -> FileBars | None:
    """Bars on standard error when it is a terminal outside CI; otherwise None (quiet)."""
    out = stream if stream is not None else sys.stderr
    env = os.environ if environ is None else environ
    if in_ci(env) or not out.isatty():
        return None
    return FileBars(out)
