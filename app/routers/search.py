"""Search across every searchable kind."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.deps import FilterId, OptionalUser, RuntimeDep, SessionDep
from app.routers.links import set_next_link
from app.schemas.base import Timestamp
from app.schemas.pagination import Cursor, Limit
from app.schemas.search import SearchHit, SearchPage
from app.services import search

router = APIRouter(tags=["search"])


@router.get("/search", name="list")
async def search_content(
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            description="Words to find; accents optional; quotes for a phrase, "
            "a leading - to exclude a word (PostgreSQL).",
        ),
    ],
    viewer: OptionalUser,
    session: SessionDep,
    runtime: RuntimeDep,
    request: Request,
    response: Response,
    type: Annotated[
        list[str] | None, Query(description="Only these types; repeat for several.")
    ] = None,
    space_id: FilterId = None,
    scope_id: FilterId = None,
    area_id: FilterId = None,
    since: Annotated[Timestamp | None, Query(description="Dated at or after.")] = None,
    until: Annotated[Timestamp | None, Query(description="Dated before.")] = None,
    locale: Annotated[
        str | None,
        Query(max_length=16, description="The locale of the extracts."),
    ] = None,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> SearchPage:
    """What you may read that matches the words, best first, with highlighted
    extracts and counts per type."""
    filters = search.SearchFilters(
        types=type or (),
        space_id=space_id,
        scope_id=scope_id,
        area_id=area_id,
        since=since,
        until=until,
    )
    shown_locale = locale or (viewer.locale if viewer else None)
    result = await search.search(
        session,
        viewer,
        q,
        filters,
        locale=shown_locale or runtime.settings.default_locale,
        cursor=cursor,
        limit=limit,
    )
    set_next_link(request, response, result.next_cursor)
    return SearchPage(
        items=[_hit(hit) for hit in result.hits],
        next_cursor=result.next_cursor,
        counts=result.counts,
    )


def _hit(hit: search.Hit) -> SearchHit:
    document = hit.document
    return SearchHit(
        type=document.resource_type,
        id=document.resource_id,
        space_id=document.space_id,
        title=document.title,
        snippet=hit.snippet,
        rank=hit.rank,
        date=document.occurred_at,
    )
