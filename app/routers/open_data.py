"""Open data: the whole export as a zip, or one entity's file."""

from typing import Annotated

from fastapi import APIRouter, Header, Path, Response
from fastapi.responses import FileResponse

from app.deps import RuntimeDep, SessionDep
from app.services import open_data
from app.services import open_data_decisions as _decisions  # noqa: F401  (registers)
from app.services import open_data_exports as _entities  # noqa: F401  (registers)

router = APIRouter(tags=["open_data"])

MEDIA_TYPES = {
    "zip": "application/zip",
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson",
}
CACHE = "public, max-age=0, must-revalidate"


@router.get(
    "/open-data",
    name="download",
    response_class=FileResponse,
    responses={200: {"content": {"application/zip": {}}}, 304: {}},
)
async def download(
    session: SessionDep,
    runtime: RuntimeDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Every public entity as CSV and JSON Lines with a README, zipped; never
    older than the data."""
    build = await _fresh(session, runtime)
    return _send(build, build.file(open_data.ZIP_NAME), "zip", if_none_match)


@router.get(
    "/open-data/{name}",
    name="file",
    response_class=FileResponse,
    responses={200: {"content": {"text/csv": {}, "application/x-ndjson": {}}}},
)
async def download_file(
    name: Annotated[
        str,
        Path(
            max_length=80,
            description="An entity's file: `proposals.csv`, `proposals.jsonl`...",
        ),
    ],
    session: SessionDep,
    runtime: RuntimeDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """One entity's public rows, as CSV (`;` separated) or JSON Lines."""
    build = await _fresh(session, runtime)
    path = open_data.entity_file(build, name)
    return _send(build, path, name.rpartition(".")[2], if_none_match)


async def _fresh(session: SessionDep, runtime: RuntimeDep) -> open_data.Build:
    store = open_data.store_for(runtime.settings)
    return await open_data.fresh_build(session, runtime.sessionmaker, store)


def _send(
    build: open_data.Build, path: object, kind: str, if_none_match: str | None
) -> Response:
    headers = {"ETag": build.etag, "Cache-Control": CACHE}
    if if_none_match == build.etag:
        return Response(status_code=304, headers=headers)
    return FileResponse(
        path,  # type: ignore[arg-type]
        media_type=MEDIA_TYPES[kind],
        filename=f"decide-{getattr(path, 'name', 'open-data')}",
        headers=headers,
    )
