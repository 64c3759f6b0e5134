"""Budgets components, budgets and projects for the budgets tests."""

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.budgets import Budget, BudgetProject
from app.models.components import Component, ComponentType
from app.models.events import OutboxEvent
from app.models.spaces import Space, SpaceRoleName
from app.models.users import UserRole
from app.runtime import Runtime
from app.schemas.components import BudgetsSettings
from tests import builders
from tests.builders import ANONYMOUS, Actor, actor

API = "/api/v1"
OPEN = {"votes_enabled": True}
CLOSED = {"votes_enabled": False}


@dataclass
class Cast:
    """A public space with a budgets component open for voting, and its people."""

    space: Space
    component: Component
    budget: Budget
    projects: list[BudgetProject]
    anonymous: Actor
    voter: Actor
    space_admin: Actor
    org_admin: Actor


@pytest.fixture
async def cast(session: AsyncSession, runtime: Runtime) -> Cast:
    space = await builders.space(session)
    component = await budgets_component(session, space)
    budget = await make_budget(session, component, total=100)
    return Cast(
        space=space,
        component=component,
        budget=budget,
        projects=[
            await project(session, budget, amount) for amount in (60, 50, 40, 10)
        ],
        anonymous=ANONYMOUS,
        voter=await actor(session, runtime),
        space_admin=await actor(
            session, runtime, space=space, space_role=SpaceRoleName.ADMIN
        ),
        org_admin=await actor(session, runtime, role=UserRole.ADMIN),
    )


async def budgets_component(
    session: AsyncSession,
    space: Space,
    *,
    published: bool = True,
    switches: dict[str, Any] | None = None,
    **settings: Any,
) -> Component:
    return await builders.component(
        session,
        space,
        type=ComponentType.BUDGETS,
        published=published,
        settings=BudgetsSettings(**settings).model_dump(mode="json"),
        switches=OPEN if switches is None else switches,
    )


async def make_budget(
    session: AsyncSession,
    component: Component,
    *,
    total: int = 100,
    scope_id: int | None = None,
) -> Budget:
    created = Budget(
        component_id=component.id,
        title={"pt-BR": "Orçamento regional"},
        description={},
        total=total,
        scope_id=scope_id,
        pabulib_meta={},
    )
    session.add(created)
    await session.flush()
    return created


async def project(
    session: AsyncSession, budget: Budget, amount: int, **fields: Any
) -> BudgetProject:
    created = BudgetProject(
        budget_id=budget.id,
        component_id=budget.component_id,
        title={"pt-BR": f"Projeto de {amount}"},
        description={},
        amount=amount,
        **fields,
    )
    session.add(created)
    await session.flush()
    return created


async def set_switches(
    session: AsyncSession, component: Component, **switches: Any
) -> None:
    component.default_switches = {**component.default_switches, **switches}
    await session.flush()


async def events(session: AsyncSession, event_type: str) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(OutboxEvent.payload)
        .where(OutboxEvent.event_type == event_type)
        .order_by(OutboxEvent.id)
    )
    return list(rows)


def ballot_path(budget: Budget | int, project_id: int | None = None) -> str:
    budget_id = budget if isinstance(budget, int) else budget.id
    path = f"{API}/budgets/{budget_id}/ballot"
    return path if project_id is None else f"{path}/projects/{project_id}"


def ids(body: dict[str, Any]) -> list[int]:
    return [item["id"] for item in body["items"]]
