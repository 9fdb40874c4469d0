"""A violation in a source graph names the source file and row it came from."""

from __future__ import annotations

import shutil
from pathlib import Path

from nsxkg.build import build
from nsxkg.validate import validate_build
from support import DATA, make_settings

SALES_SOC = "<https://w3id.org/nsxkg/id/soc2018/11-2022>"


def test_source_violation_names_file_and_row(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    (sources / "soc2018").mkdir(parents=True)
    soc_file = sources / "soc2018" / "soc_2018_definitions.tsv"
    shutil.copyfile(DATA / "sources" / "soc_definitions_excerpt.tsv", soc_file)
    settings = make_settings(tmp_path, sources=sources)
    manifest = build(settings)
    assert "onet/ (no O*NET release)" in manifest.absent
    graph = settings.build_dir / "graphs" / "soc-2018.nq"
    lines = graph.read_text(encoding="utf-8").splitlines(keepends=True)
    # Drop the label of SOC 11-2022: every SOC group needs exactly one English prefLabel.
    label = f"{SALES_SOC} <http://www.w3.org/2004/02/skos/core#prefLabel>"
    kept = [line for line in lines if not line.startswith(label)]
    assert len(kept) == len(lines) - 1
    graph.write_text("".join(kept), encoding="utf-8")

    report = validate_build(settings.build_dir, settings.shapes)
    assert not report.conforms
    [violation] = [v for v in report.violations if v.focus.endswith("/soc2018/11-2022")]
    row = next(n for n, text in enumerate(soc_file.read_text().splitlines(), start=1)
               if "\t11-2022\t" in text)
    assert violation.origin == f"{soc_file}, row {row}"
    assert violation.graph == "https://w3id.org/nsxkg/graph/soc/2018"
