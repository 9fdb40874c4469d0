"""One release, as the exports read it: the page data of framework_index.release_view.

Every export (CASE, CTDL-ASN, CSV) is a pure function of that view, the same dictionary a
release page renders, so the downloads and the page cannot drift apart. The server takes the
view from its build's framework index; the command line makes it from the framework files,
through the same conversion a build runs (convert.framework.framework_quads), so an export
needs neither a build nor a loaded store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nsxkg.convert.framework import framework_quads, reference_graph, release_graph, version_order
from nsxkg.errors import InputError
from nsxkg.framework_index import facts_of, release_view
from nsxkg.frameworks.loader import framework_files, load_reference, read_release, reference_path
from nsxkg.frameworks.model import SOC_CODE
from nsxkg.iris import Iris

# NSX names its releases after year and month (v.26.05 is May 2026).
_YEAR_MONTH_VERSION = re.compile(r"v\.(\d{2})\.(\d{2})")


@dataclass(frozen=True)
class Release:
    """What an export is made of: the release's page data and the IRIs base it was made with."""

    view: dict[str, Any]
    base: str

    @property
    def code(self) -> str:
        return str(self.view["code"])

    @property
    def version(self) -> str:
        return str(self.view["version"])

    @property
    def iris(self) -> Iris:
        return Iris(self.base)


def parse_spec(spec: str) -> tuple[str, str | None]:
    """``CODE`` or ``CODE@VERSION``."""
    code, _, version = spec.partition("@")
    if not re.fullmatch(SOC_CODE, code):
        raise InputError.at(spec, "expected CODE or CODE@VERSION with an O*NET-SOC code "
                                  "(NN-NNNN.NN), e.g. 11-2022.00@v.26.05")
    return code, version or None


def from_files(frameworks: Path, code: str, version: str | None, base: str) -> Release:
    """A release read from a frameworks directory; without a version, the latest."""
    files = [p for p in framework_files(frameworks) if p.parent.name == code]
    if not files:
        raise InputError.at(frameworks, f"no framework for occupation {code} (expected "
                                        f"{code}/<version>.yaml)")
    versions = sorted((p.stem for p in files), key=version_order)
    chosen = version or versions[-1]
    if chosen not in versions:
        raise InputError.at(frameworks / code, f"no release {chosen!r} of {code}; releases: "
                                               f"{', '.join(versions)}")
    reference = load_reference(reference_path(frameworks))
    path = next(p for p in files if p.stem == chosen)
    framework = read_release(path, reference).framework
    iris = Iris(base)
    quads = framework_quads([framework], reference, iris)
    mine, ref = release_graph(iris, code, chosen), reference_graph(iris)
    view = release_view(facts_of(q for q in quads if q.graph_name == mine),
                        facts_of(q for q in quads if q.graph_name == ref), code, chosen,
                        iris.base)
    if view is None:  # a release file always makes its release resource
        raise InputError.at(path, "the release made no release resource")
    return Release(view, iris.base)


def last_changed(view: dict[str, Any]) -> str:
    """When a release last changed, as an ISO 8601 date-time: its ``issued`` date, else the
    month its version names (v.26.05 → 2026-05-01), else the epoch. Never the clock: an
    export must be the same bytes every time, and a registry compares these stamps to tell
    a newer release from the one it holds."""
    issued = view["release"].get("issued")
    if issued:
        parts = (str(issued).split("-") + ["01", "01"])[:3]
        return f"{parts[0]}-{parts[1]}-{parts[2]}T00:00:00+00:00"
    found = _YEAR_MONTH_VERSION.fullmatch(str(view["version"]))
    if found and 1 <= int(found[2]) <= 12:
        return f"20{found[1]}-{found[2]}-01T00:00:00+00:00"
    return "1970-01-01T00:00:00+00:00"
