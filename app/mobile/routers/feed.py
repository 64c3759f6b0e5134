"""The home feed of the signed-in participant."""

from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.deps import CurrentUser, LocalZone, SessionDep
from app.mobile import cards, present
from app.mobile.deps import ReaderDep
from app.mobile.present_budgets import budget_cards, voting_open
from app.mobile.present_surveys import survey_cards
from app.models.meetings import Meeting
from app.models.proposals import Proposal
from app.routers.links import set_next_link
from app.schemas.pagination import Cursor, Limit
from app.services import budgets, feed, surveys

router = APIRouter(tags=["feed"])


@router.get("/feed", name="read")
async def read_feed(
    user: CurrentUser,
    reader: ReaderDep,
    session: SessionDep,
    request: Request,
    response: Response,
    zone: LocalZone,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> cards.FeedPage:
    """News from followed spaces and the participant's region, their meetings,
    the answers to their proposals, and votes and surveys there closing soon
    (those first, while they are open), newest first."""
    entries, next_cursor = await feed.read_feed(
        session, user, cursor=cursor, limit=limit, zone=zone
    )
    by_key = await _cards(session, reader, entries, zone)
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


async def _cards(
    session: AsyncSession,
    reader: present.Reader,
    entries: list[feed.FeedEntry],
    zone: ZoneInfo,
) -> dict[tuple[str, int], dict[str, object]]:
    """Each entry's card by (kind, id), a fixed number of queries per page.

    A vote or survey the feed found closing soon is left out when it takes no
    votes or answers now (its phase's switches, its component's settings).
    """

    def ids(kind: str) -> list[int]:
        return [e.id for e in entries if e.kind == kind]

    proposals = await present.in_order(session, Proposal, ids("proposal"))
    meetings = await present.in_order(session, Meeting, ids("meeting"))
    views = await budgets.budget_views(session, reader.viewer, ids("budget"))
    survey_reads = await surveys.survey_reads(
        session, reader.viewer, ids("survey"), zone
    )
    by_key: dict[tuple[str, int], dict[str, object]] = {}
    for card in await present.proposal_cards(session, reader, proposals):
        by_key[("proposal", card.id)] = {"proposal": card}
    for meeting in await present.meeting_cards(session, reader, meetings):
        by_key[("meeting", meeting.id)] = {"meeting": meeting}
    open_views = [view for view in views if voting_open(view)]
    for budget in await budget_cards(session, reader, open_views):
        by_key[("budget", budget.id)] = {"budget": budget}
    for survey in survey_cards(reader, [read for read in survey_reads if read.open]):
        by_key[("survey", survey.id)] = {"survey": survey}
    return by_key
