"""Screens and lists of the app: spaces, proposals, meetings, comments."""

from datetime import datetime

from fastapi import APIRouter, Request, Response

from app.deps import PathId, SessionDep, Today
from app.mobile import cards, present
from app.mobile.deps import ReaderDep
from app.models.proposals import Proposal
from app.routers.links import page_of, set_next_link
from app.schemas.comments import CommentOrder
from app.schemas.meetings import MeetingPeriod
from app.schemas.pagination import Cursor, Limit, Page, decode_cursor
from app.schemas.proposals import ProposalSort
from app.services import comments, components, meetings, proposals, spaces

router = APIRouter(tags=["content"])

MAX_COMPONENTS = 50


@router.get("/spaces", name="list_spaces")
async def list_spaces(
    reader: ReaderDep,
    session: SessionDep,
    request: Request,
    response: Response,
    today: Today,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[cards.SpaceCard]:
    """Spaces the reader may see, latest start first."""
    views, next_cursor = await spaces.list_spaces(
        session,
        reader.viewer,
        spaces.SpaceFilters(),
        today=today,
        cursor=cursor,
        limit=limit,
    )
    set_next_link(request, response, next_cursor)
    found = [view.space for view in views]
    return Page(
        items=await present.space_cards(session, reader, found),
        next_cursor=next_cursor,
    )


@router.get("/spaces/{space_id}", name="get_space")
async def get_space(
    space_id: PathId, reader: ReaderDep, session: SessionDep
) -> cards.SpaceDetail:
    """A space's screen: its texts and the components it holds."""
    view = await spaces.get_space(session, reader.viewer, str(space_id))
    states = await components.list_components(
        session, reader.viewer, space_id, after=None, limit=MAX_COMPONENTS
    )
    found = [component for component, _ in states]
    return await present.space_detail(session, reader, view.space, found)


@router.get("/components/{component_id}/proposals", name="list_proposals")
async def list_proposals(
    component_id: PathId,
    reader: ReaderDep,
    session: SessionDep,
    request: Request,
    response: Response,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[cards.ProposalCard]:
    """A component's proposals, most recent first."""
    reads, next_cursor = await proposals.list_proposals(
        session,
        reader.viewer,
        component_id,
        proposals.ProposalFilters(),
        sort=ProposalSort.RECENT,
        seed=0,
        cursor=cursor,
        limit=limit,
    )
    found = await present.in_order(session, Proposal, [read.id for read in reads])
    set_next_link(request, response, next_cursor)
    return Page(
        items=await present.proposal_cards(session, reader, found),
        next_cursor=next_cursor,
    )


@router.get("/proposals/{proposal_id}", name="get_proposal")
async def get_proposal(
    proposal_id: PathId, reader: ReaderDep, session: SessionDep
) -> cards.ProposalDetail:
    """A proposal's screen, with whether the reader may support it and why not."""
    context = await proposals.readable_context(session, reader.viewer, proposal_id)
    return await present.proposal_detail(session, reader, context)


@router.get("/meetings", name="list_meetings")
async def list_meetings(
    reader: ReaderDep,
    session: SessionDep,
    request: Request,
    response: Response,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[cards.MeetingCard]:
    """Upcoming meetings the reader may see, soonest first."""
    after = None
    if cursor is not None:
        starts_at, meeting_id = decode_cursor(cursor, (datetime, int))
        after = (starts_at, meeting_id)
    views = await meetings.list_meetings(
        session,
        reader.viewer,
        meetings.MeetingFilters(period=MeetingPeriod.UPCOMING),
        after=after,
        limit=limit,
    )
    found = await present.meeting_cards(
        session, reader, [view.meeting for view in views]
    )
    return page_of(
        request,
        response,
        found,
        limit,
        lambda last: [last.starts_at.isoformat(), last.id],
    )


@router.get("/meetings/{meeting_id}", name="get_meeting")
async def get_meeting(
    meeting_id: PathId, reader: ReaderDep, session: SessionDep
) -> cards.MeetingDetail:
    """A meeting's screen, with the reader's registration."""
    view = await meetings.get_meeting_view(session, reader.viewer, meeting_id)
    return await present.meeting_detail(session, reader, view)


@router.get("/resources/{resource_type}/{resource_id}/comments", name="list_comments")
async def list_comments(
    resource_type: str,
    resource_id: PathId,
    reader: ReaderDep,
    session: SessionDep,
    request: Request,
    response: Response,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[cards.CommentCard]:
    """Root comments of a resource, oldest first."""
    page = await comments.list_comments(
        session,
        reader.viewer,
        resource_type,
        resource_id,
        order=CommentOrder.OLDEST,
        cursor=cursor,
        limit=limit,
    )
    set_next_link(request, response, page.next_cursor)
    shown = [view.comment for view in page.items if view.comment.deleted_at is None]
    return Page(
        items=await present.comment_cards(session, reader, shown),
        next_cursor=page.next_cursor,
    )
