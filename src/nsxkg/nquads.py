"""Graph files of a build: distinct N-Quads lines in sorted order, so rebuilds diff cleanly and
a graph's digest depends on its content alone.

Large graphs go through an external merge sort (sorted runs spilled to disk, merged), so
memory stays flat however large the graph; small ones are sorted in memory.
"""

from __future__ import annotations

import codecs
import hashlib
import heapq
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

SORT_CHUNK = 500_000  # lines held in memory at once; the rest is merged from sorted runs


def lines_of(quads: Iterable[ox.Quad]) -> Iterable[str]:
    return (str(quad) + " .\n" for quad in quads)


def write_sorted(lines: Iterable[str], path: Path, graph: str) -> tuple[int, str]:
    """Write the distinct lines in sorted order; returns how many, and the SHA-256 of the
    graph's IRI and content (the graph's part of the build digest)."""
    digest = hashlib.sha256(graph.encode() + b"\0")
    runs: list[Path] = []
    chunk: list[str] = []
    tmp: tempfile.TemporaryDirectory[str] | None = None  # only when a graph outgrows memory
    try:
        for line in lines:
            chunk.append(line)
            if len(chunk) >= SORT_CHUNK:
                if tmp is None:
                    tmp = tempfile.TemporaryDirectory(dir=path.parent)
                runs.append(_spill(chunk, Path(tmp.name) / f"run{len(runs)}"))
                chunk = []
        chunk.sort()
        files = [run.open(encoding="utf-8") for run in runs]
        try:
            count = 0
            previous = None
            with path.open("wb") as out:
                for line in heapq.merge(chunk, *files) if files else chunk:
                    if line != previous:
                        data = line.encode("utf-8")
                        out.write(data)
                        digest.update(data)
                        count += 1
                        previous = line
        finally:
            for f in files:
                f.close()
    finally:
        if tmp is not None:
            tmp.cleanup()
    return count, digest.hexdigest()


def _spill(chunk: list[str], path: Path) -> Path:
    chunk.sort()
    with path.open("w", encoding="utf-8") as out:
        out.writelines(chunk)
    return path


def build_digest(graphs: Iterable[tuple[str, str]]) -> str:
    """The digest of a build: its graphs' digests, in graph IRI order."""
    digest = hashlib.sha256()
    for iri, graph_digest in sorted(graphs):
        digest.update(f"{iri}\0{graph_digest}\n".encode())
    return digest.hexdigest()


def _uchar(err: UnicodeError) -> tuple[str, int]:
    assert isinstance(err, UnicodeEncodeError)
    return "".join(f"\\u{c:04X}" if c < 0x10000 else f"\\U{c:08X}"
                   for c in map(ord, err.object[err.start:err.end])), err.end


codecs.register_error("nsxkg-uchar", _uchar)


def read_ascii(*paths: Path) -> str:
    """The files' N-Quads as one ASCII text: every other character written as its ``\\u``
    escape (N-Quads ``UCHAR``, which a parser reads back as the same character).

    For the native SHACL engine, which takes the text as UTF-8: Python hands an ASCII string
    over as it is, but makes a UTF-8 copy of any other one and keeps it as long as the string
    lives, which for O*NET 29.3 (578 MB) was 551 MB more at the validation's peak.
    """
    parts = []
    for path in paths:
        raw = path.read_bytes()
        if not raw.isascii():
            raw = raw.decode("utf-8").encode("ascii", "nsxkg-uchar")
        parts.append(raw.decode("ascii"))
        del raw
    return "".join(parts)
