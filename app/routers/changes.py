"""The integrators' change feed: ``GET /api/v1/changes``."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.deps import LocalZone, SessionDep
from app.schemas.changes import ChangesPage
from app.services import sync

router = APIRouter(tags=["changes"])

TYPES = tuple(sync.KINDS)


@router.get("/changes", name="list")
async def list_changes(
    session: SessionDep,
    zone: LocalZone,
    since: Annotated[
        str | None,
        Query(
            max_length=200,
            description="The next_cursor of the last answer; none to start "
            "from the beginning.",
        ),
    ] = None,
    types: Annotated[
        str | None,
        Query(max_length=200, description="Comma-separated: " + ", ".join(TYPES)),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=sync.MAX_LIMIT)] = 200,
) -> ChangesPage:
    """Public records changed since ``since`` and tombstones for those that
    left public view, in commit order; continue with ``next_cursor``."""
    batch = await sync.read(
        session,
        since=sync.parse_cursor(since),
        types=sync.parse_types(types, TYPES),
        limit=limit,
    )
    records = await sync.full_records(session, batch.changes, zone)
    return ChangesPage.model_validate(
        {
            "changes": [
                {
                    "type": change.type,
                    "id": change.id,
                    "deleted": change.deleted,
                    "record": records.get((change.type, change.id)),
                }
                for change in batch.changes
            ],
            "next_cursor": batch.next_cursor.encode(),
            "more": batch.more,
        }
    )
