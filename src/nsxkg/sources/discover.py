"""Find the source releases in a source directory laid out like the publishers' downloads:

    onet/<release dir or db_NN_N_*.zip>   esco/v<version>/   soc2018/   crosswalks/onet_cip/
    crosswalks/nesta_esco_onet_2020/   crosswalks/bls_isco08_soc2010/
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from nsxkg.errors import InputError
from nsxkg.sources.esco import EscoRelease
from nsxkg.sources.onet import OnetRelease

SOC_DEFINITIONS = "soc2018/soc_2018_definitions.tsv"
CIP_CROSSWALK = "crosswalks/onet_cip/Education_CIP_to_ONET_SOC.tsv"
NESTA_CROSSWALK = "crosswalks/nesta_esco_onet_2020/esco_onet_crosswalk_Nov2020.csv"
BLS_CROSSWALK = "crosswalks/bls_isco08_soc2010/ISCO-08_to_2010_SOC.tsv"


@dataclass
class Sources:
    onet: list[OnetRelease] = field(default_factory=list)
    esco: list[EscoRelease] = field(default_factory=list)
    soc_definitions: Path | None = None
    cip_crosswalk: Path | None = None
    nesta_crosswalk: Path | None = None
    bls_crosswalk: Path | None = None
    absent: list[str] = field(default_factory=list)


def discover(root: Path) -> Sources:
    if not root.is_dir():
        raise InputError.at(root, "source directory not found (set --sources or NSXKG_SOURCES)")
    found = Sources()
    seen: dict[str, Path] = {}
    for path in _children(root / "onet"):
        release = OnetRelease.open(path)
        if release.release in seen:
            raise InputError.at(path, f"O*NET {release.release} is also at {seen[release.release]};"
                                      f" keep one copy of each release")
        seen[release.release] = path
        found.onet.append(release)
    found.esco = [EscoRelease.open(path) for path in _children(root / "esco") if path.is_dir()]
    for attr, relative in (("soc_definitions", SOC_DEFINITIONS), ("cip_crosswalk", CIP_CROSSWALK),
                           ("nesta_crosswalk", NESTA_CROSSWALK),
                           ("bls_crosswalk", BLS_CROSSWALK)):
        path = root / relative
        if path.is_file():
            setattr(found, attr, path)
        else:
            found.absent.append(relative)
    if not found.onet:
        found.absent.append("onet/ (no O*NET release)")
    if not found.esco:
        found.absent.append("esco/ (no ESCO release)")
    return found


def _children(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir()
                  if not p.name.startswith(".") and (p.is_dir() or p.suffix == ".zip"))
