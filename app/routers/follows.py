"""Endpoints of the follows domain: what the signed-in user follows."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.deps import CurrentUser, SessionDep
from app.routers.links import set_next_link
from app.schemas.base import MAX_ID
from app.schemas.comments import ResourceType
from app.schemas.follows import FollowCreate, FollowRead
from app.schemas.pagination import Cursor, Limit, Page
from app.services import follows

router = APIRouter(tags=["follows"])


@router.get("/me/follows", name="list")
async def list_follows(
    user: CurrentUser,
    session: SessionDep,
    request: Request,
    response: Response,
    resource_type: Annotated[
        ResourceType | None, Query(description="Only follows of this kind.")
    ] = None,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[FollowRead]:
    """What I follow and may still read, most recently followed first."""
    found, next_cursor = await follows.list_follows(
        session, user, resource_type=resource_type, cursor=cursor, limit=limit
    )
    set_next_link(request, response, next_cursor)
    items = [FollowRead.model_validate(follow) for follow in found]
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "/me/follows",
    name="create",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "Followed already; nothing changed."}},
)
async def follow(
    body: FollowCreate, user: CurrentUser, session: SessionDep, response: Response
) -> FollowRead:
    """Follow a resource I may read: a space, a debate, a proposal, a meeting..."""
    found, created = await follows.follow(
        session, user, body.resource_type, body.resource_id
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return FollowRead.model_validate(found)


@router.delete("/me/follows", name="delete", status_code=status.HTTP_204_NO_CONTENT)
async def unfollow(
    resource_type: Annotated[ResourceType, Query()],
    resource_id: Annotated[int, Query(ge=1, le=MAX_ID)],
    user: CurrentUser,
    session: SessionDep,
) -> None:
    """Stop following a resource; idempotent."""
    await follows.unfollow(session, user, resource_type, resource_id)
