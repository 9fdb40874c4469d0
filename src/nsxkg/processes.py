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
