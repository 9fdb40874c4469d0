"""`nsxkg fetch onet`: download, resume, checksums and errors against a local HTTP mirror.

The served zip is built from a few files of the real 29.0 text release (NSXKG_SOURCES), laid out
like the published ``db_29_0_text.zip``; the server is a small threaded ``http.server`` on
127.0.0.1 that honours ``Range`` and can be told to ignore it, cut a response short or stall.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import socket
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from nsxkg.cli import main
from nsxkg.fetch import FetchError, fetch_onet
from nsxkg.sources.onet import OnetRelease

NAME = "db_29_0_text.zip"
MEMBERS = ("Read Me.txt", "Occupation Data.txt", "Scales Reference.txt")


# -- the served zip ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def release_zip() -> bytes:
    """A real (small) O*NET 29.0 text zip: a few mirror files under db_29_0_text/."""
    value = os.environ.get("NSXKG_SOURCES", "").strip()
    folder = Path(value) / "onet" / "29.0_text" if value else None
    if folder is None or not (folder / "Read Me.txt").is_file():
        reason = ("NSXKG_SOURCES is not set" if not value
                  else f"{folder} has no 'Read Me.txt'")
        pytest.skip(f"{reason}; point NSXKG_SOURCES at the source-release mirror")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in MEMBERS:
            if (folder / member).is_file():
                archive.write(folder / member, f"db_29_0_text/{member}")
    return buffer.getvalue()


# -- the mirror server ---------------------------------------------------------------------


@dataclass
class Mirror:
    """What the server serves and how it misbehaves; it records every request."""

    url: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    ranges: bool = True
    cut_after: int | None = None  # one response only: send this many body bytes, then hang up
    stall_after: int | None = None  # send this many body bytes, then wait until released
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)

    def serve(self, name: str, body: bytes, **headers: str) -> None:
        self.files["/" + name] = body
        self.headers["/" + name] = headers

    def ranges_asked(self, name: str) -> list[str | None]:
        return [rng for path, rng in self.requests if path == "/" + name]


class _Server(ThreadingHTTPServer):
    mirror: Mirror


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep pytest output clean

    def do_GET(self) -> None:
        mirror = self.server.mirror
        asked = self.headers.get("Range")
        mirror.requests.append((self.path, asked))
        body = mirror.files.get(self.path)
        if body is None:
            self._reply(404, b"not found")
            return
        start = int(asked.removeprefix("bytes=").rstrip("-")) if asked and mirror.ranges else 0
        if start >= len(body) > 0:
            self._reply(416, b"", {"Content-Range": f"bytes */{len(body)}"})
            return
        extra = dict(mirror.headers.get(self.path, {}))
        if start:
            extra["Content-Range"] = f"bytes {start}-{len(body) - 1}/{len(body)}"
        self._send_body(206 if start else 200, body[start:], extra)

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_body(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        mirror = self.server.mirror
        cut, mirror.cut_after = mirror.cut_after, None
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", "application/zip")
        self.end_headers()
        if cut is not None:
            # Promise the whole body, send part of it, hang up: a dropped connection.
            self.wfile.write(body[:cut])
            self.wfile.flush()
            self.close_connection = True
            return
        if mirror.stall_after is not None:
            self.wfile.write(body[:mirror.stall_after])
            self.wfile.flush()
            mirror.released.wait(5)
            self.close_connection = True
            return
        self.wfile.write(body)


@pytest.fixture
def mirror() -> Iterator[Mirror]:
    state = Mirror()
    server = _Server(("127.0.0.1", 0), _Handler)
    server.mirror = state
    state.url = f"http://127.0.0.1:{server.server_address[1]}/"
    # A short poll interval: shutdown() waits up to one interval, in every teardown.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.released.set()  # wake a stalled handler so nothing outlives the test
        server.shutdown()
        server.server_close()
        thread.join(5)


def run(mirror: Mirror, sources: Path, *args: str) -> Result:
    env = {"NSXKG_SOURCES": str(sources), "NSXKG_ONET_DOWNLOAD_URL": mirror.url, "CI": "1"}
    return CliRunner().invoke(main, ["fetch", "onet", "--release", "29.0", *args], env=env)


def fetch(mirror: Mirror, sources: Path, release: str = "29.0", timeout: float = 10.0) -> Path:
    return fetch_onet(release, "text", sources, mirror.url, timeout=timeout).path


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- downloading ---------------------------------------------------------------------------


def test_download_verifies_and_writes_checksum(mirror: Mirror, release_zip: bytes,
                                               tmp_path: Path) -> None:
    mirror.serve(NAME, release_zip)
    mirror.serve(NAME + ".sha256", f"{sha256(release_zip)}  {NAME}\n".encode())
    result = run(mirror, tmp_path)
    assert result.exit_code == 0, result.output
    target = tmp_path / "onet" / NAME
    assert target.read_bytes() == release_zip
    checksum = (tmp_path / "onet" / (NAME + ".sha256")).read_text()
    assert checksum == f"{sha256(release_zip)}  {NAME}\n"  # sha256sum format
    assert not (tmp_path / "onet" / (NAME + ".part")).exists()
    assert OnetRelease.open(target).release == "29.0"
    assert "matches " + mirror.url + NAME + ".sha256" in result.output


def test_second_run_skips_a_present_file(mirror: Mirror, release_zip: bytes,
                                         tmp_path: Path) -> None:
    mirror.serve(NAME, release_zip)
    assert run(mirror, tmp_path).exit_code == 0
    before = len(mirror.requests)
    again = run(mirror, tmp_path)
    assert again.exit_code == 0, again.output
    assert "already present, checksum OK" in again.output
    assert len(mirror.requests) == before  # no request at all


def test_present_file_failing_its_checksum_is_downloaded_again(
        mirror: Mirror, release_zip: bytes, tmp_path: Path) -> None:
    mirror.serve(NAME, release_zip)
    target = fetch(mirror, tmp_path)
    target.write_bytes(release_zip[:-10] + b"x" * 10)
    assert fetch(mirror, tmp_path).read_bytes() == release_zip


def test_resume_after_interrupted_download(mirror: Mirror, release_zip: bytes,
                                           tmp_path: Path) -> None:
    mirror.serve(NAME, release_zip)
    cut = len(release_zip) // 3
    mirror.cut_after = cut
    first = run(mirror, tmp_path)
    assert first.exit_code == 2
    assert mirror.url + NAME in first.output and "run again to resume" in first.output
    part = tmp_path / "onet" / (NAME + ".part")
    assert part.stat().st_size == cut
    assert not (tmp_path / "onet" / NAME).exists()

    second = run(mirror, tmp_path)
    assert second.exit_code == 0, second.output
    assert mirror.ranges_asked(NAME) == [None, f"bytes={cut}-"]
    assert (tmp_path / "onet" / NAME).read_bytes() == release_zip
    assert f"resumed at byte {cut:,}" in second.output
    assert sha256(release_zip) in (tmp_path / "onet" / (NAME + ".sha256")).read_text()


def test_server_without_ranges_restarts_from_zero(mirror: Mirror, release_zip: bytes,
                                                  tmp_path: Path) -> None:
    mirror.serve(NAME, release_zip)
    mirror.ranges = False
    mirror.cut_after = 1000
    with pytest.raises(FetchError, match="cut off"):
        fetch(mirror, tmp_path)
    target = fetch(mirror, tmp_path)
    assert mirror.ranges_asked(NAME) == [None, "bytes=1000-"]  # asked, got a 200
    assert target.read_bytes() == release_zip


def test_part_that_no_longer_fits_starts_afresh(mirror: Mirror, release_zip: bytes,
                                                tmp_path: Path) -> None:
    mirror.serve(NAME, release_zip)
    part = tmp_path / "onet" / (NAME + ".part")
    part.parent.mkdir(parents=True)
    part.write_bytes(b"\0" * (len(release_zip) + 5))  # longer than the file: HTTP 416
    assert fetch(mirror, tmp_path).read_bytes() == release_zip


# -- verification --------------------------------------------------------------------------


def test_checksum_mismatch_against_served_sha256(mirror: Mirror, release_zip: bytes,
                                                 tmp_path: Path) -> None:
    mirror.serve(NAME, release_zip)
    mirror.serve(NAME + ".sha256", f"{'0' * 64}  {NAME}\n".encode())
    result = run(mirror, tmp_path)
    assert result.exit_code == 2
    assert "checksum mismatch" in result.output and mirror.url + NAME in result.output
    assert sorted(p.name for p in (tmp_path / "onet").iterdir()) == []


def test_checksum_mismatch_against_digest_header(mirror: Mirror, release_zip: bytes,
                                                 tmp_path: Path) -> None:
    wrong = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    mirror.serve(NAME, release_zip, **{"Repr-Digest": f"sha-256=:{wrong}:"})
    with pytest.raises(FetchError, match="Repr-Digest"):
        fetch(mirror, tmp_path)
    assert not (tmp_path / "onet" / NAME).exists()


def test_matching_content_md5_is_checked(mirror: Mirror, release_zip: bytes,
                                         tmp_path: Path) -> None:
    md5 = base64.b64encode(hashlib.md5(release_zip).digest()).decode()
    mirror.serve(NAME, release_zip, **{"Content-MD5": md5})
    fetched = fetch_onet("29.0", "text", tmp_path, mirror.url)
    assert fetched.verified_by == "the Content-MD5 header"


def test_zip_of_another_release_is_rejected(mirror: Mirror, release_zip: bytes,
                                            tmp_path: Path) -> None:
    mirror.serve("db_28_0_text.zip", release_zip)
    with pytest.raises(FetchError, match="holds O\\*NET 29.0, not the requested 28.0"):
        fetch(mirror, tmp_path, release="28.0")
    assert list((tmp_path / "onet").iterdir()) == []


def test_a_page_that_is_not_a_zip_is_rejected(mirror: Mirror, tmp_path: Path) -> None:
    mirror.serve(NAME, b"<html>moved</html>")
    with pytest.raises(FetchError, match="not a readable zip"):
        fetch(mirror, tmp_path)
    assert list((tmp_path / "onet").iterdir()) == []


# -- errors --------------------------------------------------------------------------------


def test_not_found_is_a_clear_error(mirror: Mirror, tmp_path: Path) -> None:
    result = run(mirror, tmp_path, "--format", "excel")
    assert result.exit_code == 2
    assert f"{mirror.url}db_29_0_excel.zip: HTTP 404" in result.output
    assert not (tmp_path / "onet" / "db_29_0_excel.zip").exists()


def test_connection_refused_names_the_url(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    with pytest.raises(FetchError, match=f"cannot connect to {url}{NAME}"):
        fetch_onet("29.0", "text", tmp_path, url)


def test_timeout_keeps_the_part_for_resume(mirror: Mirror, release_zip: bytes,
                                           tmp_path: Path) -> None:
    mirror.serve(NAME, release_zip)
    mirror.stall_after = 500
    with pytest.raises(FetchError, match="timed out"):
        fetch(mirror, tmp_path, timeout=0.3)
    assert (tmp_path / "onet" / (NAME + ".part")).stat().st_size == 500
    assert not (tmp_path / "onet" / NAME).exists()


@pytest.mark.parametrize("release", ["29", "29.0.1", "latest"])
def test_release_must_look_like_a_number(mirror: Mirror, tmp_path: Path, release: str) -> None:
    result = CliRunner().invoke(main, ["fetch", "onet", "--release", release],
                                env={"NSXKG_SOURCES": str(tmp_path)})
    assert result.exit_code == 2
    assert "--release must look like 29.0" in result.output
    assert mirror.requests == []


def test_sources_directory_is_required() -> None:
    result = CliRunner().invoke(main, ["fetch", "onet", "--release", "29.0"],
                                env={"NSXKG_SOURCES": ""})
    assert result.exit_code == 2
    assert "pass --sources or set NSXKG_SOURCES" in result.output


# -- progress ------------------------------------------------------------------------------


class _Recorder:
    """A Progress that keeps what a download reported (the bars themselves: test_progress)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def rows(self, label: str, file: str, count: int) -> None:
        raise AssertionError("a download reports bytes, not rows")

    def done(self, label: str, file: str, count: int) -> None:
        raise AssertionError("a download reports bytes, not rows")

    def task(self, label: str, total: float | None = None, *, unit: str = "",
             completed: float = 0) -> _Recorder:
        self.events.append(("task", (label, total, unit, completed)))
        return self

    def update(self, completed: float) -> None:
        self.events.append(("update", completed))

    def finish(self) -> None:
        self.events.append(("finish", None))


def test_a_download_reports_its_bytes_to_the_shared_progress(mirror: Mirror, release_zip: bytes,
                                                             tmp_path: Path) -> None:
    mirror.serve(NAME, release_zip)
    recorder = _Recorder()
    fetch_onet("29.0", "text", tmp_path, mirror.url, progress=recorder)
    assert recorder.events[0] == ("task", (NAME, len(release_zip), "bytes", 0))
    assert recorder.events[-2:] == [("update", len(release_zip)), ("finish", None)]
