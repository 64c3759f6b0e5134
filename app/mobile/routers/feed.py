"""The home feed of the signed-in participant."""

from fastapi import APIRouter, Request, Response

from app.deps import CurrentUser, SessionDep
from app.mobile import cards, present
from app.mobile.deps import ReaderDep
from app.models.meetings import Meeting
from app.models.proposals import Proposal
from app.routers.links import set_next_link
from app.schemas.pagination import Cursor, Limit
from app.services import feed

router = APIRouter(tags=["feed"])


@router.get("/feed", name="read")
async def read_feed(
    user: CurrentUser,
    reader: ReaderDep,
    session: SessionDep,
    request: Request,
    response: Response,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> cards.FeedPage:
    """News from followed spaces and the participant's region, their meetings
    and the answers to their proposals, newest first."""
    entries, next_cursor = await feed.read_feed(
        session, user, cursor=cursor, limit=limit
    )
    proposals = await present.in_order(
        session, Proposal, [e.id for e in entries if e.kind == "proposal"]
    )
    meetings = await present.in_order(
        session, Meeting, [e.id for e in entries if e.kind == "meeting"]
    )
    by_key: dict[tuple[str, int], dict[str, object]] = {}
    for card in await present.proposal_cards(session, reader, proposals):
        by_key[("proposal", card.id)] = {"proposal": card}
    for meeting in await present.meeting_cards(session, reader, meetings):
        by_key[("meeting", meeting.id)] = {"meeting": meeting}
    set_next_link(request, response, next_cursor)
    return cards.FeedPage(
        items=[
            cards.FeedItem.model_validate(
                {"reason": e.reason, "at": e.at, **by_key[(e.kind, e.id)]}
            )
            for e in entries
            if (e.kind, e.id) in by_key
        ],
        next_cursor=next_cursor,
    )
