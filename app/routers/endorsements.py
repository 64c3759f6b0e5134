"""Endpoints of the endorsements domain: one endorsement per user and resource."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.deps import CurrentUser, OptionalUser, SessionDep
from app.routers.links import set_next_link
from app.schemas.base import MAX_ID
from app.schemas.comments import CommentAuthor, ResourceType
from app.schemas.endorsements import EndorsementCreate, EndorsementRead, EndorserRead
from app.schemas.pagination import Cursor, Limit, Page
from app.services import endorsements

router = APIRouter(tags=["endorsements"])

ResourceTypeQuery = Annotated[ResourceType, Query()]
ResourceIdQuery = Annotated[int, Query(ge=1, le=MAX_ID)]


@router.get("/endorsements", name="list")
async def list_endorsers(
    resource_type: ResourceTypeQuery,
    resource_id: ResourceIdQuery,
    viewer: OptionalUser,
    session: SessionDep,
    request: Request,
    response: Response,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[EndorserRead]:
    """Who endorsed a resource, newest first."""
    found, next_cursor = await endorsements.list_endorsers(
        session, viewer, resource_type, resource_id, cursor=cursor, limit=limit
    )
    set_next_link(request, response, next_cursor)
    items = [
        EndorserRead(user=CommentAuthor.model_validate(user), created_at=created_at)
        for user, created_at in found
    ]
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "/endorsements",
    name="create",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "Endorsed already; nothing changed."}},
)
async def endorse(
    body: EndorsementCreate, user: CurrentUser, session: SessionDep, response: Response
) -> EndorsementRead:
    """Endorse a resource where endorsements are open; a second time changes nothing."""
    endorsement, count, created = await endorsements.endorse(
        session, user, body.resource_type, body.resource_id
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return EndorsementRead(
        resource_type=endorsement.resource_type,
        resource_id=endorsement.resource_id,
        endorsements_count=count,
        created_at=endorsement.created_at,
    )


@router.delete("/endorsements", name="delete", status_code=status.HTTP_204_NO_CONTENT)
async def unendorse(
    resource_type: ResourceTypeQuery,
    resource_id: ResourceIdQuery,
    user: CurrentUser,
    session: SessionDep,
) -> None:
    """Withdraw one's endorsement of a resource; idempotent."""
    await endorsements.unendorse(session, user, resource_type, resource_id)
