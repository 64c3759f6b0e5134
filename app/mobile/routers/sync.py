"""Delta sync of the app: compact cards and tombstones since a cursor."""

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession

from app.deps import LocalZone, SessionDep
from app.mobile import cards, present
from app.mobile.deps import ReaderDep
from app.mobile.present import Reader
from app.mobile.present_surveys import survey_cards
from app.services import surveys, sync

router = APIRouter(tags=["sync"])

_CHANGES: dict[str, Any] = {
    "space": cards.SpaceChange,
    "proposal": cards.ProposalChange,
    "meeting": cards.MeetingChange,
    "comment": cards.CommentChange,
    "debate": cards.DebateChange,
    "post": cards.PostChange,
    "budget_project": cards.BudgetProjectChange,
    "result": cards.ResultChange,
    "survey": cards.SurveyChange,
}
TYPES = tuple(_CHANGES)
_CARDS: dict[str, Any] = {
    "space": present.space_cards,
    "proposal": present.proposal_cards,
    "meeting": present.meeting_cards,
    "comment": present.comment_cards,
    "debate": present.debate_cards,
    "post": present.post_cards,
    "budget_project": present.budget_project_cards,
    "result": present.result_cards,
}


@router.get("/sync", name="read")
async def read_sync(
    reader: ReaderDep,
    session: SessionDep,
    zone: LocalZone,
    since: Annotated[
        str | None,
        Query(
            max_length=200,
            description="The next_cursor of the last answer; "
            "none to start from the beginning.",
        ),
    ] = None,
    types: Annotated[
        str | None,
        Query(max_length=200, description="Comma-separated: " + ", ".join(TYPES)),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=sync.MAX_LIMIT)] = 200,
) -> cards.SyncPage:
    """What changed in public view since ``since``: records and tombstones,
    in commit order. Ask again with ``next_cursor`` while ``more`` is true."""
    batch = await sync.read(
        session,
        since=sync.parse_cursor(since),
        types=sync.parse_types(types, TYPES),
        limit=limit,
    )
    public = Reader(None, reader.locale, reader.default_locale, reader.base_url)
    return cards.SyncPage(
        changes=await _present(session, public, batch.changes, zone),
        next_cursor=batch.next_cursor.encode(),
        more=batch.more,
    )


async def _present(
    session: AsyncSession, reader: Reader, changes: list[sync.Change], zone: ZoneInfo
) -> list[Any]:
    built: dict[tuple[str, int], Any] = {}
    for name in _CHANGES:
        rows: list[Any] = [
            c.record for c in changes if c.type == name and not c.deleted
        ]
        if name == "survey":
            ids = [row.id for row in rows]
            made = survey_cards(
                reader, await surveys.survey_reads(session, None, ids, zone)
            )
        else:
            made = await _CARDS[name](session, reader, rows)
        for card in made:
            built[(name, card.id)] = card
    return [
        _CHANGES[change.type](
            type=change.type,
            id=change.id,
            deleted=change.deleted,
            record=built.get((change.type, change.id)),
        )
        for change in changes
    ]
