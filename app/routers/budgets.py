"""Endpoints of participatory budgeting: budgets, projects, ballots, outcomes."""

from fastapi import APIRouter, Request, Response, status

from app.deps import CurrentUser, FilterId, OptionalUser, PathId, SessionDep
from app.routers.links import page_of
from app.schemas.budgets import (
    BallotRead,
    BudgetCreate,
    BudgetProjectCreate,
    BudgetProjectRead,
    BudgetProjectUpdate,
    BudgetRead,
    BudgetUpdate,
    OutcomeCompute,
    OutcomeRead,
    PaperBallotsCreate,
    PaperBallotsRecorded,
)
from app.schemas.pagination import Cursor, Limit, Page, decode_cursor
from app.services import ballots, budget_outcomes, budgets
from app.services.budgets import BudgetProjectFilters, budget_read

router = APIRouter(tags=["budgets"])


@router.get("/components/{component_id}/budgets", name="list")
async def list_budgets(
    component_id: PathId,
    viewer: OptionalUser,
    session: SessionDep,
    request: Request,
    response: Response,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[BudgetRead]:
    """A budgets component's budgets, in order."""
    found = await budgets.list_budgets(
        session, viewer, component_id, after=_after(cursor), limit=limit
    )
    return page_of(
        request,
        response,
        [budget_read(view) for view in found],
        limit,
        lambda last: [last.position, last.id],
    )


@router.post(
    "/components/{component_id}/budgets",
    name="create",
    status_code=status.HTTP_201_CREATED,
)
async def create_budget(
    component_id: PathId, body: BudgetCreate, user: CurrentUser, session: SessionDep
) -> BudgetRead:
    """A new budget of a budgets component (space admins)."""
    return await budgets.create_budget(session, user, component_id, body)


@router.get("/budgets/{budget_id}", name="get")
async def get_budget(
    budget_id: PathId, viewer: OptionalUser, session: SessionDep
) -> BudgetRead:
    """A budget; vote counts only where the component shows them."""
    return budget_read(await budgets.get_budget_view(session, viewer, budget_id))


@router.patch("/budgets/{budget_id}", name="update")
async def update_budget(
    budget_id: PathId, body: BudgetUpdate, user: CurrentUser, session: SessionDep
) -> BudgetRead:
    """Change a budget; its total is frozen once it has ballots (409)."""
    return await budgets.update_budget(session, user, budget_id, body)


@router.delete(
    "/budgets/{budget_id}", name="delete", status_code=status.HTTP_204_NO_CONTENT
)
async def delete_budget(
    budget_id: PathId, user: CurrentUser, session: SessionDep
) -> None:
    """Delete a budget without ballots, with its projects."""
    await budgets.delete_budget(session, user, budget_id)


@router.get("/budgets/{budget_id}/projects", name="list_projects")
async def list_projects(
    budget_id: PathId,
    viewer: OptionalUser,
    session: SessionDep,
    request: Request,
    response: Response,
    scope_id: FilterId = None,
    area_id: FilterId = None,
    selected: bool | None = None,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[BudgetProjectRead]:
    """A budget's projects in order, filtered by scope (with its descendants),
    area, or whether the published outcome selected them."""
    filters = BudgetProjectFilters(
        scope_id=scope_id, area_id=area_id, selected=selected
    )
    found = await budgets.list_projects(
        session, viewer, budget_id, filters, after=_after(cursor), limit=limit
    )
    return page_of(
        request,
        response,
        found,
        limit,
        lambda last: [last.position, last.id],
    )


@router.post(
    "/budgets/{budget_id}/projects",
    name="create_project",
    status_code=status.HTTP_201_CREATED,
)
async def create_project(
    budget_id: PathId, body: BudgetProjectCreate, user: CurrentUser, session: SessionDep
) -> BudgetProjectRead:
    """A new project of a budget (space admins)."""
    return await budgets.create_project(session, user, budget_id, body)


@router.get("/budget-projects/{project_id}", name="get_project")
async def get_project(
    project_id: PathId, viewer: OptionalUser, session: SessionDep
) -> BudgetProjectRead:
    """A project, with the proposals it comes from that the reader may see."""
    return await budgets.get_project(session, viewer, project_id)


@router.patch("/budget-projects/{project_id}", name="update_project")
async def update_project(
    project_id: PathId,
    body: BudgetProjectUpdate,
    user: CurrentUser,
    session: SessionDep,
) -> BudgetProjectRead:
    """Change a project; its amount is frozen once its budget has ballots (409)."""
    return await budgets.update_project(session, user, project_id, body)


@router.delete(
    "/budget-projects/{project_id}",
    name="delete_project",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def delete_project(
    project_id: PathId, user: CurrentUser, session: SessionDep
) -> None:
    """Delete a project of a budget without ballots."""
    await budgets.delete_project(session, user, project_id)


@router.get("/budgets/{budget_id}/ballot", name="get_ballot")
async def get_ballot(
    budget_id: PathId, user: CurrentUser, session: SessionDep
) -> BallotRead:
    """Your ballot in the budget (empty if you have not started one)."""
    return await ballots.get_ballot(session, user, budget_id)


@router.put("/budgets/{budget_id}/ballot/projects/{project_id}", name="add_to_ballot")
async def add_to_ballot(
    budget_id: PathId, project_id: PathId, user: CurrentUser, session: SessionDep
) -> BallotRead:
    """Put a project on your ballot, if it fits in what is left (else 409)."""
    return await ballots.add_project(session, user, budget_id, project_id)


@router.delete(
    "/budgets/{budget_id}/ballot/projects/{project_id}", name="remove_from_ballot"
)
async def remove_from_ballot(
    budget_id: PathId, project_id: PathId, user: CurrentUser, session: SessionDep
) -> BallotRead:
    """Take a project off your ballot."""
    return await ballots.remove_project(session, user, budget_id, project_id)


@router.post("/budgets/{budget_id}/ballot/checkout", name="check_out")
async def check_out(
    budget_id: PathId, user: CurrentUser, session: SessionDep
) -> BallotRead:
    """Cast your ballot once it meets the vote rule (else 409)."""
    return await ballots.check_out(session, user, budget_id)


@router.delete(
    "/budgets/{budget_id}/ballot",
    name="cancel_ballot",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def cancel_ballot(
    budget_id: PathId, user: CurrentUser, session: SessionDep
) -> None:
    """Withdraw your ballot, cast or not, while voting is open."""
    await ballots.cancel(session, user, budget_id)


@router.post(
    "/budgets/{budget_id}/paper-ballots",
    name="record_paper_ballots",
    status_code=status.HTTP_201_CREATED,
)
async def record_paper_ballots(
    budget_id: PathId,
    body: PaperBallotsCreate,
    user: CurrentUser,
    session: SessionDep,
) -> PaperBallotsRecorded:
    """Record ballots cast in person, in bulk; they are counted apart."""
    return await ballots.record_paper_ballots(session, user, budget_id, body)


@router.post("/budgets/{budget_id}/outcome", name="compute_outcome")
async def compute_outcome(
    budget_id: PathId, body: OutcomeCompute, user: CurrentUser, session: SessionDep
) -> OutcomeRead:
    """Compute which projects the rule funds, once voting is over (space admins);
    the team sees it until it is published."""
    return await budget_outcomes.compute_outcome(session, user, budget_id, body)


@router.post("/budgets/{budget_id}/outcome/publish", name="publish_outcome")
async def publish_outcome(
    budget_id: PathId, user: CurrentUser, session: SessionDep
) -> OutcomeRead:
    """Publish the computed outcome: every project shows whether and why it won."""
    return await budget_outcomes.publish_outcome(session, user, budget_id)


@router.get("/budgets/{budget_id}/outcome", name="get_outcome")
async def get_outcome(
    budget_id: PathId, viewer: OptionalUser, session: SessionDep
) -> OutcomeRead:
    """The published outcome, winners first in the order the rule chose them."""
    return await budget_outcomes.get_outcome(session, viewer, budget_id)


def _after(cursor: str | None) -> tuple[int, int] | None:
    if cursor is None:
        return None
    position, last_id = decode_cursor(cursor, (int, int))
    return position, last_id
