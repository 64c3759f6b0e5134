"""The demo budgets: one per regional, open to residents, loaded once."""

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.demo import budgets as demo_budgets
from app.models.components import Component, ComponentType
from app.models.taxonomies import Scope, ScopeType
from tests.budgets.conftest import API


async def test_the_demo_budgets_load_once_and_are_public(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    for code in demo_budgets.PROJECTS:
        scope = Scope(type=ScopeType.REGIONAL, code=code, name={"pt-BR": code})
        session.add(scope)
        await session.flush()
        scope.path = f"/{scope.id}/"
    await session.flush()

    first = await demo_budgets.seed(session, None)
    second = await demo_budgets.seed(session, None)

    assert len(first) == 1
    assert second == []
    component_id = await session.scalar(
        select(Component.id).where(Component.type == ComponentType.BUDGETS)
    )
    listed = await client.get(f"{API}/components/{component_id}/budgets")
    budgets = listed.json()["items"]
    assert [budget["total"] for budget in budgets] == [1_000_000_00, 1_000_000_00]
    projects = await client.get(f"{API}/budgets/{budgets[0]['id']}/projects")
    assert len(projects.json()["items"]) == 4
