"""Whether a build passed validation: the gate before a build is loaded or published.

Kept apart from ``nsxkg.validate`` so that reading the verdict does not import the SHACL
engines (seconds of start-up for ``load`` and ``publish``, which never validate).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from nsxkg.errors import NsxkgError

if TYPE_CHECKING:
    from nsxkg.build import Manifest

REPORT = "validation.json"


def require_conforming(build_dir: Path, manifest: Manifest, command: str,
                       error: type[NsxkgError]) -> None:
    """Raise ``error`` unless the build's validation report is for this very build and says
    it conforms; ``command`` (``load``, ``publish``) names what was refused."""
    path = build_dir / REPORT
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise error(f"{build_dir}: this build has not been validated; run "
                    f"`nsxkg validate` before `nsxkg {command}`") from err
    if report.get("digest") != manifest.digest:
        raise error(f"{path}: the validation report is for another build; run "
                    f"`nsxkg validate` again")
    if not report.get("conforms"):
        raise error(f"{path}: the build does not conform to the shapes "
                    f"({len(report.get('violations', []))} violations); nothing {command}ed")
