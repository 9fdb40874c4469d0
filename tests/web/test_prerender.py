"""Release pages rendered by ``nsxkg load`` (web/prerender.py): byte for byte the pages the
server renders, served in their place, and never served by a server they do not fit."""

from __future__ import annotations

import gzip
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from nsxkg.store import current_build, load
from nsxkg.web import prerender
from nsxkg.web.app import create_app

HTML = {"Accept": "text/html", "Accept-Encoding": "gzip"}
PAGES = ("/doc/framework/15-1252.00/v.0.1", "/doc/framework/15-1252.00/v.0.2")
MARK = b"<!-- kept -->"


def kept(build: Path) -> dict[str, bytes]:
    db = sqlite3.connect(build / prerender.FILE)
    try:
        return {path: gzip.decompress(body) for path, body in
                db.execute("SELECT doc_path, body FROM page")}
    finally:
        db.close()


@pytest.fixture
def store_copy(loaded_releases: Any, tmp_path: Path) -> Iterator[Any]:
    """The releases fixture loaded again into a store of this test's own, with the pages."""
    settings = loaded_releases.settings.with_overrides(store_dir=tmp_path / "store",
                                                       pool_size=1)
    load(settings.build_dir, settings.store_dir, pages=prerender.write)
    yield settings


def test_load_renders_every_release_page_as_the_server_does(
        loaded_releases: Any, store_copy: Any) -> None:
    build = current_build(store_copy.store_dir)
    pages = kept(build)
    assert sorted(pages) == list(PAGES)
    # The fixture's own store was loaded without pages: its server renders them itself.
    assert not (loaded_releases.build.path / prerender.FILE).exists()
    with TestClient(create_app(loaded_releases.settings.with_overrides(pool_size=1))) as live:
        for path in PAGES:
            rendered = live.get(path, headers=HTML)
            assert rendered.status_code == 200
            assert rendered.content == pages[path]


def test_the_server_sends_the_kept_page(store_copy: Any) -> None:
    build = current_build(store_copy.store_dir)
    _mark(build, PAGES[0])
    with TestClient(create_app(store_copy)) as client:
        sent = client.get(PAGES[0], headers=HTML)
        assert sent.status_code == 200 and sent.content.startswith(MARK)
        assert sent.headers["content-type"].startswith("text/html")
        assert sent.headers["content-encoding"] == "gzip" and "ETag" in sent.headers
        plain = client.get(PAGES[0], headers={"Accept": "text/html",
                                              "Accept-Encoding": "identity"})
        assert plain.content.startswith(MARK) and "content-encoding" not in plain.headers
        # The framework's own address (its latest release) is rendered when asked for.
        latest = client.get("/doc/framework/15-1252.00", headers=HTML)
        assert latest.status_code == 200 and not latest.content.startswith(MARK)


@pytest.mark.parametrize("change", ["fingerprint", "base"])
def test_pages_that_do_not_fit_the_server_are_not_sent(store_copy: Any, change: str) -> None:
    # Rendered by another nsxkg (other templates), or for another base IRI: links and
    # markup could be wrong, so the server renders the page itself.
    build = current_build(store_copy.store_dir)
    _mark(build, PAGES[0])
    if change == "fingerprint":
        with sqlite3.connect(build / prerender.FILE) as db:
            db.execute("UPDATE meta SET value = 'another' WHERE key = 'fingerprint'")
        db.close()
        assert not prerender.Prerendered.open(build, store_copy.base_iri)
    else:
        assert not prerender.Prerendered.open(build, "https://example.org/other/")
        return
    with TestClient(create_app(store_copy)) as client:
        sent = client.get(PAGES[0], headers=HTML)
        assert sent.status_code == 200 and not sent.content.startswith(MARK)
        assert b"v.0.1" in sent.content


def test_a_build_without_pages_is_served(store_copy: Any) -> None:
    build = current_build(store_copy.store_dir)
    shutil.move(build / prerender.FILE, build.parent / "elsewhere.sqlite")
    assert not prerender.Prerendered.open(build, store_copy.base_iri)
    with TestClient(create_app(store_copy)) as client:
        assert client.get(PAGES[1], headers=HTML).status_code == 200


def _mark(build: Path, path: str) -> None:
    """Prefix one kept page with a marker, to tell a kept page from a rendered one."""
    with sqlite3.connect(build / prerender.FILE) as db:
        (body,) = db.execute("SELECT body FROM page WHERE doc_path = ?", (path,)).fetchone()
        db.execute("UPDATE page SET body = ? WHERE doc_path = ?",
                   (prerender.compressed(MARK + gzip.decompress(body)), path))
    db.close()
