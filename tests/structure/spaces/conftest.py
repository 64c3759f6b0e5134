"""Actors and helpers of the spaces, phases, members, roles and timeline tests."""

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.routing import Mount

from app.deps import local_today
from app.main import API_PREFIX
from app.models.spaces import Phase, Space, SpaceRoleName
from app.models.taxonomies import InterestGroup, InterestGroupKind
from app.models.users import UserRole
from app.runtime import Runtime
from tests import builders
from tests.builders import Actor, actor

API = "/api/v1"
TODAY = date(2026, 6, 15)
"""The fixed "today" of the tests that depend on the date."""


async def space_actor(
    session: AsyncSession, runtime: Runtime, space: Space, role: SpaceRoleName
) -> Actor:
    held = await actor(session, runtime)
    await builders.grant(session, space, held.user, role)
    return held


@pytest.fixture
async def org_admin(session: AsyncSession, runtime: Runtime) -> Actor:
    return await actor(session, runtime, UserRole.ADMIN)


@pytest.fixture
async def participant(session: AsyncSession, runtime: Runtime) -> Actor:
    return await actor(session, runtime)


@pytest.fixture
def fixed_today(app: FastAPI) -> Iterator[date]:
    """Pins the API's "today" to ``TODAY``."""
    api = next(
        route.app
        for route in app.routes
        if isinstance(route, Mount) and route.path == API_PREFIX
    )
    assert isinstance(api, FastAPI)
    api.dependency_overrides[local_today] = lambda: TODAY
    yield TODAY
    api.dependency_overrides.pop(local_today)


async def interest_group(session: AsyncSession, code: str) -> InterestGroup:
    group = InterestGroup(
        code=code, kind=InterestGroupKind.POPULATION, name={"pt-BR": code.title()}
    )
    session.add(group)
    await session.flush()
    return group


async def phase(
    session: AsyncSession, space: Space, position: int, *, active: bool = False
) -> Phase:
    created = Phase(
        space_id=space.id,
        position=position,
        title={"pt-BR": f"Fase {position + 1}"},
        active=active,
    )
    session.add(created)
    await session.flush()
    return created


async def phases_of(session: AsyncSession, space: Space) -> list[Phase]:
    """The phases as stored now, in order (bypassing the session's cache)."""
    query = (
        select(Phase)
        .where(Phase.space_id == space.id)
        .order_by(Phase.position)
        .execution_options(populate_existing=True)
    )
    return list((await session.scalars(query)).all())
