"""Lists of budgets and projects run as many queries for 2 rows as for 20."""

from collections.abc import Awaitable, Callable

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.budgets import BudgetProjectProposal
from app.models.components import ComponentType
from app.runtime import Runtime
from tests import builders
from tests.budgets.conftest import API, Cast, budgets_component, make_budget, project
from tests.builders import Actor
from tests.conftest import QueryCounter

Fill = Callable[[AsyncSession, Cast, int], Awaitable[str]]


async def projects_with_proposals(session: AsyncSession, cast: Cast, rows: int) -> str:
    space = await builders.space(session)
    component = await budgets_component(session, space)
    proposals = await builders.component(session, space, type=ComponentType.PROPOSALS)
    budget = await make_budget(session, component, total=10_000)
    for _ in range(rows):
        created = await project(session, budget, 10)
        origin = await builders.proposal(session, proposals, None)
        session.add(BudgetProjectProposal(project_id=created.id, proposal_id=origin.id))
    await session.flush()
    return f"{API}/budgets/{budget.id}/projects"


async def budgets_of_a_component(session: AsyncSession, cast: Cast, rows: int) -> str:
    space = await builders.space(session)
    component = await budgets_component(session, space)
    for _ in range(rows):
        await make_budget(session, component)
    return f"{API}/components/{component.id}/budgets"


@pytest.mark.parametrize(
    "fill",
    [projects_with_proposals, budgets_of_a_component],
    ids=["projects", "budgets"],
)
@pytest.mark.parametrize("who", ["anonymous", "voter"])
async def test_a_list_runs_a_constant_number_of_queries(
    client: httpx.AsyncClient,
    session: AsyncSession,
    runtime: Runtime,
    queries: QueryCounter,
    cast: Cast,
    fill: Fill,
    who: str,
) -> None:
    viewer: Actor = getattr(cast, who)

    async def count(rows: int) -> int:
        path = await fill(session, cast, rows)
        before = queries.count
        response = await client.get(path, params={"limit": 100}, headers=viewer.headers)
        assert response.status_code == 200, response.text
        assert len(response.json()["items"]) == rows
        return queries.count - before

    few = await count(2)
    many = await count(20)

    assert few == many
    assert many <= 4
