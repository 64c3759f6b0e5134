"""Results made from the projects a budget's published outcome selected.

Each project gives one result, linked to the project and to the proposals of
the same space it came from; the result keeps ``budget_project-ID`` as its
external id, so calling again for the same budget adds only new projects.
"""

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import ConflictError, InvalidInputError, NotFoundError
from app.models.accountability import MAX_DEPTH, Result, ResultLink, ResultStatus
from app.models.budgets import Budget, BudgetProject, BudgetProjectProposal
from app.models.components import Component
from app.models.proposals import Proposal
from app.models.users import User
from app.schemas.accountability import ResultsFromBudget, ResultsFromBudgetRead
from app.services import outbox
from app.services.accountability import (
    check_status,
    component_for,
    locked_chain,
    refresh_ancestors,
)


async def results_from_budget(
    session: AsyncSession, actor: User, component_id: int, data: ResultsFromBudget
) -> ResultsFromBudgetRead:
    """One result per selected project not yet turned into one."""
    component = await component_for(session, actor, component_id)
    budget = await _published_budget(session, component, data.budget_id)
    chain = await locked_chain(session, data.parent_id) if data.parent_id else []
    parent = _usable_parent(component, chain)
    status = await check_status(session, component, data.status_id)
    projects = await _selected(session, budget)
    existing = await _existing(session, component, projects)
    proposals = await _proposals(session, component, projects)

    created: list[Result] = []
    for project in projects:
        if _external_id(project) in existing:
            continue
        result = _result(component, budget, project, parent, status)
        session.add(result)
        await session.flush()
        _link(session, result, project, proposals.get(project.id, []))
        created.append(result)
    if parent is not None:
        parent.children_count += len(created)
    await refresh_ancestors(session, component, chain)

    ids = [result.id for result in created]
    outbox.emit(
        session,
        "results.created_from_budget",
        {
            "component_id": component.id,
            "space_id": component.space_id,
            "budget_id": budget.id,
            "result_ids": ids,
        },
    )
    return ResultsFromBudgetRead(
        created=ids,
        existing=[
            existing[_external_id(project)]
            for project in projects
            if _external_id(project) in existing
        ],
    )


async def _published_budget(
    session: AsyncSession, component: Component, budget_id: int
) -> Budget:
    budget = await session.get(Budget, budget_id)
    if budget is None:
        raise NotFoundError(f"There is no budget {budget_id}.")
    budgets = await session.get_one(Component, budget.component_id)
    if budgets.space_id != component.space_id:
        raise InvalidInputError(
            "budget_id: the budget must be in the results' space.",
            field="budget_id",
            location="body",
        )
    if budget.outcome_published_at is None:
        raise ConflictError(
            f"The outcome of budget {budget.id} is not published: no project "
            "is selected yet."
        )
    return budget


def _usable_parent(component: Component, chain: list[Result]) -> Result | None:
    parent = chain[-1] if chain else None
    if parent is None:
        return None
    if parent.component_id != component.id:
        raise InvalidInputError(
            f"parent_id: result {parent.id} is in another component.",
            field="parent_id",
            location="body",
        )
    if parent.depth >= MAX_DEPTH:
        raise InvalidInputError(
            f"parent_id: results nest {MAX_DEPTH} levels at most.",
            field="parent_id",
            location="body",
        )
    return parent


async def _selected(session: AsyncSession, budget: Budget) -> list[BudgetProject]:
    found = await session.scalars(
        select(BudgetProject)
        .where(BudgetProject.budget_id == budget.id, BudgetProject.selected.is_(True))
        .order_by(BudgetProject.outcome_position, BudgetProject.id)
    )
    return list(found)


def _external_id(project: BudgetProject) -> str:
    return f"budget_project-{project.id}"


async def _existing(
    session: AsyncSession, component: Component, projects: list[BudgetProject]
) -> dict[str, int]:
    keys = [_external_id(project) for project in projects]
    rows = await session.execute(
        select(Result.external_id, Result.id).where(
            Result.component_id == component.id, Result.external_id.in_(keys)
        )
    )
    return {key: result_id for key, result_id in rows if key is not None}


async def _proposals(
    session: AsyncSession, component: Component, projects: list[BudgetProject]
) -> dict[int, list[int]]:
    """The proposals each project came from, those of the results' space only."""
    rows = await session.execute(
        select(BudgetProjectProposal.project_id, BudgetProjectProposal.proposal_id)
        .join(Proposal, Proposal.id == BudgetProjectProposal.proposal_id)
        .join(Component, Component.id == Proposal.component_id)
        .where(
            BudgetProjectProposal.project_id.in_([p.id for p in projects]),
            Component.space_id == component.space_id,
        )
        .order_by(BudgetProjectProposal.proposal_id)
    )
    found: dict[int, list[int]] = defaultdict(list)
    for project_id, proposal_id in rows:
        found[project_id].append(proposal_id)
    return found


def _result(
    component: Component,
    budget: Budget,
    project: BudgetProject,
    parent: Result | None,
    status: ResultStatus | None,
) -> Result:
    values: dict[str, Any] = {
        "component_id": component.id,
        "parent_id": parent.id if parent else None,
        "depth": parent.depth + 1 if parent else 1,
        "title": project.title,
        "description": project.description,
        "status_id": status.id if status else None,
        "progress": status.progress if status else None,
        "scope_id": project.scope_id or budget.scope_id,
        "area_id": project.area_id,
        "weight": 1.0,
        "external_id": _external_id(project),
        "children_count": 0,
        "comments_count": 0,
    }
    return Result(**values)


def _link(
    session: AsyncSession,
    result: Result,
    project: BudgetProject,
    proposal_ids: list[int],
) -> None:
    session.add(
        ResultLink(
            result_id=result.id, resource_type="budget_project", resource_id=project.id
        )
    )
    session.add_all(
        ResultLink(result_id=result.id, resource_type="proposal", resource_id=pid)
        for pid in proposal_ids
    )
