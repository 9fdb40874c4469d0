"""The export formats by name, for the command line and the server: one table, so both offer
the same formats with the same media types and file names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nsxkg.export import case, csvw, ctdl
from nsxkg.export.release import Release


@dataclass(frozen=True)
class Format:
    name: str
    title: str
    suffix: str  # of the download's file name, after <code>-<version>
    media_type: str
    render: Callable[[Release], bytes]


FORMATS: dict[str, Format] = {
    "case": Format("case", "CASE 1.1 package (JSON)", case.SUFFIX, case.MEDIA_TYPE, case.render),
    "ctdl-asn": Format("ctdl-asn", "CTDL-ASN (JSON-LD)", ctdl.SUFFIX, ctdl.MEDIA_TYPE,
                       ctdl.render),
    "csv": Format("csv", "CSV, one row per statement", csvw.SUFFIX, csvw.MEDIA_TYPE,
                  csvw.render),
}


def file_name(release: Release, fmt: Format) -> str:
    return f"{release.code}-{release.version}{fmt.suffix}"


def csv_metadata(release: Release, table: str) -> bytes:
    """The CSVW metadata of the CSV export, for the table file named ``table`` beside it."""
    return csvw.render_metadata(release, table)
