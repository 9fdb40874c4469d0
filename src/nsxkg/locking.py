"""One writer at a time on a build or store directory, by an OS lock that dies with its holder."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nsxkg.errors import StoreError


@contextmanager
def exclusive(lock: Path, busy: str) -> Iterator[None]:
    """Hold ``lock`` (created if missing) or fail at once with ``busy`` as the message.

    flock, not a marker file: a process killed with SIGKILL frees it, so the next writer
    never has to guess whether a leftover marker is stale.
    """
    with lock.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as err:
            raise StoreError(busy) from err
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
