"""A framework release's downloads for other tools: CASE 1.1, CTDL-ASN and CSV (with its CSVW
metadata), at ``/frameworks/{code}/{version}/export.{case.json|ctdl.jsonld|csv}``.

Each is made by the same function as ``nsxkg export`` (nsxkg.export), from the release's
page data in the build's framework index, so a download, the command line and the page say
the same thing. A build never changes under the server, so a download is made once and
kept; its ETag is the build's and the file's name.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from nsxkg.export import csvw
from nsxkg.export.formats import FORMATS, csv_metadata, file_name
from nsxkg.export.release import Release
from nsxkg.web.deps import AppState, State
from nsxkg.web.frameworks import EXPORT, EXPORT_METADATA, index_of
from nsxkg.web.http import error, etag_for, get_and_head, not_modified, validators

router = APIRouter(include_in_schema=False)

PREFIX, METADATA = EXPORT, EXPORT_METADATA


def _release(state: AppState, code: str, version: str) -> Release | None:
    view = index_of(state).view(code, version)
    return Release(view, state.settings.base_iri) if view is not None else None


@get_and_head(router, "/frameworks/{code}/{version}/{name}")
def download(request: Request, state: State, code: str, version: str, name: str) -> Response:
    chosen = next((f for f in FORMATS.values() if name == PREFIX + f.suffix), None)
    if chosen is None and name != METADATA:
        names = ", ".join([*(PREFIX + f.suffix for f in FORMATS.values()), METADATA])
        return error(request, 404, f"no download named {name!r}; a release has {names}")
    etag = etag_for(state, "export", code, version, name)
    cached = not_modified(request, state, etag)
    if cached is not None:
        return cached

    def make() -> tuple[bytes, str, str] | None:
        release = _release(state, code, version)
        if release is None:
            return None
        if chosen is None:
            table = PREFIX + csvw.SUFFIX
            return (csv_metadata(release, table), csvw.METADATA_MEDIA_TYPE,
                    f"{code}-{version}{csvw.METADATA_SUFFIX}")
        return chosen.render(release), chosen.media_type, file_name(release, chosen)

    made = state.memo("framework-exports", (code, version, name), make, limit=64)
    if made is None:
        return error(request, 404, f"no release {version!r} of a framework for {code!r}; "
                                   f"see /frameworks")
    body, media_type, filename = made
    headers = {**validators(state, etag),
               "Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(body, media_type=media_type, headers=headers)
