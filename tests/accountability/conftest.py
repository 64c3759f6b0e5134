"""Actors, accountability components and results for the accountability tests."""

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.accountability import Result, ResultStatus
from app.models.components import Component, ComponentType
from app.models.spaces import Space, SpaceRoleName
from app.runtime import Runtime
from app.schemas.components import AccountabilitySettings
from tests import builders
from tests.builders import ANONYMOUS, Actor, actor

API = "/api/v1"


@dataclass
class Cast:
    """A public space with a published accountability component, and its people."""

    space: Space
    component: Component
    anonymous: Actor
    participant: Actor
    space_admin: Actor


@pytest.fixture
async def cast(session: AsyncSession, runtime: Runtime) -> Cast:
    space = await builders.space(session)
    return Cast(
        space=space,
        component=await accountability_component(session, space),
        anonymous=ANONYMOUS,
        participant=await actor(session, runtime),
        space_admin=await actor(
            session, runtime, space=space, space_role=SpaceRoleName.ADMIN
        ),
    )


async def accountability_component(
    session: AsyncSession, space: Space, *, published: bool = True, **settings: Any
) -> Component:
    component = await builders.component(
        session, space, type=ComponentType.ACCOUNTABILITY, published=published
    )
    component.settings = AccountabilitySettings(**settings).model_dump(mode="json")
    await session.flush()
    return component


async def result(
    session: AsyncSession,
    component: Component,
    *,
    parent: Result | None = None,
    **fields: Any,
) -> Result:
    created = Result(
        component_id=component.id,
        parent_id=parent.id if parent else None,
        depth=parent.depth + 1 if parent else 1,
        title={"pt-BR": "Reforma da UBS Eldorado"},
        **fields,
    )
    session.add(created)
    if parent is not None:
        parent.children_count += 1
    await session.flush()
    return created


async def status(
    session: AsyncSession, component: Component, key: str, progress: float | None
) -> ResultStatus:
    created = ResultStatus(
        component_id=component.id,
        key=key,
        name={"pt-BR": key.replace("_", " ").capitalize()},
        progress=progress,
    )
    session.add(created)
    await session.flush()
    return created
