"""Worker processes for the steps that convert or index in parallel (build, load).

They are spawned, not forked: a forked worker would hold the step's lock (an flock on an
inherited descriptor) after the step was killed. Spawned, though, they outlive a step killed
with SIGKILL, idle or converting for nothing; on Linux each asks the kernel to kill it when
the process that started it dies.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

_PR_SET_PDEATHSIG = 1  # prctl(2)


def _die_with_parent(parent: int) -> None:
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def spawned_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of spawned workers that are killed with the process that started them."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                               initializer=_die_with_parent, initargs=(os.getpid(),))


def stop(pool: ProcessPoolExecutor) -> None:
    """Drop the queued work and kill the workers at once (a failed step must not wait for
    conversions whose output is thrown away)."""
    # ProcessPoolExecutor kills its workers itself only from Python 3.14 (kill_workers).
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        worker.kill()
