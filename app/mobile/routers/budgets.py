"""Participatory budgets on the app: budgets, projects and the viewer's ballot.

Every ballot change answers with the ballot screen: the budget with the
viewer's ballot (total, whether the vote rule is met and why not) and the
projects chosen.
"""

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.deps import CurrentUser, PathId, SessionDep
from app.mobile import cards, present
from app.mobile.deps import ReaderDep
from app.mobile.present import Reader
from app.mobile.present_budgets import (
    budget_cards,
    budget_detail,
    project_cards,
    project_detail,
)
from app.models.budgets import BudgetProject
from app.routers.links import page_of
from app.schemas.pagination import Cursor, Limit, Page, decode_cursor
from app.services import ballots, budgets
from app.services.budgets import BudgetProjectFilters

router = APIRouter(tags=["budgets"])

PROJECTS_ON_SCREEN = 50


@router.get("/components/{component_id}/budgets", name="list")
async def list_budgets(
    component_id: PathId,
    reader: ReaderDep,
    session: SessionDep,
    request: Request,
    response: Response,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[cards.BudgetCard]:
    """A budgets component's budgets in order, with the reader's ballots."""
    views = await budgets.list_budgets(
        session, reader.viewer, component_id, after=_after(cursor), limit=limit
    )
    found = await budget_cards(session, reader, views)
    positions = {view.budget.id: view.budget.position for view in views}
    return page_of(
        request, response, found, limit, lambda last: [positions[last.id], last.id]
    )


@router.get("/budgets/{budget_id}", name="get")
async def get_budget(
    budget_id: PathId, reader: ReaderDep, session: SessionDep
) -> cards.BudgetDetail:
    """A budget's screen: its texts, the reader's ballot and its first projects."""
    return await _budget_screen(session, reader, budget_id)


@router.get("/budgets/{budget_id}/projects", name="list_projects")
async def list_projects(
    budget_id: PathId,
    reader: ReaderDep,
    session: SessionDep,
    request: Request,
    response: Response,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Page[cards.ProjectCard]:
    """A budget's projects in order, each saying whether it is on the ballot."""
    reads = await budgets.list_projects(
        session,
        reader.viewer,
        budget_id,
        BudgetProjectFilters(),
        after=_after(cursor),
        limit=limit,
    )
    found = await project_cards(session, reader, reads)
    positions = {read.id: read.position for read in reads}
    return page_of(
        request, response, found, limit, lambda last: [positions[last.id], last.id]
    )


@router.get("/budget-projects/{project_id}", name="get_project")
async def get_project(
    project_id: PathId, reader: ReaderDep, session: SessionDep
) -> cards.ProjectDetail:
    """A project's screen, with its photos and the proposals it comes from."""
    read = await budgets.get_project(session, reader.viewer, project_id)
    return await project_detail(session, reader, read)


@router.put("/budgets/{budget_id}/ballot/projects/{project_id}", name="add_to_ballot")
async def add_to_ballot(
    budget_id: PathId,
    project_id: PathId,
    user: CurrentUser,
    reader: ReaderDep,
    session: SessionDep,
) -> cards.BallotScreen:
    """Put a project on your ballot, if it fits in what is left (else 409)."""
    await ballots.add_project(session, user, budget_id, project_id)
    return await _ballot_screen(session, reader, budget_id)


@router.delete(
    "/budgets/{budget_id}/ballot/projects/{project_id}", name="remove_from_ballot"
)
async def remove_from_ballot(
    budget_id: PathId,
    project_id: PathId,
    user: CurrentUser,
    reader: ReaderDep,
    session: SessionDep,
) -> cards.BallotScreen:
    """Take a project off your ballot."""
    await ballots.remove_project(session, user, budget_id, project_id)
    return await _ballot_screen(session, reader, budget_id)


@router.post("/budgets/{budget_id}/ballot/checkout", name="check_out")
async def check_out(
    budget_id: PathId, user: CurrentUser, reader: ReaderDep, session: SessionDep
) -> cards.BallotScreen:
    """Cast your ballot once it meets the vote rule (else 409, saying why)."""
    await ballots.check_out(session, user, budget_id)
    return await _ballot_screen(session, reader, budget_id)


@router.delete("/budgets/{budget_id}/ballot", name="cancel_ballot")
async def cancel_ballot(
    budget_id: PathId, user: CurrentUser, reader: ReaderDep, session: SessionDep
) -> cards.BallotScreen:
    """Withdraw your ballot, cast or not, while voting is open."""
    await ballots.cancel(session, user, budget_id)
    return await _ballot_screen(session, reader, budget_id)


async def _budget_screen(
    session: AsyncSession, reader: Reader, budget_id: int
) -> cards.BudgetDetail:
    view = await budgets.get_budget_view(session, reader.viewer, budget_id)
    reads = await budgets.list_projects(
        session,
        reader.viewer,
        budget_id,
        BudgetProjectFilters(),
        after=None,
        limit=PROJECTS_ON_SCREEN,
    )
    return await budget_detail(session, reader, view, reads[:PROJECTS_ON_SCREEN])


async def _ballot_screen(
    session: AsyncSession, reader: Reader, budget_id: int
) -> cards.BallotScreen:
    view = await budgets.get_budget_view(session, reader.viewer, budget_id)
    [card] = await budget_cards(session, reader, [view])
    chosen = card.viewer.project_ids if card.viewer else []
    projects = await present.in_order(session, BudgetProject, chosen)
    reads = await budgets.project_reads(session, reader.viewer, view, projects)
    return cards.BallotScreen(
        budget=card, chosen=await project_cards(session, reader, reads)
    )


def _after(cursor: str | None) -> tuple[int, int] | None:
    if cursor is None:
        return None
    position, last_id = decode_cursor(cursor, (int, int))
    return position, last_id
