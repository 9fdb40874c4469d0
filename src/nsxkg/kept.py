"""SQLite files ``nsxkg load`` keeps beside a loaded build (the text index, the rendered
release pages): opened read-only by servers, and only when written for them."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

_log = logging.getLogger(__name__)


def open_kept(path: Path, key: str, expected: str, mismatch: str) -> sqlite3.Connection | None:
    """``path`` opened read-only when its ``meta`` table gives ``expected`` for ``key``; None
    when there is no such file, or it was written otherwise (``mismatch`` is logged: what
    the server does instead). The file never changes once loaded: ``immutable=1`` reads it
    without locks or a journal."""
    if not path.is_file():
        return None
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True,
                         check_same_thread=False)
    try:
        found = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    except sqlite3.DatabaseError:
        found = None
    if found is not None and found[0] == expected:
        return db
    db.close()
    _log.warning("%s: %s", path, mismatch)
    return None
