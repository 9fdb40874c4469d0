"""Release pages rendered ahead of time, by ``nsxkg load``.

A release page is a function of the build alone (pages.release_page), and rendering one takes
about 10 ms, gzip included: with a thousand frameworks, every reader's first view of a
release paid it, and eight readers at once waited up to 200 ms. ``nsxkg load`` therefore
renders every release page once, in the process that writes the framework index (beside the
bulk load, which keeps the other core), and keeps them gzipped beside the build as
``pages.sqlite``. The server sends a kept page as it would send one it rendered.

A kept page is only right for the templates and base IRI it was rendered with: the file
records a fingerprint of both (and of nsxkg's version), and a server whose own fingerprint
differs (an upgraded nsxkg, another ``NSXKG_BASE_IRI``) renders its pages as before.
"""

from __future__ import annotations

import gzip
import hashlib
import sqlite3
import threading
from pathlib import Path

from fastapi.templating import Jinja2Templates

from nsxkg import __version__
from nsxkg.framework_index import FILE as INDEX_FILE
from nsxkg.framework_index import FrameworkIndex
from nsxkg.kept import open_kept
from nsxkg.web.links import href_for

FILE = "pages.sqlite"
TEMPLATES = Path(__file__).parent / "templates"


def fingerprint(base: str) -> str:
    """What a kept page depends on besides the build: nsxkg, its templates, the base IRI."""
    digest = hashlib.sha256(f"{__version__}\x1f{base}".encode())
    for path in sorted(TEMPLATES.glob("*.html")):
        digest.update(b"\x1f" + path.name.encode() + b"\x1f" + path.read_bytes())
    return digest.hexdigest()


def compressed(body: bytes) -> bytes:
    """A page or document as it is sent gzip-coded (and kept)."""
    # mtime=0: the same page gives the same bytes in every process behind a balancer.
    # Level 1, as nginx compresses by default: a release page in 0.6 ms rather than 1.9 ms
    # at level 6, for 23 KB rather than 19 KB.
    return gzip.compress(body, compresslevel=1, mtime=0)


def write(directory: Path, base: str) -> int:
    """Render every release page of the framework index in ``directory`` (the release's own
    address; the framework's address, which shows the latest, is rendered when first asked
    for) into ``directory``/pages.sqlite. Returns how many."""
    from nsxkg.web.pages import release_page

    index = FrameworkIndex(None, base, directory / INDEX_FILE)
    templates = Jinja2Templates(directory=str(TEMPLATES))
    path = directory / FILE
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode = OFF")  # written once, in the load's staging directory
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID")
        db.execute("CREATE TABLE page (iri TEXT NOT NULL, doc_path TEXT NOT NULL, "
                   "body BLOB NOT NULL, PRIMARY KEY (iri, doc_path)) WITHOUT ROWID")
        count = 0
        for entry in index.catalog():
            for release in entry.releases:
                doc_path = href_for(release.iri, base)  # the release's own page
                html = release_page(templates, index, base, release.iri, doc_path,
                                    entry.code, release.version, release is entry.current)
                if html is None:
                    continue
                db.execute("INSERT INTO page VALUES (?, ?, ?)",
                           (release.iri, doc_path, compressed(html.encode("utf-8"))))
                count += 1
        db.execute("INSERT INTO meta VALUES ('fingerprint', ?)", (fingerprint(base),))
        db.commit()
    finally:
        db.close()
    return count


class Prerendered:
    """The pages ``nsxkg load`` kept for one build, when they fit this server."""

    def __init__(self, db: sqlite3.Connection | None):
        self._db = db
        self._lock = threading.Lock()  # one connection, one statement at a time

    @classmethod
    def open(cls, build_path: Path, base: str) -> Prerendered:
        return cls(open_kept(build_path / FILE, "fingerprint", fingerprint(base),
                             "rendered by another nsxkg or for another base IRI: release "
                             "pages are rendered as they are asked for"))

    def __bool__(self) -> bool:
        return self._db is not None

    def get(self, iri: str, doc_path: str) -> bytes | None:
        """The gzipped page, or None when none was kept for this address."""
        if self._db is None:
            return None
        with self._lock:
            row = self._db.execute("SELECT body FROM page WHERE iri = ? AND doc_path = ?",
                                   (iri, doc_path)).fetchone()
        return None if row is None else bytes(row[0])
