"""Child processes of the benchmark: timed commands with their peak memory, and servers.

Peak RSS is read by polling ``/proc`` for the whole process tree (a validation spawns worker
processes, and their memory counts too), summed per poll; ``getrusage(RUSAGE_CHILDREN)``
would only give the largest single process, and only cumulatively over every child so far.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

PAGE = os.sysconf("SC_PAGE_SIZE")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name may contain spaces and parentheses: split after the last ')'.
        fields = stat.rsplit(b")", 1)[-1].split()
        tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (0 once it has gone)."""
    tree = _children()
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/statm", "rb") as f:
                total += int(f.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
        pending.extend(tree.get(current, []))
    return total


TICK = os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its descendants: the live
    ones, and those that ended and were waited for (a query worker ended at its time limit
    and replaced: its time is in its parent's cutime/cstime).

    On a shared machine, CPU time per request is the figure that other loads disturb least:
    wall-clock throughput depends on the share of the cores a server happens to get.
    """
    tree = _children()
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[-1].split()
            # utime, stime, cutime, cstime (fields 14-17 of proc(5))
            total += sum(int(f) for f in fields[11:15])
        except (OSError, IndexError, ValueError):
            pass
        pending.extend(tree.get(current, []))
    return total / TICK


class PeakRss:
    """Polls a process tree's RSS in a thread until stopped; ``peak`` in bytes."""

    def __init__(self, pid: int, interval: float = 0.2):
        self.pid, self.interval, self.peak = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            self._stop.wait(self.interval)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


@dataclass(frozen=True)
class Timed:
    argv: list[str]
    seconds: float
    peak_rss: int
    returncode: int
    output: str


def timed(argv: Sequence[str], env: dict[str, str], log: Path) -> Timed:
    """Run a command to completion; its wall time, peak tree RSS and output (also in log)."""
    begin = time.perf_counter()
    with log.open("wb") as out:
        proc = subprocess.Popen(list(argv), env=env, stdout=out, stderr=subprocess.STDOUT)
        meter = PeakRss(proc.pid)
        returncode = proc.wait()
        peak = meter.stop()
    seconds = time.perf_counter() - begin
    return Timed(list(argv), seconds, peak, returncode,
                 log.read_text(encoding="utf-8", errors="replace"))


class Server:
    """A server process started for the benchmark and stopped by its own process id."""

    def __init__(self, name: str, argv: Sequence[str], env: dict[str, str], log: Path):
        self.name = name
        self.log = log
        self._out = log.open("wb")
        self.started = time.perf_counter()
        # A session of its own: stopping it ends its worker processes too, and nothing else.
        self.proc = subprocess.Popen(list(argv), env=env, stdout=self._out,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def wait_until(self, ready: Callable[[], bool], timeout: float) -> float:
        """Seconds from start until ``ready()`` first holds (polled every 20 ms)."""
        deadline = self.started + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode} while "
                                   f"starting; see {self.log}:\n{self.tail()}")
            try:
                if ready():
                    return time.perf_counter() - self.started
            except httpx.HTTPError:
                pass
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {timeout:g} s; see {self.log}")

    def rss(self) -> int:
        return tree_rss(self.proc.pid)

    def tail(self, lines: int = 15) -> str:
        self._out.flush()
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=15)
            except ProcessLookupError:
                pass
        self._out.close()
