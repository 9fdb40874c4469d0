"""A synthetic corpus of framework releases, for measuring nsxkg at publisher scale.

``nsxkg synth frameworks --out DIR`` writes, for every occupation of an O*NET release in the
source directory that has no authored framework, two releases of a framework (``synthetic.1``
and ``synthetic.2``) into a scratch directory; the authored frameworks (data/frameworks) are
copied beside them as they are, so the corpus holds the real ones too and the example queries
give the same answers on it. The synthetic releases are built from the seed framework
(data/frameworks, the Sales Managers page) with the occupation's own code, title, job zone and
O*NET tasks; every statement is marked ``[synthetic]``, every release says ``synthetic: true``
(so a build refuses it unless given --allow-synthetic) and the directory holds a SYNTHETIC.md.
The second release revises the first the way a publisher would: some statements reworded, moved
to another level, dropped or added, some blocks reordered, a role relabelled and a source cited
in a newer edition, so the corpus exercises versions and diffs too. Output depends only on the
seed framework, the O*NET release and ``--seed``: the same command writes the same bytes.

The corpus is benchmark data: it is never committed and never served by default.
"""

from __future__ import annotations

import copy
import random
import shutil
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from nsxkg.errors import InputError
from nsxkg.frameworks.loader import REFERENCE, load_framework, reference_path
from nsxkg.frameworks.model import DurableLevel, Framework, MasteryLevel
from nsxkg.sources.discover import discover
from nsxkg.sources.onet import OnetRelease

MARKER = "SYNTHETIC.md"
VERSIONS = ("synthetic.1", "synthetic.2")
TAG = "[synthetic] "
TASKS_PER_FRAMEWORK = 8
# O*NET's short names of the job zones (Job Zone Reference), one wording for every release.
ZONE_LABELS = {1: "Little or No Preparation", 2: "Some Preparation", 3: "Medium Preparation",
               4: "Considerable Preparation", 5: "Extensive Preparation"}
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@dataclass(frozen=True)
class OnetOccupation:
    code: str
    title: str
    job_zone: int | None
    tasks: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class Corpus:
    directory: Path
    occupations: int  # synthesised
    releases: int  # synthetic releases written
    release: str  # the O*NET release the occupations came from
    authored: int  # authored frameworks copied as they are


def occupations_of(release: OnetRelease) -> list[OnetOccupation]:
    """Every occupation of an O*NET release with its job zone and first core tasks."""
    zones = {z.code: z.job_zone for z in release.job_zones()} if release.has("Job Zones") \
        else {}
    tasks: dict[str, list[tuple[int, str]]] = defaultdict(list)
    if release.has("Task Statements"):
        for t in release.task_statements():
            if t.task_type in (None, "Core"):
                tasks[t.code].append((t.task_id, t.task))
    return [OnetOccupation(o.code, o.title, zones.get(o.code),
                           tuple(sorted(tasks.get(o.code, []))[:TASKS_PER_FRAMEWORK]))
            for o in release.occupations()]


def generate(out: Path, sources: Path, frameworks: Path, *, seed: int = 1,
             limit: int | None = None) -> Corpus:
    """Write the corpus into ``out`` (replacing an earlier corpus there, never other files)."""
    found = [r for r in discover(sources).onet if r.has("Occupation Data")]
    if not found:
        raise InputError.at(sources, "no O*NET release with Occupation Data: the corpus takes "
                                     "its occupations from one")
    # The newest complete release, text before Excel (minutes faster to read, same rows).
    release = max(found, key=lambda r: (r.has("Task Statements"), r.has("Job Zones"),
                                        r.kind == "text", _number(r.release)))
    template = load_framework(_seed_release(frameworks))
    authored = sorted(d for d in frameworks.iterdir() if d.is_dir() and any(d.glob("*.yaml")))
    own = {d.name for d in authored}
    occupations = [o for o in occupations_of(release) if o.code not in own][:limit]
    _prepare(out)
    shutil.copyfile(reference_path(frameworks), out / REFERENCE)
    for directory in authored:
        shutil.copytree(directory, out / directory.name)
    # YAML's emitter is Python: two processes write the files in half the time.
    batches = [occupations[i:i + 64] for i in range(0, len(occupations), 64)]
    jobs = [(out, template, batch, seed) for batch in batches]
    with ProcessPoolExecutor(max_workers=2) as pool:
        count = sum(pool.map(_write_batch, *zip(*jobs, strict=True)))
    (out / MARKER).write_text(
        f"# Synthetic framework corpus\n\nGenerated by `nsxkg synth frameworks --seed {seed}` "
        f"from the seed framework and O*NET {release.release}: {len(occupations)} occupations, "
        f"{count} releases. Benchmark data, not NSX publications: every statement is marked "
        f"`{TAG.strip()}` and every release `synthetic: true`. Do not commit or serve it. "
        f"Beside them, the {len(authored)} authored frameworks "
        f"({', '.join(sorted(own)) or 'none'}) as they are.\n",
        encoding="utf-8")
    return Corpus(out, len(occupations), count, release.release, len(authored))


def _number(release: str) -> tuple[int, ...]:
    return tuple(int(part) for part in release.split(".") if part.isdigit())


def _write_batch(out: Path, template: Framework, occupations: list[OnetOccupation],
                 seed: int) -> int:
    count = 0
    for occ in occupations:
        rng = random.Random(f"{seed}:{occ.code}")
        first = _first_release(template, occ)
        second = _revise(first, rng)
        for data in (first, second):
            path = out / occ.code / f"{data['release']['version']}.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_dump(data, occ), encoding="utf-8")
            count += 1
    return count


def _seed_release(frameworks: Path) -> Path:
    releases = sorted(frameworks.glob("11-2022.00/*.yaml"))
    if not releases:
        raise InputError.at(frameworks, "the seed framework (11-2022.00/<version>.yaml) is "
                                        "not here; the corpus is built from it")
    return releases[-1]


def _prepare(out: Path) -> None:
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise InputError.at(out, f"not empty and not a synthetic corpus (no {MARKER}): "
                                     f"choose an empty or new directory")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


def _first_release(template: Framework, occ: OnetOccupation) -> dict[str, Any]:
    data: dict[str, Any] = template.model_dump(mode="json", exclude_none=True)
    data["occupation"] = {"code": occ.code, "title": occ.title}
    if occ.job_zone is not None:
        data["occupation"]["job_zone"] = {"zone": occ.job_zone,
                                          "label": ZONE_LABELS[occ.job_zone]}
    data["release"] = {
        "version": VERSIONS[0],
        "context": f"{TAG}A synthetic framework for {occ.title}, generated from the NSX Sales "
                   f"Managers framework to measure nsxkg at publisher scale.",
        "publisher": "nsxkg synthetic corpus", "rights": "Synthetic data, no rights reserved.",
        "synthetic": True,
    }
    # Each occupation's statements are its own, as in real frameworks (and as the checks
    # across releases see them): the seed's text, marked and addressed to the occupation.
    for block in _blocks(data):
        for st in block["statements"]:
            st["text"] = f"{TAG}{occ.title}: {st['text']}"
    anchors = data["anchors"]
    anchors["related_titles"] = []
    anchors["tasks"] = [{"id": task_id, "text": text} for task_id, text in occ.tasks]
    return data


def _blocks(data: dict[str, Any]) -> Iterable[dict[str, Any]]:
    yield from data["mastery"]
    yield from data.get("ai_use", [])
    for domain in data.get("durable_skills", []):
        yield from domain["levels"]


def _revise(first: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The second release: a seeded set of the changes publishers make between versions."""
    data: dict[str, Any] = copy.deepcopy(first)
    data["release"]["version"] = VERSIONS[1]
    added = 0
    for block in list(_blocks(data)):
        statements = block["statements"]
        for st in list(statements):
            roll = rng.random()
            if roll < 0.08:
                st["text"] = st["text"].rstrip(".") + ", revised for this release."
            elif roll < 0.11 and len(statements) > 1:
                statements.remove(st)
        if rng.random() < 0.05:
            added += 1
            statements.append({**statements[0], "key": f"synthetic-added-{added}",
                               "text": f"{TAG}a statement added in the second release."})
        if rng.random() < 0.1:
            rng.shuffle(statements)
    _move_between_levels(data["mastery"], list(MasteryLevel), rng)
    for domain in data.get("durable_skills", []):
        _move_between_levels(domain["levels"], list(DurableLevel), rng)
    if rng.random() < 0.2:
        data["mastery"][0]["role"] = data["mastery"][0]["role"] + " (revised)"
    for source in data["sources"]:
        if source["key"] == "onet":
            source["label"] = source["citation_label"] = "O*NET v30.3"
            source["version"] = "v30.3"
    return data


def _move_between_levels(blocks: list[dict[str, Any]], order: list[Any],
                         rng: random.Random) -> None:
    """Move a statement or two one level up, as a publisher re-levels a statement."""
    by_level = {b["level"]: b for b in blocks}
    for _ in range(rng.randint(0, 2)):
        lower = rng.randrange(len(order) - 1)
        source, target = by_level.get(order[lower].value), by_level.get(order[lower + 1].value)
        if source is None or target is None or len(source["statements"]) < 2:
            continue
        target["statements"].append(source["statements"].pop())


def _dump(data: dict[str, Any], occ: OnetOccupation) -> str:
    head = (f"# SYNTHETIC benchmark data (nsxkg synth frameworks): not an NSX publication.\n"
            f"# {occ.title} ({occ.code}), release {data['release']['version']}.\n")
    return head + yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                            width=100)
