"""Endpoints of the debates domain."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.deps import CurrentUser, OptionalUser, PathId, SessionDep
from app.models.base import utcnow
from app.models.debates import Debate
from app.routers.links import set_next_link
from app.schemas.debates import (
    DebateClose,
    DebateCreate,
    DebateOrder,
    DebateRead,
    DebateState,
    DebateUpdate,
)
from app.schemas.pagination import Cursor, Limit, Page
from app.services import debates

router = APIRouter(tags=["debates"])


@router.get("/components/{component_id}/debates", name="list")
async def list_debates(
    component_id: PathId,
    viewer: OptionalUser,
    session: SessionDep,
    request: Request,
    response: Response,
    order: Annotated[
        DebateOrder, Query(description="Newest first, or most commented first.")
    ] = DebateOrder.RECENT,
    state: Annotated[
        DebateState | None,
        Query(description="Only debates not closed yet, or only closed ones."),
    ] = None,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[DebateRead]:
    """The debates of a debates component."""
    found, next_cursor = await debates.list_debates(
        session,
        viewer,
        component_id,
        order=order,
        state=state,
        cursor=cursor,
        limit=limit,
    )
    set_next_link(request, response, next_cursor)
    return Page(items=[_read(debate) for debate in found], next_cursor=next_cursor)


@router.post(
    "/components/{component_id}/debates",
    name="create",
    status_code=status.HTTP_201_CREATED,
)
async def create_debate(
    component_id: PathId, body: DebateCreate, user: CurrentUser, session: SessionDep
) -> DebateRead:
    """Open a debate: the space's team always, participants where allowed."""
    return _read(await debates.create_debate(session, user, component_id, body))


@router.get("/debates/{debate_id}", name="get")
async def get_debate(
    debate_id: PathId, viewer: OptionalUser, session: SessionDep
) -> DebateRead:
    """A debate."""
    return _read(await debates.get_debate(session, viewer, debate_id))


@router.patch("/debates/{debate_id}", name="update")
async def update_debate(
    debate_id: PathId, body: DebateUpdate, user: CurrentUser, session: SessionDep
) -> DebateRead:
    """Change an open debate: one's own, or an official one as the space's team."""
    return _read(await debates.update_debate(session, user, debate_id, body))


@router.post("/debates/{debate_id}/close", name="close")
async def close_debate(
    debate_id: PathId, body: DebateClose, user: CurrentUser, session: SessionDep
) -> DebateRead:
    """Close a debate with its conclusions (the space's team)."""
    return _read(await debates.close_debate(session, user, debate_id, body))


def _read(debate: Debate) -> DebateRead:
    return DebateRead.of(debate, debates.accepts_comments(debate, utcnow()))
