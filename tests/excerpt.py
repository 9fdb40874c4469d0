"""An excerpt of the full build, small enough to publish to another engine in a test: every
graph of the build, with the O*NET, crosswalk and other occupation-bound resources kept only
for a few occupations (the management major group, and the other occupations the example
queries name by default), so every example query has something to find.

It is a build like any other (graphs/*.nq, manifest.json), validated by the real
``validate_build`` before anything publishes it. Made from the build's files, line by line
(each quad is one line, subject first), in seconds.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from nsxkg.build import MANIFEST, GraphInfo, Manifest

# The management major group (11-): 11-2022.00 and its neighbours; and the two others the
# example queries use as defaults.
KEEP = re.compile(rb"11-.*|41-4012\.00|15-1252\.00")
_SUBJECT = re.compile(rb"<[^>]*/id/occupation/([^>]+)> ")
_OBJECT = re.compile(rb"(\S+) \S+ <[^>]*/id/occupation/([^>]+)> ")


def excerpt_build(full_build_dir: Path, target: Path) -> Path:
    """Write the excerpt of the build in ``full_build_dir`` under ``target`` (a build
    directory) and return it. Graph by graph, a resource is left out when it is an
    occupation outside KEEP or points at one there (ratings, tasks, related-occupation links,
    crosswalk mappings); everything else is kept."""
    full = Manifest.read(full_build_dir)
    (target / "graphs").mkdir(parents=True)
    manifest = Manifest(base_iri=full.base_iri)
    digest = hashlib.sha256()
    for graph in full.graphs:
        source = full_build_dir / graph.file
        dropped = _dropped_subjects(source)
        kept = 0
        digest.update(graph.iri.encode() + b"\0")
        with source.open("rb") as lines, (target / graph.file).open("wb") as out:
            for line in lines:
                if line[:line.find(b" ")] in dropped:
                    continue
                out.write(line)
                digest.update(line)
                kept += 1
        manifest.graphs.append(GraphInfo(graph.iri, graph.file, kept, graph.origin, graph.kind))
    manifest.digest = digest.hexdigest()
    (target / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
    return target


def _dropped_subjects(path: Path) -> set[bytes]:
    dropped: set[bytes] = set()
    with path.open("rb") as lines:
        for line in lines:
            if b"/id/occupation/" not in line:
                continue
            subject = _SUBJECT.match(line)
            if subject and not KEEP.fullmatch(subject.group(1)):
                dropped.add(line[:line.find(b" ")])
                continue
            pointing = _OBJECT.match(line)
            if pointing and not KEEP.fullmatch(pointing.group(2)):
                dropped.add(pointing.group(1))
    return dropped


def counts(build_dir: Path) -> dict[str, int]:
    data = json.loads((build_dir / MANIFEST).read_text(encoding="utf-8"))
    return {g["iri"]: g["triples"] for g in data["graphs"]}
