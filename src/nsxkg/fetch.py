"""Downloading source releases from their publishers: the O*NET database zips.

``fetch_onet("29.0", "text", sources, base_url)`` fetches ``db_29_0_text.zip`` into
``<sources>/onet/``. The download goes to ``<name>.part`` and only a complete, verified file is
renamed to its final name, so an interrupted run never leaves a corrupt zip behind; the next run
resumes the part file with ``Range: bytes=N-`` (or restarts if the server ignores ranges).

Verification, in order: the SHA-256 (and MD5) digests the server states, in a ``Repr-Digest``,
``Digest``, ``Content-Digest`` or ``Content-MD5`` header or a ``<name>.sha256`` file beside the
zip (O*NET publishes neither today, so none is required); then the zip itself (every member's
CRC, a ``Read Me.txt`` naming the requested release). A ``<name>.sha256`` in sha256sum format
is always written beside the zip; a later run that finds the zip matching it skips the download.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import httpx

from nsxkg import __version__
from nsxkg.errors import InputError, NsxkgError
from nsxkg.progress import Progress, Quiet

__all__ = ["FetchError", "Fetched", "fetch_file", "fetch_onet", "onet_zip_name"]

KINDS = ("text", "excel")  # the editions O*NET publishes each release in
Verify = Callable[[Path, str], None]
Notify = Callable[[str], None]

DEFAULT_TIMEOUT = 60.0  # seconds without a byte before giving up; resume makes retrying cheap
_CHUNK = 256 * 1024
_SIDECAR_LIMIT = 64 * 1024  # a checksum file is a line; anything bigger is not one
_RELEASE = re.compile(r"\d+\.\d+")
_HEX_SHA256 = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-fA-F])")
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")
# Digest algorithm names in HTTP headers → hashlib names; only those worth verifying.
_ALGORITHMS = {"sha-256": "sha256", "md5": "md5"}


class FetchError(NsxkgError):
    """A download that failed or produced a file that does not verify."""


@dataclass(frozen=True)
class Fetched:
    path: Path
    url: str
    sha256: str
    size: int
    downloaded: bool  # False when the file was already present and matched its checksum
    resumed_from: int = 0
    verified_by: str = ""  # where the expected digest came from, if the server gave one

    def summary(self) -> str:
        if not self.downloaded:
            return f"{self.path}: already present, checksum OK (sha256 {self.sha256})"
        how = f", resumed at byte {self.resumed_from:,}" if self.resumed_from else ""
        check = f"; matches {self.verified_by}" if self.verified_by else ""
        return (f"downloaded {self.path} ({self.size:,} bytes{how}) from {self.url}\n"
                f"sha256 {self.sha256}{check}")


# -- O*NET ---------------------------------------------------------------------------------


def onet_zip_name(release: str, kind: str) -> str:
    """``29.0``, ``text`` → ``db_29_0_text.zip``, the publisher's file name."""
    return f"db_{release.replace('.', '_')}_{kind}.zip"


def fetch_onet(release: str, kind: str, sources: Path | None, base_url: str, *,
               progress: Progress | None = None, notify: Notify | None = None,
               timeout: float = DEFAULT_TIMEOUT) -> Fetched:
    """Fetch one O*NET database release zip into ``<sources>/onet/``."""
    if not _RELEASE.fullmatch(release):
        raise FetchError(f"--release must look like 29.0, got {release!r}")
    if kind not in KINDS:
        raise FetchError(f"--format must be one of {', '.join(KINDS)}, got {kind!r}")
    if sources is None:
        raise FetchError("no sources directory: pass --sources or set NSXKG_SOURCES")
    name = onet_zip_name(release, kind)
    url = _join(base_url, name)

    def verify(path: Path, source: str) -> None:
        verify_onet_zip(path, source, release)

    return fetch_file(url, sources / "onet" / name, verify=verify, progress=progress,
                      notify=notify, timeout=timeout)


def verify_onet_zip(path: Path, url: str, release: str) -> None:
    """A readable zip, every member intact, with a Read Me naming ``release``."""
    from nsxkg.sources.onet import OnetRelease

    names = _check_zip(path, url)
    if not any(PurePosixPath(n).name == "Read Me.txt" for n in names):
        raise FetchError(f"{url}: no 'Read Me.txt' in the zip, so not an O*NET database release")
    try:
        found = OnetRelease.open(path).release
    except InputError as err:
        raise FetchError(f"{url}: {err}") from None
    if found != release:
        raise FetchError(f"{url}: the zip holds O*NET {found}, not the requested {release}")


def _check_zip(path: Path, url: str) -> list[str]:
    # testzip reads every member and checks its CRC: the one integrity check that works when the
    # server states no checksum. A truncated or mangled archive fails here, not at build time.
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as err:
        raise FetchError(f"{url}: not a readable zip archive ({err})") from None
    if bad is not None:
        raise FetchError(f"{url}: zip member {bad!r} is corrupt (CRC mismatch)")
    return names


def _join(base_url: str, name: str) -> str:
    if not base_url.startswith(("http://", "https://")):
        raise FetchError(f"download address must be an http(s) URL, got {base_url!r}")
    return base_url.rstrip("/") + "/" + name


# -- any file ------------------------------------------------------------------------------


def fetch_file(url: str, target: Path, *, verify: Verify, progress: Progress | None = None,
               notify: Notify | None = None, timeout: float = DEFAULT_TIMEOUT) -> Fetched:
    """Download ``url`` to ``target`` via ``target.part``; see the module docstring."""
    say = notify or (lambda _message: None)
    checksum_file = _sibling(target, ".sha256")
    present = _present_digest(target, checksum_file, verify, say)
    if present is not None:
        return Fetched(target, url, present, target.stat().st_size, downloaded=False)

    target.parent.mkdir(parents=True, exist_ok=True)
    part = _sibling(target, ".part")
    with _client(timeout) as client:
        download = _download(client, url, part, progress or Quiet(), say)
        expected = dict(download.expected)
        if "sha256" not in expected:  # a header gave none: try a checksum file beside the zip
            expected.update(_published_sha256(client, url, target.name, say))
    try:
        by = _check_digests(url, download.digests, expected)
        verify(part, url)
    except FetchError:
        # A complete file that fails verification cannot be fixed by resuming: start afresh.
        part.unlink(missing_ok=True)
        raise
    os.replace(part, target)
    _write_checksum(checksum_file, download.digests["sha256"], target.name)
    return Fetched(target, url, download.digests["sha256"], download.size, downloaded=True,
                   resumed_from=download.resumed_from, verified_by=by)


def _sibling(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _present_digest(target: Path, checksum_file: Path, verify: Verify,
                    say: Notify) -> str | None:
    """The digest of a good file already at ``target``; None (and no file) otherwise."""
    if not target.is_file():
        return None
    digest = _hash_file(target, ("sha256",))["sha256"]
    recorded = _read_checksum_file(checksum_file, target.name)
    try:
        if recorded is not None and recorded != digest:
            raise FetchError(f"{target} does not match its checksum file {checksum_file}")
        verify(target, str(target))
    except FetchError as err:
        say(f"{err}; downloading it again")
        target.unlink()
        checksum_file.unlink(missing_ok=True)
        return None
    if recorded is None:  # placed by hand, or a run stopped before writing it: record it now
        _write_checksum(checksum_file, digest, target.name)
    return digest


@contextmanager
def _client(timeout: float) -> Iterator[httpx.Client]:
    # identity encoding: byte offsets in Range and Content-Length must be those of the file.
    headers = {"User-Agent": f"nsxkg/{__version__}", "Accept-Encoding": "identity"}
    limits = httpx.Timeout(timeout, connect=min(timeout, 15.0))
    with httpx.Client(timeout=limits, follow_redirects=True, headers=headers) as client:
        yield client


@dataclass(frozen=True)
class _Download:
    digests: Mapping[str, str]  # hashlib name → hex digest of the whole file
    expected: Mapping[str, tuple[str, str]]  # hashlib name → (hex digest, where it was stated)
    size: int
    resumed_from: int


def _download(client: httpx.Client, url: str, part: Path, progress: Progress,
              say: Notify) -> _Download:
    offset = part.stat().st_size if part.is_file() else 0
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    try:
        with client.stream("GET", url, headers=headers) as response:
            if offset and not _resumable(response, offset):
                # The part is not a prefix of what the server now sends (the file changed, or
                # the server's range is off): appending would corrupt it, so start afresh.
                say(f"{url}: cannot resume {part.name}; downloading from the start")
                response.close()
                part.unlink()
                return _download(client, url, part, progress, say)
            _raise_for_status(response, url, offset)
            if offset and response.status_code == 200:
                say(f"{url}: the server does not resume downloads; starting again from zero")
            elif offset:
                say(f"resuming {url} at byte {offset:,}")
            start = offset if response.status_code == 206 else 0
            return _receive(response, url, part, start, progress)
    except httpx.HTTPError as err:
        done = part.stat().st_size if part.is_file() else 0
        raise FetchError(_transport_message(err, url, done)) from None


def _resumable(response: httpx.Response, offset: int) -> bool:
    """False when a resume request got an answer that cannot continue the part file."""
    if response.status_code == 416:
        return False
    return response.status_code != 206 or _range_start(response) == offset


def _range_start(response: httpx.Response) -> int | None:
    match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", "").strip())
    return int(match.group(1)) if match else None


def _raise_for_status(response: httpx.Response, url: str, offset: int) -> None:
    if response.status_code == 206 and _range_start(response) != offset:
        raise FetchError(f"{url}: a partial answer (HTTP 206) to a request for the whole file")
    if response.status_code not in (200, 206):
        hint = " (is that release and format published?)" if response.status_code == 404 else ""
        raise FetchError(f"{url}: HTTP {response.status_code} {response.reason_phrase}{hint}")


def _receive(response: httpx.Response, url: str, part: Path, start: int,
             progress: Progress) -> _Download:
    whole_body = response.status_code == 200
    expected = _header_digests(response.headers, whole_body)
    algorithms = ("sha256", *sorted(set(expected) - {"sha256"}))
    # Resuming: the digests cover the whole file, so hash the part already on disk first.
    hashers = _hashers(part if start else None, algorithms)
    total = _expected_size(response, start)
    done = start
    task = progress.task(PurePosixPath(url).name, total, unit="bytes", completed=done)
    with part.open("ab" if start else "wb") as out:
        # No chunk_size: httpx would hold bytes back until a chunk fills, and lose them on
        # a dropped connection; written as they arrive, they are kept for the resume.
        for chunk in response.iter_bytes():
            out.write(chunk)
            for hasher in hashers.values():
                hasher.update(chunk)
            done += len(chunk)
            task.update(done)
    if total is None or done == total:
        task.finish()
    if total is not None and done != total:
        raise FetchError(f"download of {url} stopped at {done:,} of {total:,} bytes; "
                         f"run again to resume from {part}")
    digests = {name: h.hexdigest() for name, h in hashers.items()}
    return _Download(digests, expected, done, start)


def _expected_size(response: httpx.Response, start: int) -> int | None:
    if response.headers.get("Content-Encoding", "identity") != "identity":
        return None  # the server compressed anyway: its lengths are not the file's
    length = response.headers.get("Content-Length")
    return start + int(length) if length and length.isdigit() else None


def _transport_message(err: httpx.HTTPError, url: str, done: int) -> str:
    kept = f"; {done:,} bytes kept, run again to resume" if done else ""
    if isinstance(err, httpx.TimeoutException):
        return f"download of {url} timed out ({type(err).__name__}){kept}"
    if isinstance(err, httpx.ConnectError):
        return f"cannot connect to {url}: {err}"
    if isinstance(err, httpx.RemoteProtocolError | httpx.ReadError):
        return f"download of {url} was cut off by the server ({err}){kept}"
    return f"download of {url} failed: {err}{kept}"


# -- digests -------------------------------------------------------------------------------


def _hashers(seed: Path | None, algorithms: tuple[str, ...]) -> dict[str, hashlib._Hash]:
    hashers = {name: hashlib.new(name) for name in algorithms}
    if seed is not None:
        with seed.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                for hasher in hashers.values():
                    hasher.update(chunk)
    return hashers


def _hash_file(path: Path, algorithms: tuple[str, ...]) -> dict[str, str]:
    return {name: h.hexdigest() for name, h in _hashers(path, algorithms).items()}


def _header_digests(headers: httpx.Headers,
                    whole_body: bool) -> dict[str, tuple[str, str]]:
    """Digests the server states for the whole file, as hex, with the header they came from.

    ``Repr-Digest`` (RFC 9530) and ``Digest`` (RFC 3230) describe the whole file even in a 206;
    ``Content-Digest`` and ``Content-MD5`` describe the message body, so only a 200's is usable.
    """
    found: dict[str, tuple[str, str]] = {}
    names = ["Repr-Digest", "Digest"] + (["Content-Digest"] if whole_body else [])
    for header in names:
        for algorithm, value in _digest_items(headers.get(header, "")):
            found.setdefault(algorithm, (value, f"the {header} header"))
    md5 = headers.get("Content-MD5")
    if whole_body and md5 and (md5_hex := _b64_hex(md5)):
        found.setdefault("md5", (md5_hex, "the Content-MD5 header"))
    return found


def _digest_items(header: str) -> Iterator[tuple[str, str]]:
    # "sha-256=:BASE64:" (structured field) or "SHA-256=BASE64" (RFC 3230), comma-separated.
    for item in header.split(","):
        algorithm, _, value = item.strip().partition("=")
        name = _ALGORITHMS.get(algorithm.strip().lower())
        if name and (hex_value := _b64_hex(value.split(";")[0].strip().strip(":"))):
            yield name, hex_value


def _b64_hex(value: str) -> str | None:
    try:
        return base64.b64decode(value, validate=True).hex() or None
    except (binascii.Error, ValueError):
        return None


def _published_sha256(client: httpx.Client, url: str, name: str,
                      say: Notify) -> dict[str, tuple[str, str]]:
    """The digest in ``<url>.sha256`` if the server publishes one; absent is normal."""
    sidecar = url + ".sha256"
    try:
        with client.stream("GET", sidecar) as response:
            if response.status_code != 200:
                return {}
            text = _read_limited(response).decode("utf-8", errors="replace")
    except httpx.HTTPError as err:
        say(f"could not read {sidecar} ({err}); relying on the zip's own checks")
        return {}
    digest = _parse_checksums(text, name)
    return {"sha256": (digest, sidecar)} if digest else {}


def _read_limited(response: httpx.Response) -> bytes:
    data = b""
    for chunk in response.iter_bytes():
        data += chunk
        if len(data) > _SIDECAR_LIMIT:
            return b""  # a soft-404 page or the like, not a checksum file
    return data


def _parse_checksums(text: str, name: str) -> str | None:
    """The SHA-256 for ``name`` in sha256sum (or BSD ``SHA256 (name) = …``) format.

    A line that names the file wins; a lone digest with no name is taken as the file's.
    """
    unnamed = None
    for line in text.splitlines():
        match = _HEX_SHA256.search(line)
        if not match:
            continue
        rest = line.replace(match.group(0), " ").strip().lstrip("*").strip()
        if name in line:
            return match.group(0).lower()
        if not rest and unnamed is None:
            unnamed = match.group(0).lower()
    return unnamed


def _check_digests(url: str, digests: Mapping[str, str],
                   expected: Mapping[str, tuple[str, str]]) -> str:
    """Raise on any stated digest the download does not match; say which ones it matched."""
    for algorithm, (value, source) in expected.items():
        if digests.get(algorithm) != value.lower():
            raise FetchError(f"checksum mismatch for {url}: {source} says {algorithm} {value}, "
                             f"the download has {digests.get(algorithm)}")
    return ", ".join(source for _, source in expected.values())


def _read_checksum_file(path: Path, name: str) -> str | None:
    if not path.is_file():
        return None
    return _parse_checksums(path.read_text(encoding="utf-8", errors="replace"), name)


def _write_checksum(path: Path, digest: str, name: str) -> None:
    tmp = _sibling(path, ".tmp")
    tmp.write_text(f"{digest}  {name}\n", encoding="utf-8")
    os.replace(tmp, path)
