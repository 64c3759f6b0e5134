"""Endpoints of the proposals domain: proposals, supports, answers, demands."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel

from app.deps import (
    CurrentUser,
    FilterId,
    LocalZone,
    OptionalUser,
    PathId,
    SessionDep,
)
from app.routers.links import page_of, set_next_link
from app.schemas.pagination import Cursor, Limit, Page, decode_cursor
from app.schemas.proposals import (
    AnswerCreate,
    CoauthorAdd,
    DemandReport,
    EvaluatorAssign,
    ProposalAnswerRead,
    ProposalBrief,
    ProposalCreate,
    ProposalRead,
    ProposalSort,
    ProposalUpdate,
    SatisfactionCreate,
    SupportRead,
)
from app.services import proposal_answers, proposals
from app.services.proposals import ProposalFilters

router = APIRouter(tags=["proposals"])


class EvaluatorsRead(BaseModel):
    proposal_id: int
    user_ids: list[int]


@router.get("/components/{component_id}/proposals", name="list")
async def list_proposals(
    component_id: PathId,
    viewer: OptionalUser,
    session: SessionDep,
    request: Request,
    response: Response,
    state: Annotated[
        str | None,
        Query(
            max_length=40,
            description=(
                "An answer state (not_answered, evaluating, accepted, rejected or a "
                "custom token), withdrawn, or draft (your own drafts). Omitted: "
                "published proposals, withdrawn ones left out."
            ),
        ),
    ] = None,
    scope_id: Annotated[
        FilterId, Query(description="A scope; its descendants are included.")
    ] = None,
    area_id: FilterId = None,
    interest_group_id: FilterId = None,
    mine: Annotated[
        bool, Query(description="Only proposals you wrote or co-wrote.")
    ] = False,
    supported: Annotated[
        bool, Query(description="Only proposals you support.")
    ] = False,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=100, description="Text in title or body."),
    ] = None,
    sort: ProposalSort = ProposalSort.RECENT,
    seed: Annotated[
        int, Query(ge=0, le=2_147_483_646, description="The order of sort=random.")
    ] = 0,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[ProposalRead]:
    """A proposals component's proposals, filtered and sorted."""
    filters = ProposalFilters(
        state=state,
        scope_id=scope_id,
        area_id=area_id,
        interest_group_id=interest_group_id,
        mine=mine,
        supported=supported,
        text=q,
    )
    items, next_cursor = await proposals.list_proposals(
        session,
        viewer,
        component_id,
        filters,
        sort=sort,
        seed=seed,
        cursor=cursor,
        limit=limit,
    )
    set_next_link(request, response, next_cursor)
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "/components/{component_id}/proposals",
    name="create",
    status_code=status.HTTP_201_CREATED,
)
async def create_proposal(
    component_id: PathId, body: ProposalCreate, user: CurrentUser, session: SessionDep
) -> ProposalRead:
    """Draft a proposal; publish it to make it public."""
    return await proposals.create_proposal(session, user, component_id, body)


@router.get("/proposals/{proposal_id}", name="get")
async def get_proposal(
    proposal_id: PathId, viewer: OptionalUser, session: SessionDep
) -> ProposalRead:
    """A published proposal, or a draft of yours."""
    return await proposals.get_proposal(session, viewer, proposal_id)


@router.patch("/proposals/{proposal_id}", name="update")
async def update_proposal(
    proposal_id: PathId, body: ProposalUpdate, user: CurrentUser, session: SessionDep
) -> ProposalRead:
    """Edit a draft, or a published proposal within its edit window and unsupported."""
    return await proposals.update_proposal(session, user, proposal_id, body)


@router.post("/proposals/{proposal_id}/publish", name="publish")
async def publish_proposal(
    proposal_id: PathId, user: CurrentUser, session: SessionDep, zone: LocalZone
) -> ProposalRead:
    """Publish a draft; it gets its reference code."""
    return await proposals.publish_proposal(session, user, proposal_id, zone)


@router.post("/proposals/{proposal_id}/withdraw", name="withdraw")
async def withdraw_proposal(
    proposal_id: PathId, user: CurrentUser, session: SessionDep
) -> ProposalRead:
    """Withdraw a published proposal of yours."""
    return await proposals.withdraw_proposal(session, user, proposal_id)


@router.post("/proposals/{proposal_id}/coauthors", name="add_coauthor")
async def add_coauthor(
    proposal_id: PathId, body: CoauthorAdd, user: CurrentUser, session: SessionDep
) -> ProposalRead:
    """Add a co-author, who may then edit the proposal."""
    return await proposals.add_coauthor(session, user, proposal_id, body.user_id)


@router.delete(
    "/proposals/{proposal_id}/coauthors/{user_id}",
    name="remove_coauthor",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def remove_coauthor(
    proposal_id: PathId, user_id: PathId, user: CurrentUser, session: SessionDep
) -> None:
    """Remove a co-author."""
    await proposals.remove_coauthor(session, user, proposal_id, user_id)


@router.post(
    "/proposals/{proposal_id}/supports",
    name="support",
    status_code=status.HTTP_201_CREATED,
)
async def support_proposal(
    proposal_id: PathId, user: CurrentUser, session: SessionDep
) -> SupportRead:
    """Support a proposal, within the component's limits."""
    return await proposals.support_proposal(session, user, proposal_id)


@router.delete("/proposals/{proposal_id}/supports", name="unsupport")
async def unsupport_proposal(
    proposal_id: PathId, user: CurrentUser, session: SessionDep
) -> SupportRead:
    """Take your support back."""
    return await proposals.unsupport_proposal(session, user, proposal_id)


@router.get("/proposals/{proposal_id}/answer", name="get_answer")
async def get_answer(
    proposal_id: PathId, user: CurrentUser, session: SessionDep
) -> ProposalAnswerRead:
    """The answer as the space's team sees it, published or pending."""
    return await proposal_answers.get_answer(session, user, proposal_id)


@router.post("/proposals/{proposal_id}/answer", name="answer")
async def answer_proposal(
    proposal_id: PathId, body: AnswerCreate, user: CurrentUser, session: SessionDep
) -> ProposalAnswerRead:
    """Give the official answer (space admins and assigned evaluators)."""
    return await proposal_answers.answer_proposal(session, user, proposal_id, body)


@router.post("/proposals/{proposal_id}/answer/publish", name="publish_answer")
async def publish_answer(
    proposal_id: PathId, user: CurrentUser, session: SessionDep
) -> ProposalAnswerRead:
    """Make a pending answer public."""
    return await proposal_answers.publish_answer(session, user, proposal_id)


@router.post("/proposals/{proposal_id}/evaluators", name="assign_evaluator")
async def assign_evaluator(
    proposal_id: PathId, body: EvaluatorAssign, user: CurrentUser, session: SessionDep
) -> EvaluatorsRead:
    """Assign one of the space's evaluators to answer this proposal."""
    user_ids = await proposal_answers.assign_evaluator(
        session, user, proposal_id, body.user_id
    )
    return EvaluatorsRead(proposal_id=proposal_id, user_ids=user_ids)


@router.delete(
    "/proposals/{proposal_id}/evaluators/{user_id}",
    name="unassign_evaluator",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def unassign_evaluator(
    proposal_id: PathId, user_id: PathId, user: CurrentUser, session: SessionDep
) -> None:
    """Take an evaluator off this proposal."""
    await proposal_answers.unassign_evaluator(session, user, proposal_id, user_id)


@router.post("/proposals/{proposal_id}/satisfaction", name="rate")
async def rate_answer(
    proposal_id: PathId,
    body: SatisfactionCreate,
    user: CurrentUser,
    session: SessionDep,
) -> ProposalRead:
    """Rate the answer to your demand, 1 to 5."""
    return await proposal_answers.rate_answer(session, user, proposal_id, body.score)


@router.get("/components/{component_id}/demands", name="list_demands")
async def demand_queue(
    component_id: PathId,
    user: CurrentUser,
    session: SessionDep,
    request: Request,
    response: Response,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[ProposalRead]:
    """Unanswered demands for the team, nearest deadline (so overdue) first."""
    items, next_cursor = await proposal_answers.demand_queue(
        session, user, component_id, cursor=cursor, limit=limit
    )
    set_next_link(request, response, next_cursor)
    return Page(items=items, next_cursor=next_cursor)


@router.get("/spaces/{space_id}/demands/report", name="demand_report")
async def demand_report(
    space_id: PathId, user: CurrentUser, session: SessionDep
) -> DemandReport:
    """A channel's demands per area: received, answered, overdue, time, satisfaction."""
    return await proposal_answers.demand_report(session, user, space_id)


@router.get("/meetings/{meeting_id}/proposals", name="list_born_in_meeting")
async def list_born_in_meeting(
    meeting_id: PathId,
    viewer: OptionalUser,
    session: SessionDep,
    request: Request,
    response: Response,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[ProposalBrief]:
    """The proposals born in a meeting, for its minutes, oldest first."""
    after = None if cursor is None else decode_cursor(cursor, (int,))[0]
    found = await proposals.list_born_in_meeting(
        session, viewer, meeting_id, after=after, limit=limit
    )
    return page_of(request, response, found, limit, lambda last: [last.id])
